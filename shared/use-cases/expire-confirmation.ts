import type { Clock } from '#shared/ports/clock.ts';
import { type RevokeHeldGrantDeps, revokeHeldGrant } from './revoke-held-grant.ts';

/**
 * A pending confirmation's deadline: a grant that nobody confirmed in time is revoked at Intuit.
 * A confirmed (or already refused) one is gone or in another state, and nothing happens.
 *
 * @param deps - see {@link RevokeHeldGrantDeps}, and the clock
 * @param ref - the pending grant's id
 * @returns `not_yet` with the seconds left when the deadline has not passed (the job came early)
 */
export async function expireConfirmation(
  deps: RevokeHeldGrantDeps & { readonly clock: Clock },
  ref: string,
): Promise<
  { readonly outcome: 'not_yet'; readonly secondsLeft: number } | { readonly outcome: 'done' }
> {
  const now = deps.clock.now();
  const grant = await deps.grants.get(ref);
  if (grant?.state === 'pending' && grant.expiresAt > now) {
    return { outcome: 'not_yet', secondsLeft: Math.ceil((grant.expiresAt - now) / 1000) };
  }
  const expired = await deps.grants.move(ref, 'pending', 'revoke', {
    now,
    expired: true,
    revokeReason: 'expired',
  });
  if (expired) await revokeHeldGrant(deps, ref);
  return { outcome: 'done' };
}
