import { ReconnectRequiredError } from '#shared/oauth/errors.ts';
import type { IntuitOAuth } from '#shared/oauth/intuit-oauth.ts';
import type { TokenVault } from '#shared/oauth/token-vault.ts';
import { logger } from '#shared/observability/logger.ts';
import type { GrantQueue } from '#shared/ports/grant-queue.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';
import type { GrantRepository } from '#shared/store/grant-repository.ts';

/** What {@link revokeHeldGrant} needs. */
export interface RevokeHeldGrantDeps {
  readonly grants: GrantRepository;
  readonly vault: Pick<TokenVault, 'open'>;
  readonly intuit: IntuitOAuth;
  readonly connections: ConnectionRepository;
}

/**
 * Gives a held grant (state `revoke`) back to Intuit and forgets it. A grant Intuit already
 * refuses (`invalid_grant`) is as good as revoked. Intuit unreachable: it throws, the record
 * stays, and the grant worker tries again with backoff. After a disconnect, the tenant's
 * connection then shows `revokedAtIntuit: true`.
 *
 * @param deps - see {@link RevokeHeldGrantDeps}
 * @param ref - the held grant's id
 * @returns whether there was a grant to revoke
 */
export async function revokeHeldGrant(deps: RevokeHeldGrantDeps, ref: string): Promise<boolean> {
  const grant = await deps.grants.get(ref);
  if (grant?.state !== 'revoke') return false;
  const { refreshToken } = await deps.vault.open(grant.tenantId, grant);
  try {
    await deps.intuit.revoke(refreshToken);
  } catch (err) {
    if (!(err instanceof ReconnectRequiredError)) throw err;
  }
  if (grant.revokeReason === 'disconnect') {
    await deps.connections.patch(
      grant.tenantId,
      { revokedAtIntuit: true },
      { status: 'disconnected' },
    );
  }
  await deps.grants.delete(ref);
  logger.info('QuickBooks grant revoked at Intuit', {
    tenantId: grant.tenantId,
    realmId: grant.realmId,
    reason: grant.revokeReason,
  });
  return true;
}

/**
 * Queues a held grant's revocation. Should the queue fail, the caller goes on: the grant's record
 * has a deadline, and the hourly sweep (`sweepGrants`) queues it then.
 *
 * @param queue - the grant queue
 * @param ref - the held grant's id
 * @param tenantId - whose grant it is (for the log)
 */
export async function queueRevocation(
  queue: GrantQueue,
  ref: string,
  tenantId: string,
): Promise<void> {
  await queue.send({ job: 'revoke', ref }).catch((error: unknown) => {
    logger.warn('Revocation not queued; the sweep will queue it', { tenantId, error });
  });
}
