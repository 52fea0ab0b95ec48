/**
 * The composition root's Intuit side (see `./services.ts`): the app's configuration, read once (in
 * AWS from Secrets Manager, at cold start), then OAuth, the token vault and QBO clients. Only the
 * functions that talk to Intuit import it, so the others bundle none of it.
 */
import { type IntegrationConfig, loadIntegrationConfig } from '#shared/config/integration.ts';
import { required, runtimeEnv } from '#shared/config/runtime-env.ts';
import { IntuitOAuthClient } from '#shared/oauth/intuit-oauth.ts';
import { OAuthStates } from '#shared/oauth/oauth-state.ts';
import { type AccessGrant, TokenVault } from '#shared/oauth/token-vault.ts';
import { QboClient, type QboClientOptions } from '#shared/qbo/qbo-client.ts';
import { RealmLimiter } from '#shared/qbo/realm-limiter.ts';
import { OAuthStateRepository } from '#shared/store/oauth-state-repository.ts';
import { markReconnectRequired } from '#shared/use-cases/mark-reconnect-required.ts';
import { once, Root, type Services } from './services.ts';

/** What talking to Intuit adds: the app's configuration, OAuth, the token vault, QBO clients. */
export interface IntuitServices extends Services {
  readonly config: IntegrationConfig;
  readonly states: OAuthStates;
  readonly intuit: IntuitOAuthClient;
  readonly vault: TokenVault;
  /** A QBO client for a tenant, with tokens from the vault and the shared per-company limiter. */
  qbo(tenantId: string): QboClient;
  /**
   * A QBO client for a grant Intuit has just issued and nothing has stored yet (the callback's
   * company read). It has no per-company limiter: the limiter's items live in the tenants'
   * partitions, which the public callback may not reach (`lib/sync-data.ts`).
   *
   * @param grant - the new access token and its company
   * @param maxTimeoutMs - the caller's own bound on each request: the QBO timeout setting applies
   *   when it is shorter
   */
  qboWithGrant(grant: AccessGrant, maxTimeoutMs: number): QboClient;
}

class IntuitRoot extends Root implements IntuitServices {
  readonly states: OAuthStates;
  readonly intuit: IntuitOAuthClient;
  private limiter?: RealmLimiter;
  private vaultInstance?: TokenVault;

  constructor(readonly config: IntegrationConfig) {
    super();
    this.intuit = new IntuitOAuthClient(config.intuit, this.clock);
    this.states = new OAuthStates(
      new OAuthStateRepository(required('syncTable')),
      config.stateSigningKey,
      this.clock,
    );
  }

  get vault(): TokenVault {
    this.vaultInstance ??= new TokenVault({
      tokens: this.tokens,
      keys: this.keys,
      intuit: this.intuit,
      clock: this.clock,
      onReconnectRequired: (tenantId, reason) => markReconnectRequired(this, tenantId, reason),
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

  readonly qbo = (tenantId: string): QboClient => {
    const env = runtimeEnv();
    this.limiter ??= new RealmLimiter({
      tableName: required('syncTable'),
      clock: this.clock,
      maxInFlight: env.qboMaxInFlight,
      perMinute: env.qboRequestsPerMinute,
      minuteMargin: env.qboMinuteMargin,
      batchesPerMinute: env.qboBatchesPerMinute,
      // A slot outlasts its request (which the timeout bounds), token refresh included.
      leaseMs: env.qboTimeoutMs + 15_000,
    });
    const limiter = this.limiter;
    return this.qboClient({
      tokens: { getAccessToken: (rejected) => this.vault.getAccessToken(tenantId, rejected) },
      limiter: {
        acquire: (realmId, kind, maxWaitMs) => limiter.acquire(tenantId, realmId, kind, maxWaitMs),
        hasRoom: (realmId, kind) => limiter.hasRoom(tenantId, realmId, kind),
        throttle: (realmId, seconds) =>
          limiter.throttle(tenantId, realmId, env.qbo429PauseSeconds ?? seconds),
      },
    });
  };

  readonly qboWithGrant = (grant: AccessGrant, maxTimeoutMs: number): QboClient =>
    this.qboClient({ tokens: { getAccessToken: async () => grant } }, maxTimeoutMs);

  /** Every QBO client: the app's API host and the QBO timeout setting (`QBO_TIMEOUT_MS`). */
  private qboClient(
    options: Pick<QboClientOptions, 'tokens' | 'limiter'>,
    maxTimeoutMs = Infinity,
  ): QboClient {
    return new QboClient({
      baseUrl: this.config.qboApiBaseUrl,
      timeoutMs: Math.min(runtimeEnv().qboTimeoutMs, maxTimeoutMs),
      ...options,
    });
  }
}

const intuitRoot = once(
  (): Promise<IntuitServices> => loadIntegrationConfig().then((config) => new IntuitRoot(config)),
);

/**
 * The process's services with the Intuit app: its configuration is read once (in AWS from Secrets
 * Manager, at cold start), then OAuth, the token vault and QBO clients are available too.
 */
export function intuitServices(): Promise<IntuitServices> {
  return intuitRoot();
}
