import { randomUUID } from 'node:crypto';
import { toError } from '#shared/errors.ts';
import type { IntuitOAuth } from '#shared/oauth/intuit-oauth.ts';
import type { TokenVault } from '#shared/oauth/token-vault.ts';
import { logger } from '#shared/observability/logger.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { GrantQueue } from '#shared/ports/grant-queue.ts';
import type { ScheduleRegistry } from '#shared/ports/schedule-registry.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { writeTogether } from '#shared/store/dynamo.ts';
import type { GrantRepository } from '#shared/store/grant-repository.ts';
import type { RealmClaimRepository } from '#shared/store/realm-claim-repository.ts';
import type { TokenRepository } from '#shared/store/token-repository.ts';
import { queueRevocation, revokeHeldGrant } from './revoke-held-grant.ts';

/** The outcome of a disconnect, as the portal shows it. */
export interface DisconnectResult {
  readonly status: 'disconnected';
  /**
   * Whether Intuit confirmed the revocation. When it did not yet, the grant is kept sealed and the
   * revocation is retried from a queue until Intuit confirms; `GET /integrations/quickbooks` then
   * shows `revokedAtIntuit: true`.
   */
  readonly revokedAtIntuit: boolean;
  /** Why the revocation at Intuit has not happened yet, if it has not. */
  readonly revokeError: string | null;
}

/** What {@link disconnect} needs. */
export interface DisconnectDeps {
  readonly connections: ConnectionRepository;
  readonly claims: RealmClaimRepository;
  readonly grants: GrantRepository;
  readonly grantQueue: GrantQueue;
  readonly tokens: TokenRepository;
  readonly vault: Pick<TokenVault, 'takeForRevocation' | 'open'>;
  readonly intuit: IntuitOAuth;
  readonly schedules: ScheduleRegistry;
  readonly clock: Clock;
}

/**
 * "Disconnect": the tenant's sealed grant moves from `tenant_provider_keys` to a revocation record,
 * the tenant's row and nightly schedule are deleted, the connection is marked `disconnected` and
 * the company released; then the grant is revoked at Intuit. The local part comes first, so a slow
 * or failing Intuit can never leave a tenant connected against their will, and a failed revocation
 * is retried from the grant queue (the sealed refresh token is kept until Intuit confirms). Pushed
 * invoices, mappings and the record of which company was connected stay, so a reconnect to the same
 * company picks up where it left off. Disconnecting twice is harmless.
 *
 * @param deps - see {@link DisconnectDeps}
 * @param tenantId - the tenant, from the verified JWT
 */
export async function disconnect(
  deps: DisconnectDeps,
  tenantId: string,
): Promise<DisconnectResult> {
  const before = await deps.connections.get(tenantId);
  const ref = await handOver(deps, tenantId);
  await deps.schedules.delete(tenantId);
  await deps.connections.patch(tenantId, {
    status: 'disconnected',
    reconnectReason: null,
    ...(ref ? { revokedAtIntuit: false } : {}),
  });
  if (before) await deps.claims.release(before.realmId, tenantId);

  let revokedAtIntuit = false;
  let revokeError: string | null = null;
  if (ref) {
    try {
      await revokeHeldGrant(deps, ref);
      revokedAtIntuit = true;
    } catch (err) {
      revokeError = `${toError(err).message}. The revocation is retried until Intuit confirms it.`;
      await queueRevocation(deps.grantQueue, ref, tenantId);
    }
  }
  logger.info('QuickBooks disconnected', { tenantId, revokedAtIntuit, revokeError });
  return { status: 'disconnected', revokedAtIntuit, revokeError };
}

/** Times a disconnect reads the tenant's tokens again when a confirm replaced them under it. */
const HAND_OVER_ATTEMPTS = 3;

/**
 * Moves the tenant's grant from its token row into a revocation record, in one transaction, and
 * only the version read under the refresh lease: should a confirm write a new grant meanwhile, it
 * is read again and handed over too, never deleted unrevoked.
 *
 * @returns the revocation's id, or `undefined` when the tenant holds no grant
 */
async function handOver(deps: DisconnectDeps, tenantId: string): Promise<string | undefined> {
  for (let attempt = 1; ; attempt += 1) {
    const sealed = await deps.vault.takeForRevocation(tenantId);
    if (!sealed) return undefined;
    const now = deps.clock.now();
    const ref = `disconnect-${tenantId}-${randomUUID()}`;
    const refused = await writeTogether([
      {
        Put: deps.grants.putItem(
          {
            ref,
            state: 'revoke',
            revokeReason: 'disconnect',
            tenantId,
            realmId: sealed.realmId,
            blob: sealed.blob,
            accessTokenExpiresAt: sealed.accessTokenExpiresAt,
            refreshTokenExpiresAt: sealed.refreshTokenExpiresAt,
            refreshTokenHardExpiresAt: sealed.refreshTokenHardExpiresAt,
            expiresAt: now,
          },
          now,
        ),
      },
      { Delete: deps.tokens.deleteItem(tenantId, sealed.version) },
    ]);
    if (refused.length === 0) return ref;
    if (attempt >= HAND_OVER_ATTEMPTS) {
      throw new Error('The tenant tokens kept changing during a disconnect');
    }
  }
}
