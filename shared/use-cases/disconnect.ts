import { randomUUID } from 'node:crypto';
import { toError } from '#shared/errors.ts';
import type { IntuitOAuth } from '#shared/oauth/intuit-oauth.ts';
import type { TokenVault } from '#shared/oauth/token-vault.ts';
import { logger } from '#shared/observability/logger.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { GrantQueue } from '#shared/ports/grant-queue.ts';
import type { ScheduleRegistry } from '#shared/ports/schedule-registry.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';
import type { GrantRepository } from '#shared/store/grant-repository.ts';
import type { RealmClaimRepository } from '#shared/store/realm-claim-repository.ts';
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
  readonly vault: Pick<TokenVault, 'takeForRevocation' | 'delete' | 'open'>;
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
  const sealed = await deps.vault.takeForRevocation(tenantId);
  const ref = `disconnect-${tenantId}-${randomUUID()}`;
  if (sealed) {
    await deps.grants.put(
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
        expiresAt: deps.clock.now(),
      },
      deps.clock.now(),
    );
  }
  await deps.vault.delete(tenantId);
  await deps.schedules.delete(tenantId);
  await deps.connections.patch(tenantId, {
    status: 'disconnected',
    reconnectReason: null,
    ...(sealed ? { revokedAtIntuit: false } : {}),
  });
  if (before) await deps.claims.release(before.realmId, tenantId);

  let revokedAtIntuit = false;
  let revokeError: string | null = null;
  if (sealed) {
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
