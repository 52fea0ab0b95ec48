import { isPseudoTaxCode, type TaxCodeRates } from '#shared/domain/tax.ts';
import type { QboClient } from './qbo-client.ts';
import { rows } from './query.ts';

interface QboTaxRate {
  readonly Id: string;
  readonly RateValue?: number;
  readonly Active?: boolean;
}

interface QboTaxCode {
  readonly Id: string;
  readonly Name: string;
  readonly Active?: boolean;
  readonly SalesTaxRateList?: {
    readonly TaxRateDetail?: readonly { readonly TaxRateRef?: { readonly value?: string } }[];
  };
}

type QueryAnswer = { QueryResponse?: Record<string, unknown> };

/**
 * The company's active TaxCodes with the percentages of their sales TaxRates, read live (two
 * queries: TaxCode and TaxRate are queryable entities; a code names its rates by Id in
 * `SalesTaxRateList.TaxRateDetail[].TaxRateRef`, Intuit's TaxCode reference). A US company's
 * query answers the pseudo codes `TAX` and `NON` first (no `Active`; the reference's query
 * sample): they are not the company's codes and are left out.
 *
 * @param qbo - a client for the company
 * @throws QboError
 */
export async function readTaxCodes(qbo: QboClient): Promise<TaxCodeRates[]> {
  const query = (entity: string) =>
    qbo.send<QueryAnswer>({
      method: 'GET',
      path: 'query',
      query: { query: `SELECT * FROM ${entity} MAXRESULTS 1000` },
    });
  const [codes, rates] = await Promise.all([query('TaxCode'), query('TaxRate')]);
  const percent = new Map(
    rows<QboTaxRate>(rates, 'TaxRate').map((r) => [r.Id, Number(r.RateValue ?? 0)]),
  );
  return rows<QboTaxCode>(codes, 'TaxCode')
    .filter((c) => c.Active !== false && !isPseudoTaxCode(c.Id))
    .map((c) => ({
      id: c.Id,
      name: c.Name,
      rates: new Map(
        (c.SalesTaxRateList?.TaxRateDetail ?? []).flatMap((d) => {
          const id = d.TaxRateRef?.value;
          return id !== undefined && percent.has(id) ? [[id, percent.get(id) as number]] : [];
        }),
      ),
    }));
}

/**
 * A code's total sales rate, as the settings page shows it (GST/PST BC: 12).
 *
 * @param code - a TaxCode with its rates
 */
export function totalRate(code: TaxCodeRates): number {
  let sum = 0;
  for (const percent of code.rates.values()) sum += percent;
  return Math.round(sum * 1e6) / 1e6;
}
