import { logger } from '#shared/observability/logger.ts';
import { publishCounts } from '#shared/observability/metrics.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { GrantQueue } from '#shared/ports/grant-queue.ts';
import type { GrantRepository, GrantState, RevokeReason } from '#shared/store/grant-repository.ts';

/** A revocation still waiting this long means Intuit, the queue or the worker is failing: alarm. */
export const REVOKE_OVERDUE_MS = 6 * 3600_000;

/** Why a grant past its deadline in this state is revoked. */
const REASON: Record<Exclude<GrantState, 'revoke'>, RevokeReason> = {
  pending: 'expired',
  confirming: 'confirm_failed',
};

/** What one sweep did. */
export interface GrantSweep {
  /** Grants past their deadline whose revocation was queued (again). */
  readonly queued: number;
  /** The tenants whose grants have waited longer than {@link REVOKE_OVERDUE_MS} to be revoked. */
  readonly revokesOverdue: readonly string[];
}

/**
 * The hourly backstop of "every grant is revoked": every grant record past its deadline (a
 * pending confirmation nobody confirmed, a confirm that failed after taking its grant, a
 * revocation whose job was lost, never queued, or is failing) is moved to `revoke` and its
 * revocation queued again; a revocation queued again gets a new deadline before the next sweep.
 * Reads only the deadline index, which holds no token. Publishes `GrantRevokesOverdue`, the
 * revocations waiting for more than six hours, which alarms.
 *
 * @param deps - the grants, the grant queue and the clock
 */
export async function sweepGrants(deps: {
  readonly grants: Pick<GrantRepository, 'due' | 'retire' | 'postpone'>;
  readonly grantQueue: GrantQueue;
  readonly clock: Clock;
}): Promise<GrantSweep> {
  const now = deps.clock.now();
  let queued = 0;
  const revokesOverdue: string[] = [];
  for await (const due of deps.grants.due(now)) {
    const revoking =
      due.state === 'revoke'
        ? await deps.grants.postpone(due.ref, now)
        : await deps.grants.retire(due.ref, due.state, now, REASON[due.state]);
    // Moved on meanwhile (confirmed, revoked): nothing left to do.
    if (!revoking) continue;
    await deps.grantQueue.send({ job: 'revoke', ref: due.ref });
    queued += 1;
    if (due.state === 'revoke' && now - due.stateAt > REVOKE_OVERDUE_MS) {
      revokesOverdue.push(due.tenantId);
      logger.warn('A grant has waited over 6 hours to be revoked at Intuit', {
        tenantId: due.tenantId,
        waitingHours: Math.floor((now - due.stateAt) / 3600_000),
      });
    }
    if (due.state !== 'revoke') {
      logger.warn('A grant passed its deadline and is revoked', {
        tenantId: due.tenantId,
        state: due.state,
      });
    }
  }
  publishCounts({
    GrantRevocationsRequeued: queued,
    GrantRevokesOverdue: revokesOverdue.length,
  });
  return { queued, revokesOverdue };
}
