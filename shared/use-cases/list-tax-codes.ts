import { readTaxCodes, totalRate } from '#shared/qbo/tax-codes.ts';
import { type CompanyReadDeps, connectedCompany } from './connected-company.ts';

/** One of the company's tax codes, as the settings page offers it for the tax code map. */
export interface TaxCodeChoice {
  /** QBO's TaxCode Id: a value of `taxCodeMap` in the settings. */
  readonly id: string;
  readonly name: string;
  /** The sum of its sales rates in percent (GST/PST BC: 12; an exempt code: 0). */
  readonly rate: number;
}

/**
 * `GET /integrations/quickbooks/tax-codes`: the connected company's active TaxCodes, read live
 * from QBO (nothing stored), for the tax code map.
 *
 * @param deps - connections, and a QBO client for the tenant
 * @param tenantId - the tenant, from the verified JWT
 * @throws NotConnectedError; ReconnectRequiredError; QboError when QBO fails
 */
export async function listTaxCodes(
  deps: CompanyReadDeps,
  tenantId: string,
): Promise<{ taxCodes: TaxCodeChoice[] }> {
  const { qbo } = await connectedCompany(deps, tenantId);
  const codes = await readTaxCodes(qbo);
  return {
    taxCodes: codes
      .map((c) => ({ id: c.id, name: c.name, rate: totalRate(c) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}
