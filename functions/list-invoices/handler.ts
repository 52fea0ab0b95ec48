/**
 * `GET /invoices?status=&limit=&cursor=` (JWT): the tenant's pushed invoices and their sync status,
 * a page at a time, for the portal.
 */
import * as z from 'zod';
import { INVOICE_STATUSES } from '#shared/domain/invoice-status.ts';
import { toInvoiceSyncView } from '#shared/domain/invoice-view.ts';
import { parseWith, tenantRoute } from '#shared/http/api-handler.ts';
import { services } from '#shared/wiring/services.ts';

const { invoices } = services();

const query = z.strictObject({
  status: z.enum(INVOICE_STATUSES as [string, ...string[]]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(512).optional(),
});

export const handler = tenantRoute({}, async ({ tenantId, query: raw }) => {
  const { status, limit, cursor } = parseWith(query, raw, '(query)');
  const page = await invoices.list(tenantId, {
    limit,
    ...(status ? { status: status as (typeof INVOICE_STATUSES)[number] } : {}),
    ...(cursor ? { cursor } : {}),
  });
  return {
    statusCode: 200,
    body: {
      invoices: page.items.map((r) => {
        const { history: _history, ...view } = toInvoiceSyncView(r);
        return view;
      }),
      nextCursor: page.cursor,
    },
  };
});
