import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { localGrantQueue } from '#shared/adapters/local/local-queues.ts';
import { localSchedules } from '#shared/adapters/local/local-schedule-registry.ts';
import { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { documentClient } from '#shared/store/dynamo.ts';
import { syncStateTable, tenantProviderKeysTable } from '#shared/store/tables.ts';
import { TokenRepository } from '#shared/store/token-repository.ts';
import { newTenantId } from '../support/local-api.ts';
import { QUEUE_WORK, resultOf, startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

const tokens = new TokenRepository(tenantProviderKeysTable.localName);
const connections = new ConnectionRepository(syncStateTable.localName);

async function status(tenantId: string) {
  const res = await stack.call(tenantId, 'GET', '/integrations/quickbooks');
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

function grantOf(realmId: string) {
  return Object.values(stack.world.emulator.state.grants).filter((g) => g.realmId === realmId);
}

describe('Connecting QuickBooks', () => {
  it('connects through consent and the callback, and shows the company as connected', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany('Smith Plumbing LLC');
    const back = await stack.connect(tenantId, realmId);
    expect(`${back.origin}${back.pathname}`).toBe(stack.portalUrl);
    expect(resultOf(back).get('quickbooks')).toBe('connected');
    expect(await status(tenantId)).toMatchObject({
      status: 'connected',
      realmId,
      companyName: 'Smith Plumbing LLC',
      timezone: 'America/New_York',
      warning: null,
    });
    const stored = await tokens.get(tenantId);
    expect(stored?.realmId).toBe(realmId);
    expect(localSchedules.nextRun(tenantId)).toBeInstanceOf(Date);
  });

  it("learns the company's country, currency, sales tax and numbering at connect", async () => {
    const tenantId = newTenantId();
    const res = await stack.world.admin('POST', '/_admin/companies', {
      name: 'Maple Electric Ltd',
      country: 'CA',
      multiCurrency: true,
      customTxnNumbers: false,
    });
    const { realmId } = (await res.json()) as { realmId: string };
    await stack.connect(tenantId, realmId);
    expect((await status(tenantId)).company).toEqual({
      country: 'CA',
      homeCurrency: 'CAD',
      multiCurrency: true,
      salesTax: 'manual',
      customTxnNumbers: false,
    });
  });

  it('refuses to start connecting while connected, with a clear 409', async () => {
    const tenantId = newTenantId();
    await stack.connect(tenantId, await stack.world.newCompany());
    const res = await stack.call(tenantId, 'POST', '/integrations/quickbooks/connect');
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'quickbooks_already_connected' });
  });

  it('refuses a return URL outside the portal (no open redirect)', async () => {
    const res = await stack.call(newTenantId(), 'POST', '/integrations/quickbooks/connect', {
      returnUrl: 'https://evil.example/phish',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ issues: [{ path: 'returnUrl' }] });
  });

  it('returns to the page the portal named', async () => {
    const tenantId = newTenantId();
    const returnUrl = `${stack.api.url}/portal/onboarding?step=3`;
    const back = await stack.connect(tenantId, await stack.world.newCompany(), { returnUrl });
    expect(back.pathname).toBe('/portal/onboarding');
    expect(back.searchParams.get('step')).toBe('3');
    expect(resultOf(back).get('quickbooks')).toBe('connected');
  });

  it('stores nothing when the admin denies consent', async () => {
    const tenantId = newTenantId();
    const started = await stack.call(tenantId, 'POST', '/integrations/quickbooks/connect');
    const { authorizeUrl } = (await started.json()) as { authorizeUrl: string };
    const state = new URL(authorizeUrl).searchParams.get('state') ?? '';
    const back = await fetch(
      `${stack.api.url}/oauth/quickbooks/callback?error=access_denied&state=${encodeURIComponent(state)}`,
      { redirect: 'manual' },
    );
    const location = new URL(back.headers.get('location') ?? '');
    expect(resultOf(location).get('reason')).toBe('access_denied');
    expect(await connections.get(tenantId)).toBeUndefined();
    expect(await tokens.get(tenantId)).toBeUndefined();
  });

  it('refuses a replayed callback, a forged state and a missing code, storing nothing', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    const started = await stack.call(tenantId, 'POST', '/integrations/quickbooks/connect');
    const { authorizeUrl } = (await started.json()) as { authorizeUrl: string };
    const consent = new URL(authorizeUrl);
    consent.searchParams.set('auto_approve', realmId);
    const callback = (await fetch(consent, { redirect: 'manual' })).headers.get('location') ?? '';
    const reasonOf = async (url: string) => {
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(302);
      return resultOf(res.headers.get('location') ?? '').get('reason');
    };
    const state = new URL(callback).searchParams.get('state') ?? '';
    const forged = `${tenantId}.${state.split('.')[1]}.AAAA${state.split('.')[2]?.slice(4)}`;
    const cb = `${stack.api.url}/oauth/quickbooks/callback`;
    expect(
      await reasonOf(`${cb}?code=x&realmId=${realmId}&state=${encodeURIComponent(forged)}`),
    ).toBe('invalid_state');
    expect(await reasonOf(`${cb}?realmId=${realmId}&state=not-a-state`)).toBe('invalid_state');
    const real = await fetch(callback, { redirect: 'manual' }); // the real one is kept
    const back = new URL(real.headers.get('location') ?? '');
    expect(resultOf(back).get('quickbooks')).toBe('confirm');
    expect(await reasonOf(callback)).toBe('invalid_state'); // and cannot be replayed
    expect((await status(tenantId)).status).toBe('disconnected'); // until the admin confirms
    const confirmation = resultOf(back).get('confirmation');
    const confirm = () =>
      stack.call(tenantId, 'POST', '/integrations/quickbooks/confirm', { confirmation });
    expect((await confirm()).status).toBe(200);
    expect((await status(tenantId)).status).toBe('connected');
    const again = await confirm(); // a confirmation is single-use too
    expect(again.status).toBe(410);
    expect(await again.json()).toMatchObject({ code: 'confirmation_expired' });
  });

  it("never lets one tenant's state connect another tenant", async () => {
    const a = newTenantId('a');
    const b = newTenantId('b');
    const started = await stack.call(a, 'POST', '/integrations/quickbooks/connect');
    const { authorizeUrl } = (await started.json()) as { authorizeUrl: string };
    const state = new URL(authorizeUrl).searchParams.get('state') ?? '';
    const [, nonce, mac] = state.split('.');
    const crossed = `${b}.${nonce}.${mac}`;
    const res = await fetch(
      `${stack.api.url}/oauth/quickbooks/callback?code=x&realmId=1&state=${encodeURIComponent(crossed)}`,
      { redirect: 'manual' },
    );
    expect(resultOf(res.headers.get('location') ?? '').get('reason')).toBe('invalid_state');
    expect(await connections.get(b)).toBeUndefined();
  });

  it('refuses a company another tenant has connected', async () => {
    const realmId = await stack.world.newCompany();
    await stack.connect(newTenantId('a'), realmId);
    const back = await stack.connect(newTenantId('b'), realmId);
    expect(resultOf(back).get('reason')).toBe('company_in_use');
  });
});

describe('Settings', () => {
  it('changes the time zone and moves the nightly schedule', async () => {
    const tenantId = newTenantId();
    await stack.connect(tenantId, await stack.world.newCompany());
    const res = await stack.call(tenantId, 'PUT', '/integrations/quickbooks/settings', {
      timezone: 'Europe/London',
      incomeAccountId: '79',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ timezone: 'Europe/London', incomeAccountId: '79' });
    const next = localSchedules.nextRun(tenantId);
    const londonHour = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      hour: 'numeric',
      hourCycle: 'h23',
    }).format(next);
    expect(londonHour).toBe('02');
  });

  it('rejects a time zone that does not exist, listing the field', async () => {
    const tenantId = newTenantId();
    await stack.connect(tenantId, await stack.world.newCompany());
    const res = await stack.call(tenantId, 'PUT', '/integrations/quickbooks/settings', {
      timezone: 'Mars/Olympus_Mons',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ issues: [{ path: 'timezone' }] });
  });

  it('answers 409 quickbooks_not_connected for a tenant that never connected', async () => {
    const res = await stack.call(newTenantId(), 'PUT', '/integrations/quickbooks/settings', {
      timezone: 'UTC',
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'quickbooks_not_connected' });
  });
});

describe('Disconnecting and reconnecting', () => {
  it('revokes at Intuit, deletes the keys and the schedule, and keeps the company on record', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    const res = await stack.call(tenantId, 'DELETE', '/integrations/quickbooks');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'disconnected',
      revokedAtIntuit: true,
      revokeError: null,
    });
    expect(grantOf(realmId).every((g) => g.revokedAt !== undefined)).toBe(true);
    expect(await tokens.get(tenantId)).toBeUndefined();
    expect(localSchedules.nextRun(tenantId)).toBeUndefined();
    expect(await status(tenantId)).toMatchObject({ status: 'disconnected', realmId });
  });

  it('reconnects to the same company after a disconnect, keeping settings', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    await stack.call(tenantId, 'PUT', '/integrations/quickbooks/settings', {
      timezone: 'America/Denver',
    });
    await stack.call(tenantId, 'DELETE', '/integrations/quickbooks');
    const back = await stack.connect(tenantId, realmId);
    expect(resultOf(back).get('quickbooks')).toBe('connected');
    expect(await status(tenantId)).toMatchObject({
      status: 'connected',
      realmId,
      timezone: 'America/Denver',
    });
  });

  it('leaves every invoice, mapping and sync record untouched through disconnect and reconnect', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    // Records the push pipeline keeps in the tenant's partition (invoice snapshots, mappings).
    const records = [
      { sk: 'INVOICE#inv_1', qboInvoiceId: '130', status: 'pushed', revision: 3 },
      { sk: `CUSTOMERMAP#${realmId}#cl_123`, qboCustomerId: '58' },
      { sk: `ITEMMAP#${realmId}#SVC-LABOR`, qboItemId: '19' },
    ].map((r) => ({ pk: `TENANT#${tenantId}`, ...r }));
    for (const Item of records) {
      await documentClient.send(new PutCommand({ TableName: syncStateTable.localName, Item }));
    }
    await stack.call(tenantId, 'DELETE', '/integrations/quickbooks');
    await stack.connect(tenantId, realmId);
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: syncStateTable.localName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `TENANT#${tenantId}` },
      }),
    );
    const kept = Items.filter((i) => /^(INVOICE|CUSTOMERMAP|ITEMMAP)#/.test(String(i.sk)));
    expect(kept.sort((x, y) => String(x.sk).localeCompare(String(y.sk)))).toEqual(
      records.sort((x, y) => x.sk.localeCompare(y.sk)),
    );
  });

  it('refuses a different company on reconnect unless the admin confirms the switch', async () => {
    const tenantId = newTenantId();
    const first = await stack.world.newCompany('First Co');
    const second = await stack.world.newCompany('Second Co');
    await stack.connect(tenantId, first);
    await stack.call(tenantId, 'DELETE', '/integrations/quickbooks');
    const refused = await stack.connect(tenantId, second);
    expect(resultOf(refused).get('reason')).toBe('different_company');
    expect(await status(tenantId)).toMatchObject({ status: 'disconnected', realmId: first });
    const switched = await stack.connect(tenantId, second, { switchCompany: true });
    expect(resultOf(switched).get('quickbooks')).toBe('connected');
    expect(await status(tenantId)).toMatchObject({ realmId: second, companyName: 'Second Co' });
  });
});

describe('A grant that dies at Intuit', () => {
  it('becomes reconnect_required with a reason when the user disconnects inside QuickBooks', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    expect((await stack.world.admin('POST', `/_admin/companies/${realmId}/revoke`)).status).toBe(
      200,
    );
    const res = await fetch(`${stack.api.url}/oauth/quickbooks/disconnected?realmId=${realmId}`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toContain('quickbooks=disconnected_in_quickbooks');
    // The grant worker asks Intuit, then the banner's reason is there.
    const after = await vi.waitFor(async () => {
      const now = await status(tenantId);
      expect(now.status).toBe('reconnect_required');
      return now;
    }, QUEUE_WORK);
    expect(after.reconnectReason).toMatch(/Reconnect QuickBooks/);
  });

  it('ignores a disconnect notice for a grant that still works', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    await fetch(`${stack.api.url}/oauth/quickbooks/disconnected?realmId=${realmId}`, {
      redirect: 'manual',
    });
    // Every grant job done (the connect's confirmation expiry included, a few seconds scaled).
    await vi.waitFor(() => expect(localGrantQueue.depth).toBe(0), QUEUE_WORK);
    expect(await status(tenantId)).toMatchObject({ status: 'connected' });
  });

  it('reconnects to the same company from reconnect_required, keeping settings', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    await stack.call(tenantId, 'PUT', '/integrations/quickbooks/settings', {
      incomeAccountId: '80',
    });
    await stack.world.admin('POST', `/_admin/companies/${realmId}/revoke`);
    await fetch(`${stack.api.url}/oauth/quickbooks/disconnected?realmId=${realmId}`, {
      redirect: 'manual',
    });
    await vi.waitFor(
      async () => expect((await status(tenantId)).status).toBe('reconnect_required'),
      QUEUE_WORK,
    );
    const back = await stack.connect(tenantId, realmId);
    expect(resultOf(back).get('quickbooks')).toBe('connected');
    expect(await status(tenantId)).toMatchObject({
      status: 'connected',
      incomeAccountId: '80',
      reconnectReason: null,
    });
  });
});
