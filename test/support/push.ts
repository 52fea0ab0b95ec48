import { localChangeQueue, localPushQueue } from '#shared/adapters/local/local-queues.ts';
import { pushExample } from '../fixtures/push-example.ts';
import type { TestStack } from './local-stack.ts';

/** A push body: the contract example with changes. */
export function invoiceBody(
  change: (b: typeof pushExample) => void = () => {},
): typeof pushExample {
  const body = structuredClone(pushExample);
  change(body);
  return body;
}

/**
 * The invoice of QuickBooks Community thread 306952, where QBO's per-line tax rounding was seen:
 * 29 compression fittings at 1.59 and two of 11 (17.49), all taxable, 81.09 before tax.
 *
 * @param currency - the invoice's currency
 * @param tax - the tax TradelyHQ charges, as the push contract's decimal text
 * @param docNumber - its number, when not the example's
 */
export function communityThreadInvoice(
  currency: string,
  tax: string,
  docNumber?: string,
): typeof pushExample {
  return invoiceBody((b) => {
    b.currency = currency;
    if (docNumber) b.docNumber = docNumber;
    const fitting = (n: number, quantity: number) => ({
      lineId: `ln_${n}`,
      itemCode: 'FIT-12',
      itemName: 'Compression fitting',
      description: 'Compression fitting 1/2"',
      quantity: String(quantity),
      unitPrice: '1.59',
      amount: ((159 * quantity) / 100).toFixed(2),
      taxable: true,
    });
    b.lines = [
      ...Array.from({ length: 29 }, (_, n) => fitting(n, 1)),
      fitting(29, 11),
      fitting(30, 11),
    ];
    const total = 8109 + Math.round(Number(tax) * 100);
    b.totals = { subtotal: '81.09', tax, total: (total / 100).toFixed(2) };
  });
}

/** Pushes an invoice as TradelyHQ core would and returns the response. */
export async function pushInvoice(
  stack: TestStack,
  tenantId: string,
  invoiceId: string,
  body: unknown,
): Promise<Response> {
  return stack.call(tenantId, 'POST', `/invoices/${invoiceId}/push`, body);
}

/** Waits until the push queue is empty (every message done or dead-lettered). */
export async function queueDrained(): Promise<void> {
  await localPushQueue.idle();
}

/** The invoice's sync view. */
export async function syncOf(stack: TestStack, tenantId: string, invoiceId: string) {
  const res = await stack.call(tenantId, 'GET', `/invoices/${invoiceId}/sync`);
  return (await res.json()) as Record<string, unknown> & { status: string; qboInvoiceId: string };
}

/** What the emulator holds for a company. */
export async function books(stack: TestStack, realmId: string) {
  const res = await stack.world.admin('GET', `/_admin/companies/${realmId}`);
  return (await res.json()) as {
    customers: Record<string, unknown>[];
    items: Record<string, unknown>[];
    invoices: Record<string, unknown>[];
    requestCount: number;
  };
}

/**
 * Runs `fn` with the emulator's webhooks switched off, so QBO request counts are the push's own
 * (the change worker reads QBO after every notification).
 */
export async function withoutWebhooks<T>(stack: TestStack, fn: () => Promise<T>): Promise<T> {
  const saved = await (await stack.world.admin('GET', '/_admin/webhooks')).json();
  await stack.world.emulator.webhooksIdle();
  await localChangeQueue.idle();
  await stack.world.admin('DELETE', '/_admin/webhooks');
  try {
    return await fn();
  } finally {
    await stack.world.admin('PUT', '/_admin/webhooks', saved);
  }
}
