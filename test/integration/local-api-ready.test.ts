import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '#local/api-server.ts';
import { routes } from '#shared/api/routes.ts';
import type { ApiHandler } from '#shared/http/api-handler.ts';

let api: LocalApi;
const loaded: string[] = [];

beforeAll(async () => {
  api = await startLocalApi({
    port: 0,
    routes,
    tenantClaim: 'tenant_id',
    console: true,
    startNotReady: true,
    loadHandler: async (name) => {
      loaded.push(name);
      return ((await import(`../../functions/${name}/handler.ts`)) as { handler: ApiHandler })
        .handler;
    },
  });
});
afterAll(() => api.close());

describe('npm start while DynamoDB Local is still starting', () => {
  it('answers API routes and store-reading helpers 503 without loading a handler', async () => {
    const health = await fetch(`${api.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ message: 'Starting' });
    expect((await fetch(`${api.url}/_local/events`)).status).toBe(503);
    expect(loaded).toEqual([]);
  });

  it('already serves the console, but no development token: a token means the API answers', async () => {
    expect((await fetch(`${api.url}/`)).status).toBe(200);
    const token = await fetch(`${api.url}/_local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: 'early' }),
    });
    expect(token.status).toBe(503);
    expect(await token.json()).toEqual({ message: 'Starting' });
  });

  it('serves the routes and tokens once the runtime says it is ready', async () => {
    api.markReady();
    const health = await fetch(`${api.url}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(loaded).toEqual(['health']);
    const token = await fetch(`${api.url}/_local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: 'early' }),
    });
    expect(token.status).toBe(200);
  });
});
