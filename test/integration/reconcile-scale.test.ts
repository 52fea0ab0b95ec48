import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { localReconcileQueue } from '#shared/adapters/local/local-queues.ts';
import { ReconcileRunRepository } from '#shared/store/reconcile-run-repository.ts';
import { syncStateTable } from '#shared/store/tables.ts';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { books } from '../support/push.ts';
import { seedPushedInvoices } from '../support/seed-pushed.ts';

const COUNT = 2500;
// A query answering 1,000 invoices can outlast the tests' 1 s QBO timeout on a loaded machine;
// a timed-out run is retried and would count twice. Timeouts are not under test here.
vi.hoisted(() => {
  process.env.QBO_TIMEOUT_MS = '15000';
});
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

it(`reconciles ${COUNT} pushed invoices in ceil(${COUNT}/1000) queries and two company reads`, async () => {
  const tenantId = newTenantId();
  const realmId = await stack.world.newCompany();
  await stack.connect(tenantId, realmId);
  await stack.world.admin('DELETE', '/_admin/webhooks'); // seeding must not trigger webhook reads
  await seedPushedInvoices(stack.world.admin, tenantId, realmId, COUNT);

  const before = (await books(stack, realmId)).requestCount;
  const res = await stack.call(tenantId, 'POST', '/reconcile');
  expect(res.status).toBe(202);
  await localReconcileQueue.idle();
  const used = (await books(stack, realmId)).requestCount - before;

  // The queries, CompanyInfo and Preferences (a token refresh may add one 401).
  expect(used).toBeGreaterThanOrEqual(Math.ceil(COUNT / 1000) + 2);
  expect(used).toBeLessThanOrEqual(Math.ceil(COUNT / 1000) + 3);
  const [run] = await new ReconcileRunRepository(syncStateTable.localName).recent(tenantId, 1);
  expect(run).toMatchObject({ outcome: 'completed', invoicesChecked: COUNT, qboRequests: 5 });
  const panel = (await (await stack.call(tenantId, 'GET', '/sync-errors')).json()) as {
    errors: unknown[];
  };
  expect(panel.errors).toEqual([]);
  const status = (await (await stack.call(tenantId, 'GET', '/integrations/quickbooks')).json()) as {
    lastReconcile: string | null;
  };
  expect(status.lastReconcile).not.toBeNull();
}, 180_000);
