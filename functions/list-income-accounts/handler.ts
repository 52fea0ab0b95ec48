/**
 * `GET /integrations/quickbooks/accounts` (JWT): the connected company's Income accounts, read
 * from QBO, for the settings page's income account choice.
 */
import { tenantRoute } from '#shared/http/api-handler.ts';
import { listIncomeAccounts } from '#shared/use-cases/list-income-accounts.ts';
import { intuitServices } from '#shared/wiring/intuit-services.ts';

const deps = await intuitServices();

export const handler = tenantRoute({}, async ({ tenantId }) => ({
  statusCode: 200,
  body: await listIncomeAccounts(deps, tenantId),
}));
