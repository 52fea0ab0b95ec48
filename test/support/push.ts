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
