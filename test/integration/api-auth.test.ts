import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApi } from '#local/api-server.ts';
import { DevIssuer } from '#local/dev-issuer.ts';
import { routes } from '#shared/api/routes.ts';
import { newTenantId, startTestApi } from '../support/local-api.ts';

let api: LocalApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const statusRoute = () => `${api.url}/integrations/quickbooks`;
const withToken = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

async function expectUnauthorized(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(typeof body.message).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/\bat .+\.ts:\d+/);
}

describe('API: authentication of tenant routes', () => {
  it('answers a valid token with the tenant connection status', async () => {
    const token = await api.issuer.mint(newTenantId());
    const res = await fetch(statusRoute(), withToken(token));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'disconnected', realmId: null });
  });

  it('refuses a request with no token with 401 and a JSON body', async () => {
    await expectUnauthorized(await fetch(statusRoute()));
  });

  it('refuses an expired token with 401', async () => {
    const token = await api.issuer.mint(newTenantId(), { ttlSeconds: -60 });
    await expectUnauthorized(await fetch(statusRoute(), withToken(token)));
  });

  it('refuses a token from another issuer with 401', async () => {
    const other = await DevIssuer.create('https://evil.example/', 'tenant_id');
    await expectUnauthorized(await fetch(statusRoute(), withToken(await other.mint('acme'))));
  });

  it('refuses a token that claims our issuer but is signed with another key with 401', async () => {
    const forger = await DevIssuer.create(api.issuer.issuer, 'tenant_id');
    await expectUnauthorized(await fetch(statusRoute(), withToken(await forger.mint('acme'))));
  });

  it('refuses a token of our issuer meant for another API (audience) with 401', async () => {
    const token = await api.issuer.sign({ tenant_id: newTenantId() }, 600, 'tradelyhq-billing-api');
    await expectUnauthorized(await fetch(statusRoute(), withToken(token)));
  });

  it('refuses a token whose payload was edited after signing with 401', async () => {
    const [header, , signature] = (await api.issuer.mint(newTenantId())).split('.');
    const payload = Buffer.from(
      JSON.stringify({
        iss: api.issuer.issuer,
        aud: 'tradelyhq-quickbooks-local',
        tenant_id: 'someone-else',
        exp: Math.floor(Date.now() / 1000) + 600,
      }),
    ).toString('base64url');
    await expectUnauthorized(
      await fetch(statusRoute(), withToken(`${header}.${payload}.${signature}`)),
    );
  });

  it('refuses an unsigned (alg none) token with 401', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const token = `${b64({ alg: 'none' })}.${b64({
      iss: api.issuer.issuer,
      aud: 'tradelyhq-quickbooks-local',
      tenant_id: 'acme',
      exp: now + 600,
    })}.`;
    await expectUnauthorized(await fetch(statusRoute(), withToken(token)));
  });

  it('refuses a verified token without the tenant claim with 401 and a stable code', async () => {
    const token = await api.issuer.sign({ sub: 'someone', scope: 'quickbooks.admin' });
    const res = await fetch(statusRoute(), withToken(token));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'unauthorized' });
  });

  it('refuses a tenant claim that is not a plausible tenant id with 401', async () => {
    const token = await api.issuer.sign({ tenant_id: 'a#b', scope: 'quickbooks.admin' });
    expect((await fetch(statusRoute(), withToken(token))).status).toBe(401);
  });

  it('refuses every JWT route without a valid token, before its handler runs', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${b64({ alg: 'none' })}.${b64({
      iss: api.issuer.issuer,
      aud: 'tradelyhq-quickbooks-local',
      tenant_id: 'acme',
      exp: Math.floor(Date.now() / 1000) + 600,
    })}.`;
    const expired = await api.issuer.mint(newTenantId(), { ttlSeconds: -60 });
    const forged = await (await DevIssuer.create(api.issuer.issuer, 'tenant_id')).mint('acme');
    const jwtRoutes = routes.filter((r) => r.auth === 'jwt');
    expect(jwtRoutes.length).toBeGreaterThan(10);
    for (const route of jwtRoutes) {
      const url = `${api.url}${route.path.replace(/\{\w+\}/g, 'x1')}`;
      for (const authorization of [
        undefined,
        'Bearer',
        `Bearer ${unsigned}`,
        `Bearer ${expired}`,
        `Bearer ${forged}`,
        `Basic ${expired}`,
      ]) {
        const res = await fetch(url, {
          method: route.method,
          headers: authorization ? { authorization } : {},
        });
        expect(
          res.status,
          `${route.method} ${route.path} with ${authorization?.slice(0, 12)}`,
        ).toBe(401);
      }
    }
  });

  it('serves /health without a token', async () => {
    const res = await fetch(`${api.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers an unknown route with 404 and a JSON body', async () => {
    const res = await fetch(`${api.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'Not Found' });
  });
});

describe('API: local development issuer', () => {
  it('mints a token for a tenant', async () => {
    const res = await fetch(`${api.url}/_local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: 'acme' }),
    });
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    expect((await fetch(statusRoute(), withToken(token))).status).toBe(200);
  });

  it('answers a malformed JSON body with 400', async () => {
    const res = await fetch(`${api.url}/_local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"tenantId":',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'invalid_json' });
  });

  it('refuses a tenant id with characters that could cross keys', async () => {
    const res = await fetch(`${api.url}/_local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: 'acme#other' }),
    });
    expect(res.status).toBe(400);
  });
});
