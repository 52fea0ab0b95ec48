import { type LocalApi, startLocalApi } from '#local/api-server.ts';
import { localAdapters } from '#local/local-adapters.ts';
import { routes } from '#shared/api/routes.ts';
import type { ApiHandler } from '#shared/http/api-handler.ts';
import { useLocalAdapters } from '#shared/wiring/services.ts';

/**
 * Starts the local API in this test worker, on a free port, against the run's DynamoDB Local:
 * the same server and handlers `npm start` uses, with local mode's adapters (this process's
 * queues, schedules, events and key file), registered before any handler loads.
 *
 * @param options - `console`: also serve the admin console and its demo helper (whose emulator
 *   URL is read from `info`)
 */
export function startTestApi(
  options: { console?: boolean; info?: Readonly<Record<string, string>> } = {},
): Promise<LocalApi> {
  useLocalAdapters(localAdapters);
  return startLocalApi({
    ...options,
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
