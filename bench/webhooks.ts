import { randomUUID } from 'node:crypto';
import { signPayload } from '#emulator/webhooks.ts';
import { invoice } from './push.ts';
import { type BenchStack, inParallel, percentile, round } from './support/stack.ts';

/** Sizes of the webhook benchmark. */
export interface WebhookBenchOptions {
  readonly companies: number;
  readonly paymentsPerCompany: number;
}

/** Intuit gives up on a delivery after 3 seconds and retries it (docs/qbo-facts.md). */
const INTUIT_TIMEOUT_MS = 3000;

/**
 * Webhook receiver (issue 9): every delivery at once (one signed CloudEvents payment notice per
 * delivery, `companies × paymentsPerCompany` of them), timed from send to acknowledgement; then
 * the change worker's throughput, from the first send until every invoice shows paid.
 *
 * @param stack - a stack started with `QBO_WEBHOOK_VERIFIER_TOKEN` = `verifierToken`
 * @param verifierToken - the token deliveries are signed with
 * @param o - sizes
 */
export async function webhookBenchmark(
  stack: BenchStack,
  verifierToken: string,
  o: WebhookBenchOptions,
) {
  const companies = await inParallel(
    Array.from({ length: o.companies }, (_, c) => `bench-hook-${c}`),
    10,
    async (tenantId) => ({ tenantId, realmId: await stack.connect(tenantId, `Hooks ${tenantId}`) }),
  );
  // The emulator's own deliveries stay off: the benchmark sends them all at one moment.
  await stack.admin('DELETE', '/_admin/webhooks');
  const invoices = companies.flatMap((c) =>
    Array.from({ length: o.paymentsPerCompany }, (_, n) => ({ ...c, invoiceId: `paid_${n}`, n })),
  );
  await inParallel(invoices, 50, async ({ tenantId, invoiceId, n }) => {
    const res = await stack.call(
      tenantId,
      'POST',
      `/invoices/${invoiceId}/push`,
      invoice(n, 'hook'),
    );
    if (res.status !== 202) throw new Error(`push ${invoiceId}: ${res.status}`);
  });
  await stack.drained('push');
  const deliveries = await inParallel(invoices, 50, async ({ tenantId, realmId, invoiceId }) => {
    const sync = await (await stack.call(tenantId, 'GET', `/invoices/${invoiceId}/sync`)).json();
    const { qboInvoiceId } = sync as { qboInvoiceId: string };
    const res = await stack.admin('POST', `/_admin/companies/${realmId}/payments`, {
      invoiceId: qboInvoiceId,
      amount: 934,
    });
    const paymentId = ((await res.json()) as { Id: string }).Id;
    return JSON.stringify([
      {
        specversion: '1.0',
        id: randomUUID(),
        source: 'intuit.bench',
        type: 'qbo.payment.created.v1',
        datacontenttype: 'application/json',
        time: new Date().toISOString(),
        intuitentityid: paymentId,
        intuitaccountid: realmId,
        data: {},
      },
    ]);
  });

  const acks: number[] = [];
  let refused = 0;
  const started = performance.now();
  await Promise.all(
    deliveries.map(async (body) => {
      const t0 = performance.now();
      const res = await deliver(stack, verifierToken, body);
      await res.arrayBuffer();
      acks.push(performance.now() - t0);
      if (res.status !== 200) refused++;
    }),
  );
  const acknowledgedMs = performance.now() - started;
  await stack.drained('changes');
  const paid = await stack.eventsOfType('invoice.paid', deliveries.length);
  const appliedMs = performance.now() - started;
  const p99 = percentile(acks, 99);
  const bulk = await bulkDelivery(stack, verifierToken, companies[0]?.realmId as string);
  return {
    options: o,
    deliveries: deliveries.length,
    refused,
    ackMs: {
      p50: round(percentile(acks, 50), 0),
      p99: round(p99, 0),
      max: round(Math.max(...acks), 0),
    },
    p99OverIntuitTimeout: round(p99 / INTUIT_TIMEOUT_MS, 3),
    allAcknowledgedSeconds: round(acknowledgedMs / 1000, 2),
    invoicesPaid: paid,
    workerEventsPerSecond: round(deliveries.length / (appliedMs / 1000), 1),
    allAppliedSeconds: round(appliedMs / 1000, 1),
    bulkDelivery: bulk,
  };
}

/** Events in the one large delivery (a bulk payment run touches hundreds of invoices at once). */
const BULK_EVENTS = 500;

/**
 * One signed delivery of {@link BULK_EVENTS} events for one company, timed from send to the 200
 * (issue 17: Intuit retries after 3 s and holds the company's later events back meanwhile). The
 * events name invoices this stack did not push, so the change worker's follow-up costs no QBO
 * calls; the receiver's work (verify, store, queue every event) is the same for any entity.
 *
 * @param stack - the running stack
 * @param verifierToken - the token deliveries are signed with
 * @param realmId - a connected company
 */
/** Sends one signed CloudEvents delivery to the receiver, as Intuit does. */
function deliver(stack: BenchStack, verifierToken: string, body: string): Promise<Response> {
  return fetch(`${stack.apiUrl}/webhooks/quickbooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/cloudevents+json',
      'intuit-signature': signPayload(verifierToken, body),
    },
    body,
  });
}

async function bulkDelivery(stack: BenchStack, verifierToken: string, realmId: string) {
  const body = JSON.stringify(
    Array.from({ length: BULK_EVENTS }, (_, n) => ({
      specversion: '1.0',
      id: randomUUID(),
      source: 'intuit.bench',
      type: 'qbo.invoice.updated.v1',
      datacontenttype: 'application/json',
      time: new Date().toISOString(),
      intuitentityid: String(900_000 + n),
      intuitaccountid: realmId,
      data: {},
    })),
  );
  const t0 = performance.now();
  const res = await deliver(stack, verifierToken, body);
  const receipt = (await res.json()) as { accepted?: number };
  const ackMs = performance.now() - t0;
  await stack.drained('changes');
  return {
    events: BULK_EVENTS,
    status: res.status,
    accepted: receipt.accepted ?? 0,
    ackMs: round(ackMs, 0),
    overIntuitTimeout: round(ackMs / INTUIT_TIMEOUT_MS, 3),
  };
}
