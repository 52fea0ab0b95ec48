import type { DomainEvent } from '#shared/ports/event-publisher.ts';
import { type RelayDeps, relayEvents } from './relay-events.ts';

/** How long an event may wait for the stream's delivery before a sweep delivers it. */
export const SWEEP_AFTER_MS = 5 * 60_000;

/** Events read from each sweep partition per round. */
const PAGE = 100;

/** Rounds of one sweep: a backlog larger than this waits for the next run. */
const MAX_ROUNDS = 20;

/**
 * Delivers every outbox event older than `olderThanMs`, oldest first: in AWS the events the
 * stream's delivery missed or failed (a stream keeps its records 24 hours, a failed delivery does
 * not depend on it); locally, with `olderThanMs = 0`, what the bus would have received.
 *
 * @param deps - see {@link RelayDeps}
 * @param olderThanMs - only events written at least this long ago
 * @returns the events delivered
 */
export async function sweepOutbox(
  deps: RelayDeps,
  olderThanMs = SWEEP_AFTER_MS,
): Promise<readonly DomainEvent[]> {
  const delivered: DomainEvent[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const until = new Date(deps.clock.now() - olderThanMs).toISOString();
    const waiting = await deps.outbox.waiting(until, PAGE);
    if (waiting.length === 0) break;
    await relayEvents(deps, waiting);
    delivered.push(...waiting);
  }
  return delivered;
}
