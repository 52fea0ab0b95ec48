/**
 * Backoff before retry `attempt` (1-based): 10 s doubling to 15 minutes, with ±50 % jitter. With
 * a queue's 40 receives that rides out about eight hours of an outage. Its own module: the push
 * use case reads it without loading the batch processor.
 *
 * @param attempt - the receive count of the message
 */
export function backoffSeconds(attempt: number): number {
  const base = Math.min(900, 10 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.5 + Math.random()));
}
