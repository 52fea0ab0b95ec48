import { KmsKeyWrapper } from '#shared/adapters/aws/kms-key-wrapper.ts';
import { EventBridgeScheduleRegistry } from '#shared/adapters/aws/scheduler-registry.ts';
import { LocalKeyWrapper } from '#shared/adapters/local/local-key-wrapper.ts';
import { requiredEnv } from '#shared/config/env.ts';
import { type IntegrationConfig, loadIntegrationConfig } from '#shared/config/integration.ts';
import { IntuitOAuthClient } from '#shared/oauth/intuit-oauth.ts';
import { OAuthStates } from '#shared/oauth/oauth-state.ts';
import { TokenVault } from '#shared/oauth/token-vault.ts';
import { type Clock, systemClock } from '#shared/ports/clock.ts';
import type { KeyWrapper } from '#shared/ports/key-wrapper.ts';
import type { ScheduleRegistry } from '#shared/ports/schedule-registry.ts';
import { QboClient } from '#shared/qbo/qbo-client.ts';
import { RealmLimiter } from '#shared/qbo/realm-limiter.ts';
import { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { GrantRepository } from '#shared/store/grant-repository.ts';
import { OAuthStateRepository } from '#shared/store/oauth-state-repository.ts';
import { RealmClaimRepository } from '#shared/store/realm-claim-repository.ts';
import { TABLE_ENV } from '#shared/store/tables.ts';
import { TokenRepository } from '#shared/store/token-repository.ts';
import { markReconnectRequired } from '#shared/use-cases/mark-reconnect-required.ts';

/** Everything the connection lifecycle uses, built once per process from the environment. */
export interface ConnectionServices {
  readonly config: IntegrationConfig;
  readonly clock: Clock;
  readonly connections: ConnectionRepository;
  /** Which tenant holds each QBO company. */
  readonly claims: RealmClaimRepository;
  /** Grants no connection holds: pending confirmations and revocations. */
  readonly grants: GrantRepository;
  readonly states: OAuthStates;
  readonly vault: TokenVault;
  readonly intuit: IntuitOAuthClient;
  readonly schedules: ScheduleRegistry;
  /** A QBO client for a tenant, with tokens from the vault. */
  qbo(tenantId: string): QboClient;
}

/**
 * The token key: KMS when `TOKEN_KEY_ARN` is set (AWS), else the local master key file named by
 * `LOCAL_MASTER_KEY_FILE` (local mode, tests). There is deliberately no silent fallback.
 */
function keyWrapper(): KeyWrapper {
  const arn = process.env.TOKEN_KEY_ARN;
  if (arn) return new KmsKeyWrapper(arn);
  const file = process.env.LOCAL_MASTER_KEY_FILE;
  if (file) return LocalKeyWrapper.fromFile(file);
  throw new Error('Set TOKEN_KEY_ARN (AWS) or LOCAL_MASTER_KEY_FILE (local mode)');
}

let localSchedules: ScheduleRegistry | undefined;
let awsSchedules: ScheduleRegistry | undefined;

/**
 * Local mode's composition root (`bin/local/workers.ts`) hands its croner registry here, so that
 * croner, a local-only dependency, is never bundled into a Lambda function.
 *
 * @param registry - the registry used when `SCHEDULE_GROUP` is not set
 */
export function useLocalSchedules(registry: ScheduleRegistry): void {
  localSchedules = registry;
}

/** EventBridge Scheduler when `SCHEDULE_GROUP` is set (AWS), else local mode's croner jobs. */
export function scheduleRegistry(): ScheduleRegistry {
  const group = process.env.SCHEDULE_GROUP;
  if (!group) {
    if (!localSchedules) throw new Error('Set SCHEDULE_GROUP (AWS) or start the local runtime');
    return localSchedules;
  }
  awsSchedules ??= new EventBridgeScheduleRegistry({
    group,
    queueArn: requiredEnv('RECONCILE_QUEUE_ARN'),
    roleArn: requiredEnv('SCHEDULER_ROLE_ARN'),
    deadLetterArn: requiredEnv('SCHEDULE_DLQ_ARN'),
  });
  return awsSchedules;
}

/**
 * Built from the configuration; the token vault and the schedule registry are made on first use,
 * so a function that never touches tokens needs neither the token key nor its table.
 */
class Services implements ConnectionServices {
  readonly clock = systemClock;
  readonly connections: ConnectionRepository;
  readonly claims: RealmClaimRepository;
  readonly states: OAuthStates;
  readonly intuit: IntuitOAuthClient;
  private grantsInstance?: GrantRepository;
  private vaultInstance?: TokenVault;
  private limiterInstance?: RealmLimiter;
  private schedulesInstance?: ScheduleRegistry;

  constructor(readonly config: IntegrationConfig) {
    const syncTable = requiredEnv(TABLE_ENV.syncState);
    this.connections = new ConnectionRepository(syncTable);
    this.claims = new RealmClaimRepository(syncTable);
    this.states = new OAuthStates(
      new OAuthStateRepository(syncTable),
      config.stateSigningKey,
      this.clock,
    );
    this.intuit = new IntuitOAuthClient(config.intuit, this.clock);
  }

  get grants(): GrantRepository {
    this.grantsInstance ??= new GrantRepository(requiredEnv(TABLE_ENV.tenantProviderKeys));
    return this.grantsInstance;
  }

  get vault(): TokenVault {
    this.vaultInstance ??= new TokenVault({
      tokens: new TokenRepository(requiredEnv(TABLE_ENV.tenantProviderKeys)),
      keys: keyWrapper(),
      intuit: this.intuit,
      clock: this.clock,
      onReconnectRequired: (tenantId, reason) =>
        markReconnectRequired(
          { connections: this.connections, clock: this.clock },
          tenantId,
          reason,
        ),
      onRefreshed: async (tenantId, tokens) => {
        const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
        await this.connections.patch(
          tenantId,
          {
            refreshTokenExpiresAt: iso(tokens.refreshTokenExpiresAt),
            refreshTokenHardExpiresAt: iso(tokens.refreshTokenHardExpiresAt),
          },
          { status: 'connected' },
        );
      },
    });
    return this.vaultInstance;
  }

  get schedules(): ScheduleRegistry {
    this.schedulesInstance ??= scheduleRegistry();
    return this.schedulesInstance;
  }

  qbo(tenantId: string): QboClient {
    this.limiterInstance ??= new RealmLimiter({
      tableName: requiredEnv(TABLE_ENV.syncState),
      clock: this.clock,
      perSecond: Number(process.env.QBO_REQUESTS_PER_SECOND ?? '8') || 8,
    });
    const limiter = this.limiterInstance;
    return new QboClient({
      baseUrl: this.config.qboApiBaseUrl,
      timeoutMs: Number(process.env.QBO_TIMEOUT_MS ?? '30000') || 30_000,
      tokens: { getAccessToken: (rejected) => this.vault.getAccessToken(tenantId, rejected) },
      limiter: {
        acquire: (realmId) => limiter.acquire(tenantId, realmId),
        throttle: (realmId, seconds) =>
          limiter.throttle(tenantId, realmId, Number(process.env.QBO_429_PAUSE_SECONDS ?? seconds)),
      },
    });
  }
}

let services: Promise<ConnectionServices> | undefined;

/** The process's connection services (built on first use, at cold start in Lambda). */
export function connectionServices(): Promise<ConnectionServices> {
  services ??= loadIntegrationConfig().then((config) => new Services(config));
  return services;
}
