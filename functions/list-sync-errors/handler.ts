/**
 * `GET /sync-errors?state=&kind=&limit=&cursor=` (JWT): the Sync Errors panel: the "Reconnect
 * QuickBooks" banner flag and every invoice where TradelyHQ and QBO disagree (open by default).
 */
import * as z from 'zod';
import { SYNC_ERROR_KINDS } from '#shared/domain/sync-error.ts';
import { parseWith, tenantRoute } from '#shared/http/api-handler.ts';
import { listSyncErrors } from '#shared/use-cases/list-sync-errors.ts';
import { services } from '#shared/wiring/services.ts';

const deps = services();
const query = z.strictObject({
  state: z.enum(['open', 'closed', 'dismissed', 'accepted']).default('open'),
  kind: z.enum(SYNC_ERROR_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(512).optional(),
});

export const handler = tenantRoute({}, async ({ tenantId, query: raw }) => {
  const { state, kind, limit, cursor } = parseWith(query, raw, '(query)');
  return {
    statusCode: 200,
    body: await listSyncErrors(deps, tenantId, {
      state,
      limit,
      ...(kind ? { kind } : {}),
      ...(cursor ? { cursor } : {}),
    }),
  };
});
