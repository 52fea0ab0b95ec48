import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '#shared/api/routes.ts';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;
const tenantId = newTenantId('s');
beforeAll(async () => {
  stack = await startTestStack();
  await stack.connect(tenantId, await stack.world.newCompany('Scopes Co'));
});
afterAll(() => stack.close());

/** Calls a route with a token of the tenant that carries exactly these scopes. */
async function callWith(route: (typeof routes)[number], scopes: string[]): Promise<Response> {
  const token = await stack.api.issuer.mint(tenantId, { scopes });
  return fetch(`${stack.api.url}${route.path.replace(/\{\w+\}/g, 'inv_scope')}`, {
    method: route.method,
    headers: { authorization: `Bearer ${token}` },
  });
}

const jwtRoutes = routes.filter((r) => r.auth === 'jwt');

describe('Roles: every JWT route needs its scope', () => {
  it('has admin routes and the two push routes', () => {
    expect(
      jwtRoutes.filter((r) => r.access === 'push').map((r) => `${r.method} ${r.path}`),
    ).toEqual(['POST /invoices/{invoiceId}/push', 'GET /invoices/{invoiceId}/sync']);
  });

  // DELETE last: it disconnects the tenant the other routes use.
  const ordered = [...jwtRoutes].sort(
    (a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'),
  );
  for (const route of ordered) {
    const key = `${route.method} ${route.path}`;
    it(`${key}: refuses a token with no scope or the wrong one with 403, takes the right one`, async () => {
      const wrong =
        route.access === 'admin' ? ['quickbooks.push'] : ['quickbooks.pushing', 'openid'];
      for (const scopes of [[], wrong]) {
        const res = await callWith(route, scopes);
        expect(res.status, `${key} with [${scopes}]`).toBe(403);
      }
      const right =
        route.access === 'admin'
          ? [['quickbooks.admin']]
          : [['quickbooks.push'], ['quickbooks.admin']];
      for (const scopes of right) {
        const res = await callWith(route, scopes);
        expect([401, 403], `${key} with [${scopes}]: ${res.status}`).not.toContain(res.status);
      }
    });
  }
});
