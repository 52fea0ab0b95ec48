import { describe, expect, it } from 'vitest';
import type { Connection } from '#shared/domain/connection.ts';
import { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { SyncErrorRepository } from '#shared/store/sync-error-repository.ts';
import { syncStateTable } from '#shared/store/tables.ts';
import { fleetHealth } from '#shared/use-cases/fleet-health.ts';
import { newTenantId } from '../support/local-api.ts';

const connections = new ConnectionRepository(syncStateTable.localName);
const syncErrors = new SyncErrorRepository(syncStateTable.localName);
const check = () => fleetHealth({ connections, syncErrors, clock: { now: () => now } });
const now = Date.parse('2026-11-24T12:00:00Z');
const hoursAgo = (h: number) => new Date(now - h * 3600_000).toISOString();

async function tenant(fields: Partial<Connection>): Promise<string> {
  const tenantId = newTenantId();
  await connections.put({
    tenantId,
    status: 'connected',
    realmId: `${Math.floor(Math.random() * 1e12)}`,
    companyName: 'Co',
    connectedAt: hoursAgo(24 * 30),
    refreshTokenExpiresAt: null,
    refreshTokenHardExpiresAt: null,
    timezone: 'UTC',
    incomeAccountId: null,
    reconnectReason: null,
    lastReconcile: hoursAgo(3),
    ...fields,
  });
  return tenantId;
}

describe('Fleet watchdog', () => {
  it('lists connected tenants whose reconcile has not finished for 26 hours, and only those', async () => {
    const fresh = await tenant({});
    const overdue = await tenant({ lastReconcile: hoursAgo(27) });
    const neverRan = await tenant({ lastReconcile: null, connectedAt: hoursAgo(30) });
    const justConnected = await tenant({ lastReconcile: null, connectedAt: hoursAgo(2) });
    const broken = await tenant({ status: 'reconnect_required', lastReconcile: hoursAgo(72) });
    const health = await check();
    expect(health.reconcileOverdue).toEqual(expect.arrayContaining([overdue, neverRan]));
    for (const ok of [fresh, justConnected, broken])
      expect(health.reconcileOverdue).not.toContain(ok);
    expect(health.reconnectRequired).toBeGreaterThanOrEqual(1);
    expect(health.connected).toBeGreaterThanOrEqual(4);
  });

  it('counts open sync errors of tenants still connected, and names those with the most', async () => {
    const at = hoursAgo(1);
    const entry = (n: number) => ({
      kind: 'drift' as const,
      message: 'differs',
      docNumber: `${n}`,
    });
    // The table is shared with every other test file (the soak's tenants have open errors too),
    // so these two have more than any other tenant can, to be sure of their place in the top ten.
    const open = (tenantId: string, count: number) =>
      Promise.all(
        Array.from({ length: count }, (_, n) =>
          syncErrors.open(tenantId, `inv_${n}`, entry(n), at),
        ),
      );
    const busy = await tenant({});
    await open(busy, 41);
    await syncErrors.close(busy, 'inv_40');
    const quiet = await tenant({ status: 'reconnect_required' });
    await open(quiet, 30);
    const gone = await tenant({ status: 'disconnected' });
    await syncErrors.open(gone, 'inv_1', entry(1), at);

    const health = await check();
    expect(health.mostSyncErrors).toEqual(
      expect.arrayContaining([
        { tenantId: busy, open: 40 },
        { tenantId: quiet, open: 30 },
      ]),
    );
    expect(health.mostSyncErrors.map((e) => e.tenantId)).not.toContain(gone);
    expect(health.openSyncErrors).toBeGreaterThanOrEqual(70);
  });
});
