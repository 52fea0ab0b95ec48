import { Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { routes } from '#shared/api/routes.ts';
import { TABLE_ENV } from '#shared/store/tables.ts';
import type { StackConfig } from './config.ts';
import { IntegrationHttpApi } from './http-api.ts';
import { AppFunction } from './lambda-function.ts';
import { SyncData } from './sync-data.ts';

/** Props of {@link IntegrationStack}. */
export interface IntegrationStackProps extends StackProps {
  /** Validated configuration (`lib/config.ts`). */
  readonly config: StackConfig;
}

/**
 * The TradelyHQ ↔ QuickBooks Online integration. It wires the constructs together and owns no
 * resources of its own.
 */
export class IntegrationStack extends Stack {
  /** Tables and keys. */
  readonly data: SyncData;
  /** The HTTP API. */
  readonly http: IntegrationHttpApi;

  /**
   * @param scope - the app
   * @param id - stack id
   * @param props - see {@link IntegrationStackProps}
   */
  constructor(scope: Construct, id: string, props: IntegrationStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = config.logRetentionDays as RetentionDays;
    this.data = new SyncData(this, 'Data', { envName: config.envName });

    const fn = (name: string, description: string) =>
      new AppFunction(this, pascal(name), {
        entry: `functions/${name}/handler.ts`,
        description,
        logRetention,
      });
    const functions = {
      health: fn('health', 'GET /health: liveness probe'),
      'get-connection': fn(
        'get-connection',
        'GET /integrations/quickbooks: connection status',
      ).bindTable(this.data.syncState, TABLE_ENV.syncState, 'read'),
    };

    this.http = new IntegrationHttpApi(this, 'Http', {
      routes,
      functions,
      jwtIssuer: config.jwtIssuer,
      jwtAudience: config.jwtAudience,
      corsOrigins: config.portalOrigins,
      throttle: config.apiThrottle,
      logRetention,
    });
  }
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}
