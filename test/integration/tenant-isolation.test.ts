import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '#shared/api/routes.ts';
import { tenantProviderKeysTable } from '#shared/store/tables.ts';
import { TokenRepository } from '#shared/store/token-repository.ts';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;
let tenantA: string;
let realmA: string;
const tenantB = newTenantId('b');
const tokens = new TokenRepository(tenantProviderKeysTable.localName);

beforeAll(async () => {
  stack = await startTestStack();
  tenantA = newTenantId('a');
  realmA = await stack.world.newCompany('Tenant A Co');
  await stack.connect(tenantA, realmA);
});
afterAll(() => stack.close());

async function statusOf(tenantId: string) {
  return (await (await stack.call(tenantId, 'GET', '/integrations/quickbooks')).json()) as Record<
    string,
    unknown
  >;
}

/** What tenant A must still see after tenant B has used a route. */
async function expectTenantAUntouched() {
  expect(await statusOf(tenantA)).toMatchObject({
    status: 'connected',
    realmId: realmA,
    companyName: 'Tenant A Co',
    timezone: 'America/New_York',
  });
  expect((await tokens.get(tenantA))?.realmId).toBe(realmA);
  const grants = Object.values(stack.world.emulator.state.grants).filter(
    (g) => g.realmId === realmA,
  );
  expect(grants.some((g) => g.revokedAt === undefined)).toBe(true);
}

/** One probe per JWT route: B's token used on it can neither see nor change A's connection. */
const probes: Record<string, () => Promise<void>> = {
  'GET /integrations/quickbooks': async () => {
    const seen = await statusOf(tenantB);
    expect(seen).toMatchObject({ status: 'disconnected', realmId: null, companyName: null });
  },
  'POST /integrations/quickbooks/connect': async () => {
    const res = await stack.call(tenantB, 'POST', '/integrations/quickbooks/connect');
    expect(res.status).toBe(200);
    const { authorizeUrl } = (await res.json()) as { authorizeUrl: string };
    // The state binds the flow to B; nothing in the body can name another tenant.
    expect(new URL(authorizeUrl).searchParams.get('state')?.startsWith(`${tenantB}.`)).toBe(true);
    const smuggled = await stack.call(tenantB, 'POST', '/integrations/quickbooks/connect', {
      tenantId: tenantA,
    });
    expect(smuggled.status).toBe(400);
  },
  'PUT /integrations/quickbooks/settings': async () => {
    const res = await stack.call(tenantB, 'PUT', '/integrations/quickbooks/settings', {
      timezone: 'Asia/Tokyo',
    });
    expect(res.status).toBe(409);
    const smuggled = await stack.call(tenantB, 'PUT', '/integrations/quickbooks/settings', {
      tenantId: tenantA,
      timezone: 'Asia/Tokyo',
    });
    expect(smuggled.status).toBe(400);
  },
  'DELETE /integrations/quickbooks': async () => {
    const res = await stack.call(tenantB, 'DELETE', '/integrations/quickbooks');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ revokedAtIntuit: false });
  },
};

describe("Tenant isolation: tenant B's token on every tenant route", () => {
  it('has a probe for every JWT route', () => {
    const jwtRoutes = routes.filter((r) => r.auth === 'jwt').map((r) => `${r.method} ${r.path}`);
    expect(Object.keys(probes).sort()).toEqual(jwtRoutes.sort());
  });

  for (const [route, probe] of Object.entries(probes)) {
    it(`${route} neither shows nor changes tenant A's connection`, async () => {
      await probe();
      await expectTenantAUntouched();
    });
  }
});
