/**
 * The queue table (`shared/config/queues.ts`): every row becomes a queue, its dead-letter queue,
 * alarm, dashboard line, event source, URL variables and grants in the stack, and a queue of local
 * mode, each checked by {@link expectEveryRowBuilt}.
 */
import { describe, expect, it } from 'vitest';
import { functionEntries, workerOf } from '#lib/functions.ts';
import { queueEntries } from '#shared/config/queues.ts';
import { expectEveryRowBuilt } from '../support/queue-expectations.ts';

describe('Queues: one row each', () => {
  it('gives every row its queue, dead letters, worker, senders, alarm, dashboard and local queue', async () => {
    await expectEveryRowBuilt();
  });

  it('has one worker per queue, and a sender for each', () => {
    for (const [name] of queueEntries()) {
      expect(() => workerOf(name)).not.toThrow();
      expect(
        functionEntries().some(([, f]) => f.sendsTo?.includes(name)),
        name,
      ).toBe(true);
    }
  });
});
