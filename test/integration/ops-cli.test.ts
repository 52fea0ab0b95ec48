import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localReconcileQueue } from '#shared/adapters/local/local-queues.ts';
import { ReconcileRunRepository } from '#shared/store/reconcile-run-repository.ts';
import { syncStateTable } from '#shared/store/tables.ts';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { ops as opsOn } from '../support/ops.ts';
import {
  invoiceBody,
  pushInvoice,
  queueDrained,
  syncOf,
  withoutWebhooks,
} from '../support/push.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

const ops = (...args: string[]) => opsOn(stack, ...args);

describe('Runbook commands (npm run ops) against the local stack', () => {
  it('reports fleet health', async () => {
    const health = await ops('health');
    expect(health).toMatchObject({
      connected: expect.any(Number),
      reconcileOverdue: expect.any(Array),
    });
  });

  it("re-runs one tenant's reconcile, replaying a payment whose webhook never came", async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    const since = new Date(Date.now() - 3600_000).toISOString();
    await withoutWebhooks(stack, async () => {
      await pushInvoice(stack, tenantId, 'inv_missed', invoiceBody());
      await queueDrained();
      const { qboInvoiceId } = await syncOf(stack, tenantId, 'inv_missed');
      await stack.world.admin('POST', `/_admin/companies/${realmId}/payments`, {
        invoiceId: qboInvoiceId,
        amount: 934,
      });
    });
    expect((await syncOf(stack, tenantId, 'inv_missed')).status).toBe('pushed');

    expect(await ops('reconcile', tenantId, '--since', since)).toMatchObject({ queued: true });
    await localReconcileQueue.idle();
    const [latest] = await new ReconcileRunRepository(syncStateTable.localName).recent(tenantId, 1);
    expect(latest).toMatchObject({ outcome: 'completed' });
    expect((await syncOf(stack, tenantId, 'inv_missed')).status).toBe('paid');
  });

  it('forces the reconnect prompt for a tenant', async () => {
    const tenantId = newTenantId();
    await stack.connect(tenantId, await stack.world.newCompany());
    expect(
      await ops('reconnect-prompt', tenantId, '--reason', 'Intuit support revoked the app'),
    ).toEqual({
      status: 'reconnect_required',
    });
    const panel = (await (await stack.call(tenantId, 'GET', '/sync-errors')).json()) as {
      reconnectRequired: boolean;
      reconnectReason: string;
    };
    expect(panel.reconnectRequired).toBe(true);
    expect(panel.reconnectReason).toContain('Intuit support revoked the app');
  });

  // A redrive that moves real dead letters: test/integration/invoice-push-dead-letter.test.ts.
  it('refuses to redrive an unknown queue with a clear message', async () => {
    await expect(ops('redrive', 'nope')).rejects.toThrow(
      /queue must be push, changes or reconcile/,
    );
  });
});
