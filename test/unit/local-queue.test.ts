import { describe, expect, it } from 'vitest';
import { LocalQueue, type RemoteQueue } from '#shared/adapters/local/local-queue.ts';

const fifo = (name: string) =>
  new LocalQueue({ name, fifo: true, visibilityTimeoutSeconds: 0.05, maxReceiveCount: 5 });

describe('LocalQueue', () => {
  it('forwards sends and visibility changes to the queue that owns the messages', async () => {
    const owner = fifo('owner.fifo');
    const calls: unknown[] = [];
    const remote: RemoteQueue = {
      send: (body, group, attributes) => {
        calls.push(['send', body, group, attributes]);
        owner.send(body, group, attributes);
      },
      delay: async (receiptHandle, seconds) => {
        calls.push(['delay', receiptHandle, seconds]);
      },
    };
    const proxy = fifo('proxy.fifo');
    proxy.forwardTo(remote);
    proxy.send('{"a":1}', { groupId: 'g', dedupeId: 'd' }, { correlation: 'c' });
    await proxy.delay('receipt', 30);
    expect(calls).toEqual([
      ['send', '{"a":1}', { groupId: 'g', dedupeId: 'd' }, { correlation: 'c' }],
      ['delay', 'receipt', 30],
    ]);
    expect(proxy.depth).toBe(0);
    expect(owner.depth).toBe(1);
  });

  it('delivers a message again after the visibility timeout when its consumer died', async () => {
    const queue = fifo('kill.fifo');
    const receives: string[] = [];
    queue.start(async (event) => {
      const receiveCount = event.Records[0]?.attributes.ApproximateReceiveCount ?? '';
      receives.push(receiveCount);
      if (receiveCount === '1') throw new Error('worker process killed');
      return { batchItemFailures: [] };
    });
    queue.send('{"b":2}', { groupId: 'g' });
    await queue.idle();
    expect(receives).toEqual(['1', '2']);
  });
});
