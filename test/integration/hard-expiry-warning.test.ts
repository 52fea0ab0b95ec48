import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

const DAY_S = 86_400;

interface ConnectionJson {
  status: string;
  warning: string | null;
}

async function connection(tenantId: string): Promise<ConnectionJson> {
  const res = await stack.call(tenantId, 'GET', '/integrations/quickbooks');
  expect(res.status).toBe(200);
  return (await res.json()) as ConnectionJson;
}

/** Moves Intuit's clock (the emulator's admin clock) forward. */
async function advanceDays(days: number): Promise<void> {
  const res = await stack.world.admin('POST', '/_admin/clock', { advanceSeconds: days * DAY_S });
  expect(res.status).toBe(200);
}

/** Something the admin does that reads QuickBooks, so the stack refreshes an expired token. */
async function useTheConnection(tenantId: string): Promise<void> {
  const res = await stack.call(tenantId, 'GET', '/integrations/quickbooks/accounts');
  expect(res.status).toBe(200);
}

/** When Intuit's 5-year cap on this company's grant falls, as Intuit's clock reads. */
function hardExpiryOf(realmId: string): number {
  const grant = Object.values(stack.world.emulator.state.grants).find((g) => g.realmId === realmId);
  if (!grant) throw new Error(`no grant for ${realmId}`);
  return grant.hardExpiresAt;
}

describe('The 5-year hard expiry of the QuickBooks connection', () => {
  it('warns on GET /integrations/quickbooks once a refresh tells it the cap is 30 days away', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    expect(await connection(tenantId)).toMatchObject({ status: 'connected', warning: null });

    // Years of normal use: the connection is used (and its token refreshed) every 90 days,
    // well inside the 101-day rolling life of a refresh token, up to 31 days before the cap.
    const hardExpiresAt = hardExpiryOf(realmId);
    const daysLeft = () => (hardExpiresAt - stack.world.emulator.clock.now()) / (DAY_S * 1000);
    while (daysLeft() - 90 > 31) {
      await advanceDays(90);
      await useTheConnection(tenantId);
    }
    await advanceDays(Math.floor(daysLeft()) - 31);
    await useTheConnection(tenantId);
    expect(await connection(tenantId)).toMatchObject({ status: 'connected', warning: null });

    // 30 days before the cap, the next refresh brings the warning.
    await advanceDays(daysLeft() - 30);
    await useTheConnection(tenantId);
    const view = await connection(tenantId);
    expect(view.status).toBe('connected');
    expect(view.warning).toMatch(/^Intuit requires you to reconnect QuickBooks within 29 days /);
  });
});
