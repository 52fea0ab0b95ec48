import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { routes } from '#shared/api/routes.ts';
import { TABLE_ENV } from '#shared/store/tables.ts';
import type { StackConfig } from './config.ts';
import { IntegrationHttpApi } from './http-api.ts';
import { AppFunction, type IntuitAppBinding } from './lambda-function.ts';
import { NightlyReconcile } from './nightly-reconcile.ts';
import { SyncData } from './sync-data.ts';

/** Props of {@link IntegrationStack}. */
export interface IntegrationStackProps extends StackProps {
  /** Validated configuration (`lib/config.ts`). */
  readonly config: StackConfig;
}

/**
 * The TradelyHQ ↔ QuickBooks Online integration. It wires the constructs together and owns no
 * resources of its own beyond the queue key and the Intuit app secret.
 */
export class IntegrationStack extends Stack {
  /** Tables and keys. */
  readonly data: SyncData;
  /** Encrypts the queues. */
  readonly queueKey: Key;
  /** The nightly reconcile's schedules and queue. */
  readonly reconcile: NightlyReconcile;
  /** The HTTP API. */
  readonly http: IntegrationHttpApi;
  /** The functions, by handler name. */
  readonly functions: Readonly<Record<string, AppFunction>>;

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
    this.queueKey = new Key(this, 'QueueKey', {
      description: 'Encrypts the QuickBooks integration queues',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.reconcile = new NightlyReconcile(this, 'Reconcile', { queueKey: this.queueKey });
    const { syncState, tenantProviderKeys, tokenKey } = this.data;
    const fn = (name: string, description: string) =>
      new AppFunction(this, pascal(name), {
        entry: `functions/${name}/handler.ts`,
        description,
        logRetention,
      }).bindTable(syncState, TABLE_ENV.syncState, 'readwrite');
    const withTokens = (f: AppFunction) =>
      f
        .bindTable(tenantProviderKeys, TABLE_ENV.tenantProviderKeys, 'readwrite')
        .bindTokenKey(tokenKey);

    const health = new AppFunction(this, 'Health', {
      entry: 'functions/health/handler.ts',
      description: 'GET /health: liveness probe',
      logRetention,
    });
    const getConnection = new AppFunction(this, 'GetConnection', {
      entry: 'functions/get-connection/handler.ts',
      description: 'GET /integrations/quickbooks: connection status',
      logRetention,
    }).bindTable(syncState, TABLE_ENV.syncState, 'read');
    const functions = {
      health,
      'get-connection': getConnection,
      'connect-quickbooks': fn('connect-quickbooks', 'Starts the QuickBooks OAuth flow'),
      'quickbooks-callback': withTokens(
        fn(
          'quickbooks-callback',
          "Intuit's OAuth redirect: stores tokens, schedules the reconcile",
        ),
      ).bindSchedules(this.reconcile),
      'update-settings': fn('update-settings', 'Time zone and mapping settings').bindSchedules(
        this.reconcile,
      ),
      'quickbooks-disconnected': withTokens(
        fn('quickbooks-disconnected', "Intuit's Disconnect URL: checks the grant with Intuit"),
      ),
      'disconnect-quickbooks': withTokens(
        fn('disconnect-quickbooks', 'Revokes at Intuit, deletes tokens and the schedule'),
      ).bindSchedules(this.reconcile),
    };
    this.functions = functions;

    this.http = new IntegrationHttpApi(this, 'Http', {
      routes,
      functions,
      jwtIssuer: config.jwtIssuer,
      jwtAudience: config.jwtAudience,
      corsOrigins: config.portalOrigins,
      throttle: config.apiThrottle,
      logRetention,
    });
    // The redirect URI is the API's own callback route, so it is known only once the API exists.
    const app: IntuitAppBinding = {
      secret: this.intuitSecret(config),
      environment: config.intuitEnvironment,
      redirectUri: `${this.http.api.apiEndpoint}/oauth/quickbooks/callback`,
      portalUrl: config.portalUrl,
      returnUrlOrigins: config.portalOrigins,
      defaultTimezone: config.defaultTimezone,
    };
    const withIntuit = [
      'connect-quickbooks',
      'quickbooks-callback',
      'quickbooks-disconnected',
      'disconnect-quickbooks',
    ];
    for (const name of withIntuit) {
      functions[name as keyof typeof functions].bindIntuitApp(app);
    }
    new CfnOutput(this, 'ApiEndpoint', {
      value: this.http.api.apiEndpoint,
      description: 'Base URL of the API; the Intuit redirect URI and Disconnect URL live under it',
    });
  }

  private intuitSecret(config: StackConfig): ISecret {
    if (config.intuitSecretArn) {
      return Secret.fromSecretCompleteArn(this, 'IntuitApp', config.intuitSecretArn);
    }
    const secret = new Secret(this, 'IntuitApp', {
      description:
        'Intuit app credentials: {"clientId","clientSecret","webhookVerifierTokens":[...]}. ' +
        'Fill in after the first deploy (README, Deploying).',
      secretObjectValue: {},
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Holds credentials issued by Intuit; they can only be rotated in the Intuit developer ' +
        'portal, so a Secrets Manager rotation Lambda has nothing to rotate. The runbook covers ' +
        'rotating the client secret and verifier token without downtime.',
    });
    return secret;
  }
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}
