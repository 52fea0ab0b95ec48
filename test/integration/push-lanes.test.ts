import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { localPushQueue } from '#shared/adapters/local/local-queues.ts';
import { GROUPS_PER_TENANT, messageGroup } from '#shared/ports/push-queue.ts';
import { documentClient } from '#shared/store/dynamo.ts';
import { tenantPk } from '#shared/store/keys.ts';
import { syncStateTable } from '#shared/store/tables.ts';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { books, invoiceBody, pushInvoice, queueDrained } from '../support/push.ts';

/**
 * A tenant's burst reaches QBO at its full concurrency only if its invoices are spread evenly over
 * the tenant's message groups: invoices numbered in sequence are dealt over them in turn, and
 * every revision of an invoice stays in the group its first one took.
 */

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());
afterEach(() => vi.restoreAllMocks());

/** The message group of every push the API queues from now on, in order. */
function recordGroups(): string[] {
  const groups: string[] = [];
  const send = localPushQueue.send.bind(localPushQueue);
  vi.spyOn(localPushQueue, 'send').mockImplementation((body, fifo, ...rest) => {
    groups.push(fifo?.groupId ?? '');
    send(body, fifo, ...rest);
  });
  return groups;
}

const body = (docNumber: string, revision = 1) =>
  invoiceBody((b) => {
    b.docNumber = docNumber;
    b.revision = revision;
  });

async function connectedTenant() {
  const tenantId = newTenantId();
  const realmId = await stack.world.newCompany();
  await stack.connect(tenantId, realmId);
  return { tenantId, realmId };
}

describe('Push lanes: a burst spread evenly over the message groups', () => {
  it('deals 20 invoices numbered in sequence two to each of the ten groups', async () => {
    const { tenantId } = await connectedTenant();
    const groups = recordGroups();
    for (let n = 0; n < 20; n++) {
      const res = await pushInvoice(stack, tenantId, `inv_${n}`, body(`INV-${1001 + n}`));
      expect(res.status).toBe(202);
    }
    await queueDrained();
    const perGroup = new Map<string, number>();
    for (const g of groups) perGroup.set(g, (perGroup.get(g) ?? 0) + 1);
    expect(perGroup.size).toBe(GROUPS_PER_TENANT);
    expect([...perGroup.values()].every((n) => n === 2)).toBe(true);
    expect([...perGroup.keys()].every((g) => g.startsWith(`${tenantId}#`))).toBe(true);
  });

  it('keeps an invoice in its first group for a later revision, even renumbered', async () => {
    const { tenantId, realmId } = await connectedTenant();
    const groups = recordGroups();
    await pushInvoice(stack, tenantId, 'inv_renumbered', body('INV-2007'));
    await queueDrained();
    await pushInvoice(stack, tenantId, 'inv_renumbered', body('INV-2008', 2));
    await queueDrained();
    expect(groups).toHaveLength(2);
    expect(groups[1]).toBe(groups[0]);
    // The second revision reached QBO over the first: one invoice, renumbered.
    const company = await books(stack, realmId);
    expect(company.invoices.map((i) => i.DocNumber)).toEqual(['INV-2008']);
  });

  it('keeps an invoice stored before lanes in the group a hash of its id gave it', async () => {
    const { tenantId } = await connectedTenant();
    await pushInvoice(stack, tenantId, 'inv_old', body('INV-3003'));
    await queueDrained();
    // As a record written before lanes existed: no lane.
    await documentClient.send(
      new UpdateCommand({
        TableName: syncStateTable.localName,
        Key: { pk: tenantPk(tenantId), sk: 'INVOICE#inv_old' },
        UpdateExpression: 'REMOVE lane',
      }),
    );
    const groups = recordGroups();
    await pushInvoice(stack, tenantId, 'inv_old', body('INV-3003', 2));
    await queueDrained();
    expect(groups).toEqual([messageGroup({ tenantId, invoiceId: 'inv_old', revision: 2 })]);
  });
});
