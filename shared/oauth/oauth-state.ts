import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { TENANT_ID } from '#shared/http/tenant.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { OAuthStateRepository, PendingOAuth } from '#shared/store/oauth-state-repository.ts';

/** A state is good for 10 minutes. */
export const STATE_TTL_SECONDS = 600;

/**
 * The OAuth `state`: `<tenantId>.<nonce>.<hmac>`, signed with a key only this stack holds and
 * backed by a single-use record with a 10-minute life. A forged state fails the signature before
 * any read; a replayed, expired or already used one finds no record.
 */
export class OAuthStates {
  /**
   * @param repo - pending flows
   * @param signingKey - HMAC-SHA256 key (at least 32 bytes)
   * @param clock - the time
   */
  constructor(
    private readonly repo: OAuthStateRepository,
    private readonly signingKey: Buffer,
    private readonly clock: Clock,
  ) {}

  /**
   * Starts a flow and returns its state.
   *
   * @param tenantId - the tenant that starts it
   * @param options - who starts it, the checked return URL and whether a company switch is allowed
   */
  async issue(
    tenantId: string,
    options: { subject: string; returnUrl: string; allowCompanySwitch: boolean },
  ): Promise<string> {
    const nonce = randomBytes(16).toString('base64url');
    const expiresAt = Math.floor(this.clock.now() / 1000) + STATE_TTL_SECONDS;
    await this.repo.put({ tenantId, nonce, expiresAt, ...options });
    return `${tenantId}.${nonce}.${this.sign(tenantId, nonce)}`;
  }

  /**
   * Verifies and consumes a state from a callback.
   *
   * @param state - the `state` query parameter
   * @returns the flow, or `undefined` when the state is forged, replayed, expired or malformed
   */
  async consume(state: string | undefined): Promise<PendingOAuth | undefined> {
    const [tenantId, nonce, mac, extra] = (state ?? '').split('.');
    if (!tenantId || !nonce || !mac || extra !== undefined || !TENANT_ID.test(tenantId)) {
      return undefined;
    }
    const expected = Buffer.from(this.sign(tenantId, nonce));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return this.repo.consume(tenantId, nonce, Math.floor(this.clock.now() / 1000));
  }

  private sign(tenantId: string, nonce: string): string {
    return createHmac('sha256', this.signingKey).update(`${tenantId}.${nonce}`).digest('base64url');
  }
}
