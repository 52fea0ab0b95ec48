/**
 * Issue 31: an event is written with the state change it reports (the outbox), so a write whose
 * answer is lost after it committed still ends in exactly one delivered event. The fault sits in
 * the DynamoDB client's own middleware stack, inside the SDK's retry loop: the SDK resends the
 * committed write as it would in AWS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localChangeQueue } from '#shared/adapters/local/local-queues.ts';
import { MemoryEventPublisher } from '#shared/adapters/local/memory-event-publisher.ts';
import { documentClient, writeTogether } from '#shared/store/dynamo.ts';
import { eventOf, OutboxRepository } from '#shared/store/outbox-repository.ts';
import { syncStateTable } from '#shared/store/tables.ts';
import { SWEEP_AFTER_MS, sweepOutbox } from '#shared/use-cases/sweep-outbox.ts';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { invoiceBody, pushInvoice, queueDrained, syncOf } from '../support/push.ts';

let stack: TestStack;
/** The event type whose transaction loses its answer next, and how often that happened. */
const loseAnswer: { of?: string; lost: number } = { lost: 0 };

beforeAll(async () => {
  stack = await startTestStack();
  documentClient.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const request = args.request as { headers: Record<string, string>; body: Uint8Array };
      const target = String(request.headers['x-amz-target'] ?? '');
      if (
        loseAnswer.of &&
        target.endsWith('.TransactWriteItems') &&
        new TextDecoder().decode(request.body).includes(loseAnswer.of)
      ) {
        loseAnswer.of = undefined;
        loseAnswer.lost += 1;
        // Committed; the answer never arrives: a transient error the SDK retries.
        throw Object.assign(new Error('The answer was lost'), { name: 'TimeoutError' });
      }
      return out;
    },
    { step: 'deserialize', name: 'loseTransactionAnswer' },
  );
});
afterAll(async () => {
  documentClient.middlewareStack.remove('loseTransactionAnswer');
  await stack.close();
});

async function eventsOf(tenantId: string) {
  const res = await fetch(`${stack.api.url}/_local/events?tenantId=${tenantId}`);
  const { events } = (await res.json()) as {
    events: { id: string; type: string; invoiceId: string; sequence: number }[];
  };
  return events;
}

async function settle(): Promise<void> {
  await stack.world.emulator.webhooksIdle();
  await localChangeQueue.idle();
}

describe('Events written with their state change (the outbox)', () => {
  it('publishes invoice.pushed and invoice.paid once each when their writes lose the answer', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);

    loseAnswer.of = 'invoice.pushed';
    await pushInvoice(stack, tenantId, 'inv_lost', invoiceBody());
    await queueDrained();
    await settle();
    expect(loseAnswer).toMatchObject({ lost: 1 });
    const { qboInvoiceId } = await syncOf(stack, tenantId, 'inv_lost');

    loseAnswer.of = 'invoice.paid';
    const paid = await stack.world.admin('POST', `/_admin/companies/${realmId}/payments`, {
      invoiceId: qboInvoiceId,
      amount: 934,
    });
    expect(paid.status).toBeLessThan(300);
    await settle();
    expect(loseAnswer).toMatchObject({ lost: 2 });
    expect(await syncOf(stack, tenantId, 'inv_lost')).toMatchObject({ status: 'paid' });

    const events = await eventsOf(tenantId);
    expect(events.map((e) => e.type)).toEqual(['invoice.queued', 'invoice.pushed', 'invoice.paid']);
    // Each with its own stable id, in the invoice's order.
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
    const sequences = events.map((e) => e.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    // Delivered events leave the outbox: a second read lists the same, nothing new.
    expect(await eventsOf(tenantId)).toEqual(events);
  });
});

describe('The sweep of the outbox', () => {
  it('delivers the events older than 5 minutes, oldest first, once, and leaves the newer', async () => {
    const outbox = new OutboxRepository(syncStateTable.localName);
    const tenantId = newTenantId();
    const start = Date.parse('2026-01-01T00:00:00.000Z');
    const at = (minutes: number) => new Date(start + minutes * 60_000).toISOString();
    const written = [
      eventOf(
        { tenantId, invoiceId: 'inv_b', version: 2 },
        { type: 'invoice.paid', detail: {} },
        at(1),
      ),
      eventOf(
        { tenantId, invoiceId: 'inv_a', version: 1 },
        { type: 'invoice.queued', detail: {} },
        at(0),
      ),
      eventOf(
        { tenantId, invoiceId: 'inv_a', version: 2 },
        { type: 'invoice.pushed', detail: {} },
        at(9),
      ),
    ];
    expect(await writeTogether(written.map((e) => outbox.putItem(e)))).toEqual([]);
    // The same event written again is refused: it is already there.
    expect(await writeTogether([outbox.putItem(written[0] as never)])).toEqual([0]);

    const bus = new MemoryEventPublisher();
    const deps = { outbox, events: bus, clock: { now: () => start + 10 * 60_000 } };
    const mine = () => bus.list(tenantId).map((e) => `${e.invoiceId}#${e.sequence}`);
    await sweepOutbox(deps);
    expect(mine()).toEqual(['inv_a#1', 'inv_b#2']);
    await sweepOutbox(deps);
    expect(mine()).toEqual(['inv_a#1', 'inv_b#2']);
    await sweepOutbox({ ...deps, clock: { now: () => start + 9 * 60_000 + SWEEP_AFTER_MS } });
    expect(mine()).toEqual(['inv_a#1', 'inv_b#2', 'inv_a#2']);
    expect(new Set(bus.list(tenantId).map((e) => e.id)).size).toBe(3);
  });
});
