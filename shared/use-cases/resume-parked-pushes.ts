import type { Clock } from '#shared/ports/clock.ts';
import { type PushQueue, pushOf } from '#shared/ports/push-queue.ts';
import type { InvoiceRepository } from '#shared/store/invoice-repository.ts';

/**
 * After a reconnect: every push that was parked waiting for it goes out again.
 *
 * @param deps - invoices, the push queue, clock
 * @param tenantId - the tenant that reconnected
 * @returns how many pushes were resumed
 */
export async function resumeParkedPushes(
  deps: {
    readonly invoices: InvoiceRepository;
    readonly pushQueue: PushQueue;
    readonly clock: Clock;
  },
  tenantId: string,
): Promise<number> {
  let resumed = 0;
  let cursor: string | undefined;
  const reason = `resume:${deps.clock.now()}`;
  do {
    const page = await deps.invoices.list(tenantId, {
      parkedOnly: true,
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    for (const record of page.items) {
      await deps.pushQueue.send(pushOf(record), reason);
      resumed += 1;
    }
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return resumed;
}
