import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApi } from '#local/api-server.ts';
import type { CompanyProfile } from '#shared/domain/company.ts';
import type { Connection } from '#shared/domain/connection.ts';
import { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { syncStateTable } from '#shared/store/tables.ts';
import { newTenantId, startTestApi } from '../support/local-api.ts';

let api: LocalApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const connections = new ConnectionRepository(syncStateTable.localName);

const US_AUTOMATED: CompanyProfile = {
  country: 'US',
  homeCurrency: 'USD',
  multiCurrency: false,
  salesTax: 'automated',
  customTxnNumbers: true,
};

function connected(tenantId: string): Connection {
  return {
    tenantId,
    status: 'connected',
    realmId: '9130357766540566',
    companyName: 'Smith Plumbing LLC',
    connectedAt: '2026-11-20T15:04:05.000Z',
    refreshTokenExpiresAt: '2027-03-01T15:04:05.000Z',
    refreshTokenHardExpiresAt: '2031-11-20T15:04:05.000Z',
    timezone: 'America/Chicago',
    incomeAccountId: null,
    reconnectReason: null,
    lastReconcile: null,
    company: US_AUTOMATED,
  };
}

async function status(tenantId: string) {
  const res = await fetch(`${api.url}/integrations/quickbooks`, {
    headers: { authorization: `Bearer ${await api.issuer.mint(tenantId)}` },
  });
  expect(res.status).toBe(200);
  return res.json();
}

describe('GET /integrations/quickbooks', () => {
  it('shows a connected tenant its company, realm and token expiry', async () => {
    const tenantId = newTenantId();
    await connections.put(connected(tenantId));
    expect(await status(tenantId)).toEqual({
      status: 'connected',
      realmId: '9130357766540566',
      companyName: 'Smith Plumbing LLC',
      connectedAt: '2026-11-20T15:04:05.000Z',
      refreshTokenExpiresAt: '2027-03-01T15:04:05.000Z',
      timezone: 'America/Chicago',
      incomeAccountId: null,
      lastReconcile: null,
      reconnectReason: null,
      warning: null,
      revokedAtIntuit: null,
      company: US_AUTOMATED,
      taxCodeMap: null,
      // A US company on automated sales tax needs nothing set before it can push.
      setupNeeded: [],
    });
  });

  it("never shows one tenant another tenant's connection", async () => {
    const a = newTenantId('a');
    const b = newTenantId('b');
    await connections.put(connected(a));
    expect(await status(b)).toMatchObject({ status: 'disconnected', realmId: null });
  });
});
