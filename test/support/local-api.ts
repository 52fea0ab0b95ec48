import { type LocalApi, startLocalApi } from '#local/api-server.ts';
import { routes } from '#shared/api/routes.ts';
import type { ApiHandler } from '#shared/http/api-handler.ts';

/**
 * Starts the local API in this test worker, on a free port, against the run's DynamoDB Local:
 * the same server and handlers `npm start` uses.
 */
export function startTestApi(): Promise<LocalApi> {
  return startLocalApi({
    port: 0,
    routes,
    tenantClaim: 'tenant_id',
    loadHandler: async (name) =>
      ((await import(`../../functions/${name}/handler.ts`)) as { handler: ApiHandler }).handler,
  });
}

/** A tenant id no other test uses. */
export function newTenantId(prefix = 't'): string {
  return `${prefix}_${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`;
}
