import { randomUUID } from 'node:crypto';
import { logger } from '#shared/observability/logger.ts';
import { publishCounts } from '#shared/observability/metrics.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { EncryptionContext, KeyWrapper } from '#shared/ports/key-wrapper.ts';
import type { StoredTokens, TokenRepository } from '#shared/store/token-repository.ts';
import { open, type SealedBlob, seal } from './envelope.ts';
import { IntuitUnavailableError, NotConnectedError, ReconnectRequiredError } from './errors.ts';
import type { IntuitOAuth } from './intuit-oauth.ts';
import type { TokenExpiries, TokenSet } from './tokens.ts';

/** An access token ready to use, and what is needed to ask for a fresh one after a 401. */
export interface AccessGrant {
  readonly accessToken: string;
  readonly realmId: string;
  /** The stored version it came from; pass it to `getAccessToken` when QBO rejects the token. */
  readonly version: number;
}

/** What the vault needs. */
export interface TokenVaultDeps {
  readonly tokens: TokenRepository;
  readonly keys: KeyWrapper;
  readonly intuit: IntuitOAuth;
  readonly clock: Clock;
  /** Called once when Intuit refuses the grant, to mark the connection `reconnect_required`. */
  readonly onReconnectRequired: (tenantId: string, reason: string) => Promise<void>;
  /** Called after each refresh with the new expiries (the status shows them). */
  readonly onRefreshed?: (tenantId: string, tokens: TokenSet) => Promise<void>;
}

/** Refresh an access token that expires within this window. */
const ACCESS_MARGIN_MS = 5 * 60_000;
/** A lease outlives one refresh (intuit-oauth's retries fit in our 8-second limit per call). */
const LEASE_MS = 20_000;
/** How long a caller waits for another's refresh before giving up (inside a 29 s API call). */
const WAIT_MS = 12_000;

const PROVIDER = 'quickbooks';

/**
 * The token vault over `tenant_provider_keys`: tokens are sealed with envelope encryption under a
 * `{tenantId, provider}` context, and refresh is single-flight per tenant across every Lambda: the
 * first caller to need a refresh takes a conditional lease, refreshes at Intuit and writes the new
 * pair only over the version it read; everyone else re-reads until the new version appears.
 */
export class TokenVault {
  /**
   * The access token this process last opened per tenant, by stored version: while the row read
   * on every call still has that version, a QBO request costs no KMS Decrypt. Any refresh,
   * reconnect or switch of company writes a new version, so a stale copy is never handed out.
   */
  private readonly opened = new Map<string, Opened>();

  /** @param deps - see {@link TokenVaultDeps} */
  constructor(private readonly deps: TokenVaultDeps) {}

  /**
   * The tenant's stored grant, still sealed, to hand over for revocation without opening it: read
   * under the refresh lease, taken once no refresh is in flight (waiting at most one lease), so
   * that what is handed over is the newest grant and no refresh starts before it is moved away. A
   * refresh that outlived its lease cannot store what it got, and revokes it (see
   * `refreshUnderLease`), so no newer grant is left alive at Intuit behind a revocation.
   *
   * @param tenantId - the tenant
   * @returns the sealed grant, or `undefined` when the tenant has none
   */
  async takeForRevocation(tenantId: string): Promise<StoredTokens | undefined> {
    const deadline = this.deps.clock.now() + LEASE_MS;
    const owner = randomUUID();
    let pause = 20;
    for (;;) {
      const leased = await this.deps.tokens.acquireLease(
        tenantId,
        owner,
        this.deps.clock.now(),
        LEASE_MS,
      );
      if (leased) return leased;
      const row = await this.deps.tokens.get(tenantId);
      if (!row || this.deps.clock.now() > deadline) return row;
      await sleep(pause + Math.random() * pause);
      pause = Math.min(pause * 2, 500);
    }
  }

  /**
   * Seals tokens for a tenant, bound to the `{tenantId, provider}` context.
   *
   * @param tenantId - the tenant
   * @param tokens - the tokens
   */
  seal(tenantId: string, tokens: TokenSet): Promise<SealedBlob> {
    const plaintext = JSON.stringify({ a: tokens.accessToken, r: tokens.refreshToken });
    return seal(Buffer.from(plaintext), this.context(tenantId), this.deps.keys);
  }

  /**
   * Opens tokens sealed for a tenant (e.g. a held grant, to revoke it).
   *
   * @param tenantId - the tenant they were sealed for
   * @param sealed - the blob and its expiries
   */
  async open(
    tenantId: string,
    sealed: TokenExpiries & { readonly blob: SealedBlob },
  ): Promise<TokenSet> {
    const clear = await open(sealed.blob, this.context(tenantId), this.deps.keys);
    const { a, r } = JSON.parse(clear.toString()) as { a: string; r: string };
    return { accessToken: a, refreshToken: r, ...expiries(sealed) };
  }

  /**
   * A valid access token, refreshed first if it expires within 5 minutes, with at most one refresh
   * at Intuit per tenant at a time. Every refresh also rolls the refresh token's 101-day expiry
   * forward; the nightly reconcile uses the connection every day, so a connected tenant's refresh
   * token never nears its rolling expiry.
   *
   * @param tenantId - the tenant
   * @param rejectedVersion - the version of a token QBO just refused with 401: refresh it even if
   *   it looks valid, unless someone already has
   * @throws NotConnectedError, ReconnectRequiredError (invalid_grant), IntuitUnavailableError
   */
  async getAccessToken(tenantId: string, rejectedVersion?: number): Promise<AccessGrant> {
    const deadline = this.deps.clock.now() + WAIT_MS;
    let pause = 20;
    for (;;) {
      const row = await this.deps.tokens.get(tenantId);
      if (!row) throw new NotConnectedError();
      if (row.deadReason) throw new ReconnectRequiredError(row.deadReason);
      if (!this.needsRefresh(row, rejectedVersion)) return this.grant(tenantId, row);

      // A fresh owner per attempt: two calls in one process must not share a lease.
      const owner = randomUUID();
      const leased = await this.deps.tokens.acquireLease(
        tenantId,
        owner,
        this.deps.clock.now(),
        LEASE_MS,
      );
      if (leased) {
        // Someone may have finished a refresh (or been refused) between our read and the lease.
        if (leased.deadReason || !this.needsRefresh(leased, rejectedVersion)) {
          await this.deps.tokens.releaseLease(tenantId, owner);
          if (leased.deadReason) throw new ReconnectRequiredError(leased.deadReason);
          return this.grant(tenantId, leased);
        }
        return this.refreshUnderLease(tenantId, leased, owner);
      }
      if (this.deps.clock.now() > deadline) {
        throw new IntuitUnavailableError('another token refresh for this company did not finish');
      }
      await sleep(pause + Math.random() * pause);
      pause = Math.min(pause * 2, 500);
    }
  }

  private needsRefresh(row: StoredTokens, rejectedVersion: number | undefined): boolean {
    const now = this.deps.clock.now();
    return row.version === rejectedVersion || row.accessTokenExpiresAt - now < ACCESS_MARGIN_MS;
  }

  private async refreshUnderLease(
    tenantId: string,
    row: StoredTokens,
    owner: string,
  ): Promise<AccessGrant> {
    let saved = false;
    let fresh: TokenSet;
    try {
      const current = await this.open(tenantId, row);
      fresh = await this.deps.intuit.refresh(current.refreshToken);
      const blob = await this.seal(tenantId, fresh);
      saved = await this.deps.tokens.saveRefreshed(tenantId, row.version, owner, {
        blob,
        ...expiries(fresh),
      });
    } catch (err) {
      // Awaited here, so its rejection is handled before `finally` runs.
      if (err instanceof ReconnectRequiredError) return await this.refused(tenantId, row, err);
      throw err;
    } finally {
      // Written (the write released it) or not, the lease must never outlive this call.
      if (!saved) await this.deps.tokens.releaseLease(tenantId, owner);
    }
    // Not saved. When a reconnect or a disconnect replaced the grant meanwhile, its tokens win, and
    // ours, which nobody will ever hold, are given back to Intuit rather than left alive. When
    // another refresh of the same grant won (ours outlived its lease), the grant is still held:
    // ours are only dropped.
    if (!saved) {
      const now = await this.deps.tokens.get(tenantId);
      if (!now || now.grantId !== row.grantId) {
        await this.deps.intuit.revoke(fresh.refreshToken).catch((error: unknown) => {
          logger.warn('A refreshed grant nobody holds could not be revoked', { tenantId, error });
        });
      }
      return this.getAccessToken(tenantId);
    }
    logger.info('Access token refreshed', {
      tenantId,
      realmId: row.realmId,
      version: row.version + 1,
    });
    publishCounts({ TokenRefreshed: 1 }, { tenantId, realmId: row.realmId });
    await this.deps.onRefreshed?.(tenantId, fresh);
    return { accessToken: fresh.accessToken, realmId: row.realmId, version: row.version + 1 };
  }

  /**
   * Intuit refused the grant. Marked dead once, for this version only: if a reconnect replaced it
   * meanwhile, the new grant is used instead and nobody is told to reconnect.
   */
  private async refused(
    tenantId: string,
    row: StoredTokens,
    err: ReconnectRequiredError,
  ): Promise<AccessGrant> {
    if (!(await this.deps.tokens.markDead(tenantId, row.version, err.reason))) {
      return this.getAccessToken(tenantId);
    }
    logger.warn('Intuit refused the grant (invalid_grant)', { tenantId, realmId: row.realmId });
    publishCounts({ InvalidGrant: 1 }, { tenantId, realmId: row.realmId });
    await this.deps.onReconnectRequired(tenantId, err.reason);
    throw err;
  }

  private grant(tenantId: string, row: StoredTokens): Promise<AccessGrant> {
    const cached = this.opened.get(tenantId);
    if (cached?.version === row.version && cached.realmId === row.realmId) return cached.grant;
    // The promise is kept, not its value: requests made at once (TaxCodes and TaxRates, a batch's
    // mirror) share one KMS Decrypt instead of each opening the same token.
    const grant = this.open(tenantId, row).then(({ accessToken }) => ({
      accessToken,
      realmId: row.realmId,
      version: row.version,
    }));
    this.opened.set(tenantId, { version: row.version, realmId: row.realmId, grant });
    grant.catch(() => {
      if (this.opened.get(tenantId)?.grant === grant) this.opened.delete(tenantId);
    });
    return grant;
  }

  private context(tenantId: string): EncryptionContext {
    return { tenantId, provider: PROVIDER };
  }
}

function expiries(t: {
  accessTokenExpiresAt: number;
  refreshTokenExpiresAt: number;
  refreshTokenHardExpiresAt: number | null;
}) {
  return {
    accessTokenExpiresAt: t.accessTokenExpiresAt,
    refreshTokenExpiresAt: t.refreshTokenExpiresAt,
    refreshTokenHardExpiresAt: t.refreshTokenHardExpiresAt,
  };
}

/** An access token being opened, or opened, for one stored version. */
interface Opened {
  readonly version: number;
  readonly realmId: string;
  readonly grant: Promise<AccessGrant>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
