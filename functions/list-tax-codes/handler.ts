/**
 * `GET /integrations/quickbooks/tax-codes` (JWT): the connected company's tax codes, read from
 * QBO, for the settings page's tax code map.
 */
import { tenantRoute } from '#shared/http/api-handler.ts';
import { listTaxCodes } from '#shared/use-cases/list-tax-codes.ts';
import { intuitServices } from '#shared/wiring/intuit-services.ts';

const deps = await intuitServices();

export const handler = tenantRoute({}, async ({ tenantId }) => ({
  statusCode: 200,
  body: await listTaxCodes(deps, tenantId),
}));
