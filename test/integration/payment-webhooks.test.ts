import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localChangeQueue } from '#shared/adapters/local/local-queues.ts';
import { SyncErrorRepository } from '#shared/store/sync-error-repository.ts';
import { syncStateTable } from '#shared/store/tables.ts';
import { services } from '#shared/wiring/services.ts';
import { newTenantId } from '../support/local-api.ts';
import { resultOf, startTestStack, type TestStack, WEBHOOK_TOKEN } from '../support/local-stack.ts';
import { books, invoiceBody, pushInvoice, queueDrained, syncOf } from '../support/push.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

const syncErrors = new SyncErrorRepository(syncStateTable.localName);

/** Waits for Intuit's deliveries, then for the change worker. */
async function settle(): Promise<void> {
  await stack.world.emulator.webhooksIdle();
  await localChangeQueue.idle();
}

/** A tenant with one pushed invoice (934.00), and its QBO id. */
async function pushedInvoice(invoiceId = 'inv_1') {
  const tenantId = newTenantId();
  const realmId = await stack.world.newCompany();
  await stack.connect(tenantId, realmId);
  await pushInvoice(stack, tenantId, invoiceId, invoiceBody());
  await queueDrained();
  await settle(); // the create's own notifications
  const { qboInvoiceId } = await syncOf(stack, tenantId, invoiceId);
  return { tenantId, realmId, qboInvoiceId };
}

async function eventsOf(tenantId: string): Promise<string[]> {
  const res = await fetch(`${stack.api.url}/_local/events?tenantId=${tenantId}`);
  const { events } = (await res.json()) as { events: { type: string }[] };
  return events.map((e) => e.type);
}

async function recordPayment(realmId: string, invoiceId: string, amount: number) {
  const res = await stack.world.admin('POST', `/_admin/companies/${realmId}/payments`, {
    invoiceId,
    amount,
  });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as { Id: string };
}

describe('Payment status from QBO webhooks', () => {
  it('flips the invoice to paid when the full payment is recorded in QBO, with one invoice.paid', async () => {
    const { tenantId, realmId, qboInvoiceId } = await pushedInvoice();
    await recordPayment(realmId, qboInvoiceId, 934);
    await settle();
    expect(await syncOf(stack, tenantId, 'inv_1')).toMatchObject({
      status: 'paid',
      balance: '0.00',
    });
    expect((await eventsOf(tenantId)).filter((t) => t === 'invoice.paid')).toHaveLength(1);
  });

  it('shows a partial payment with the remaining balance', async () => {
    const { tenantId, realmId, qboInvoiceId } = await pushedInvoice();
    await recordPayment(realmId, qboInvoiceId, 400);
    await settle();
    expect(await syncOf(stack, tenantId, 'inv_1')).toMatchObject({
      status: 'partially_paid',
      balance: '534.00',
    });
    expect(await eventsOf(tenantId)).toContain('invoice.partially_paid');
  });

  it('shows a void in QBO as voided', async () => {
    const { tenantId, realmId, qboInvoiceId } = await pushedInvoice();
    await stack.world.admin('POST', `/_admin/companies/${realmId}/invoices/${qboInvoiceId}/void`);
    await settle();
    expect((await syncOf(stack, tenantId, 'inv_1')).status).toBe('voided');
    expect(await eventsOf(tenantId)).toContain('invoice.voided');
  });

  it('moves the invoice back to unpaid when the payment is deleted in QBO', async () => {
    const { tenantId, realmId, qboInvoiceId } = await pushedInvoice();
    const payment = await recordPayment(realmId, qboInvoiceId, 934);
    await settle();
    expect((await syncOf(stack, tenantId, 'inv_1')).status).toBe('paid');
    await stack.world.admin('DELETE', `/_admin/companies/${realmId}/payments/${payment.Id}`);
    await settle();
    expect(await syncOf(stack, tenantId, 'inv_1')).toMatchObject({
      status: 'pushed',
      balance: '934.00',
    });
    expect(await eventsOf(tenantId)).toContain('invoice.unpaid');
  });

  it('shows an invoice deleted in QBO as deleted_in_quickbooks, with a sync error', async () => {
    const { tenantId, realmId, qboInvoiceId } = await pushedInvoice();
    await stack.world.admin('DELETE', `/_admin/companies/${realmId}/invoices/${qboInvoiceId}`);
    await settle();
    expect((await syncOf(stack, tenantId, 'inv_1')).status).toBe('deleted_in_quickbooks');
    expect(await syncErrors.get(tenantId, 'inv_1')).toMatchObject({
      kind: 'deleted_in_quickbooks',
      state: 'open',
    });
  });

  it('opens a drift sync error with the diff at once when the invoice is hand-edited in QBO', async () => {
    const { tenantId, realmId, qboInvoiceId } = await pushedInvoice();
    await stack.world.admin('PATCH', `/_admin/companies/${realmId}/invoices/${qboInvoiceId}`, {
      DueDate: '2027-01-31',
    });
    await settle();
    const error = await syncErrors.get(tenantId, 'inv_1');
    expect(error).toMatchObject({ kind: 'drift', state: 'open' });
    expect(error?.diff).toEqual([
      { field: 'dueDate', tradelyhq: '2026-12-20', quickbooks: '2027-01-31' },
    ]);
  });

  it('ignores payments on invoices this stack did not push', async () => {
    const { tenantId, realmId } = await pushedInvoice();
    const foreign = await stack.world.admin('POST', `/_admin/companies/${realmId}/invoices`, {
      CustomerRef: { value: '1' },
      Line: [
        {
          DetailType: 'SalesItemLineDetail',
          Amount: 10,
          SalesItemLineDetail: { ItemRef: { value: '1' } },
        },
      ],
    });
    const { Id } = (await foreign.json()) as { Id: string };
    await recordPayment(realmId, Id, 10);
    await settle();
    expect((await syncOf(stack, tenantId, 'inv_1')).status).toBe('pushed');
    expect(await eventsOf(tenantId)).not.toContain('invoice.paid');
  });
});

describe('Webhook deliveries as Intuit sends them', () => {
  it('applies one change however often a delivery repeats, and ends in QBO state when shuffled', async () => {
    const { tenantId, realmId, qboInvoiceId } = await pushedInvoice();
    const payment = await recordPayment(realmId, qboInvoiceId, 934);
    await settle();
    // The same signed delivery five more times.
    const body = JSON.stringify([
      {
        specversion: '1.0',
        id: `evt-${payment.Id}`,
        type: 'qbo.payment.created.v1',
        intuitentityid: payment.Id,
        intuitaccountid: realmId,
        time: '2026-11-24T10:00:00Z',
      },
    ]);
    const signature = createHmac('sha256', WEBHOOK_TOKEN).update(body).digest('base64');
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(`${stack.api.url}/webhooks/quickbooks`, {
          method: 'POST',
          headers: {
            'content-type': 'application/cloudevents+json',
            'intuit-signature': signature,
          },
          body,
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    const accepted = await Promise.all(
      answers.map(async (a) => ((await a.json()) as { accepted: number }).accepted),
    );
    expect(accepted.reduce((a, b) => a + b, 0)).toBe(1);
    await settle();
    expect((await eventsOf(tenantId)).filter((t) => t === 'invoice.paid')).toHaveLength(1);

    // Intuit delivers duplicates and out of order: pay, unpay, pay again; QBO ends paid.
    await stack.world.admin('PUT', '/_admin/webhooks', {
      url: `${stack.api.url}/webhooks/quickbooks`,
      verifierToken: WEBHOOK_TOKEN,
      format: 'legacy',
      duplicate: true,
      shuffle: true,
    });
    await stack.world.admin('DELETE', `/_admin/companies/${realmId}/payments/${payment.Id}`);
    await recordPayment(realmId, qboInvoiceId, 934);
    await settle();
    expect(await syncOf(stack, tenantId, 'inv_1')).toMatchObject({
      status: 'paid',
      balance: '0.00',
    });
    await stack.world.admin('PUT', '/_admin/webhooks', {
      url: `${stack.api.url}/webhooks/quickbooks`,
      verifierToken: WEBHOOK_TOKEN,
      format: 'cloudevents',
    });
  });

  it('refuses an unsigned or wrongly signed delivery with 401', async () => {
    const body = JSON.stringify({ eventNotifications: [] });
    for (const signature of [
      undefined,
      'AAAA',
      createHmac('sha256', 'wrong').update(body).digest('base64'),
    ]) {
      const res = await fetch(`${stack.api.url}/webhooks/quickbooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(signature ? { 'intuit-signature': signature } : {}),
        },
        body,
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'invalid_signature' });
    }
  });

  it('acknowledges a signed body it cannot read, so Intuit does not retry it forever', async () => {
    const body = '{"this is": not json';
    const res = await fetch(`${stack.api.url}/webhooks/quickbooks`, {
      method: 'POST',
      headers: {
        'intuit-signature': createHmac('sha256', WEBHOOK_TOKEN).update(body).digest('base64'),
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ unreadable: true, accepted: 0 });
  });
});

describe('Notices the invoice already shows', () => {
  it('reads QBO for a notice received after its last read, and not for one received before', async () => {
    const { tenantId, realmId, qboInvoiceId } = await pushedInvoice();
    await recordPayment(realmId, qboInvoiceId, 934);
    await settle();
    const notice = (dedupeKey: string) => ({
      realmId,
      entity: 'Invoice',
      entityId: qboInvoiceId,
      operation: 'Update',
      occurredAt: new Date().toISOString(),
      dedupeKey,
    });
    const requests = async () => (await books(stack, realmId)).requestCount;
    const before = await requests();
    // Received a minute ago, before the payment's read: that read already showed the change.
    await services().changeQueue.send({
      tenantId,
      notice: notice('earlier'),
      receivedAt: Date.now() - 60_000,
    });
    await settle();
    expect(await requests()).toBe(before);
    // Received now, after the last read: QBO is read again.
    await services().changeQueue.send({
      tenantId,
      notice: notice('later'),
      receivedAt: Date.now(),
    });
    await settle();
    expect(await requests()).toBe(before + 1);
    expect((await syncOf(stack, tenantId, 'inv_1')).status).toBe('paid');
  });
});

describe('Missed webhooks', () => {
  it('catches up by CDC on reconnect: a payment recorded while webhooks were down is applied', async () => {
    const { tenantId, realmId, qboInvoiceId } = await pushedInvoice();
    await stack.world.admin('DELETE', '/_admin/webhooks'); // deliveries stop reaching us
    await recordPayment(realmId, qboInvoiceId, 934);
    await settle();
    expect((await syncOf(stack, tenantId, 'inv_1')).status).toBe('pushed');

    await stack.call(tenantId, 'DELETE', '/integrations/quickbooks');
    const back = await stack.connect(tenantId, realmId);
    expect(resultOf(back).get('quickbooks')).toBe('connected');
    expect(await syncOf(stack, tenantId, 'inv_1')).toMatchObject({
      status: 'paid',
      balance: '0.00',
    });
    expect(await eventsOf(tenantId)).toContain('invoice.paid');
    await stack.world.admin('PUT', '/_admin/webhooks', {
      url: `${stack.api.url}/webhooks/quickbooks`,
      verifierToken: WEBHOOK_TOKEN,
      format: 'cloudevents',
    });
  });
});
