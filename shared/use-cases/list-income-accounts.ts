import { rows } from '#shared/qbo/query.ts';
import { type CompanyReadDeps, connectedCompany } from './connected-company.ts';

/** One Income account of the company, as the settings page offers it. */
export interface IncomeAccount {
  /** QBO's Account Id: the value of `incomeAccountId` in the settings. */
  readonly id: string;
  /** The full name (`Parent:Child` for a sub-account). */
  readonly name: string;
}

interface QboAccount {
  readonly Id: string;
  readonly Name: string;
  readonly FullyQualifiedName?: string;
  readonly Active?: boolean;
}

/**
 * The connected company's active Income accounts, read from QBO (one query; QBO hides inactive
 * accounts unless asked), for the "income account of mirrored items" setting. Nothing is stored:
 * the chart of accounts stays QuickBooks' (the brief: it is not pulled into TradelyHQ).
 *
 * @param deps - connections, and a QBO client for the tenant
 * @param tenantId - the tenant, from the verified JWT
 * @throws NotConnectedError; ReconnectRequiredError while the connection needs a reconnect;
 *   QboError when QBO fails
 */
export async function listIncomeAccounts(
  deps: CompanyReadDeps,
  tenantId: string,
): Promise<{ accounts: IncomeAccount[] }> {
  const { qbo } = await connectedCompany(deps, tenantId);
  const answer = await qbo.send<{ QueryResponse?: Record<string, unknown> }>({
    method: 'GET',
    path: 'query',
    query: { query: "SELECT * FROM Account WHERE AccountType = 'Income' MAXRESULTS 1000" },
  });
  const accounts = rows<QboAccount>(answer, 'Account')
    .filter((a) => a.Active !== false)
    .map((a) => ({ id: a.Id, name: a.FullyQualifiedName ?? a.Name }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { accounts };
}
