import type { CompanyProfile } from '#shared/domain/company.ts';
import type { InvoiceSnapshot } from '#shared/domain/invoice.ts';
import { toQboNumber } from '#shared/domain/money.ts';
import { PushRefusal } from '#shared/domain/push-refusal.ts';
import {
  mappedCode,
  overrideCode,
  salesTaxName,
  shownAmount,
  type TaxCodeMap,
  type TaxCodeRates,
  taxKey,
  taxTreatment,
} from '#shared/domain/tax.ts';
import { type RateTax, taxPerRate, totalTax } from '#shared/domain/tax-rounding.ts';
import type { QboClient } from './qbo-client.ts';
import { readTaxCodes } from './tax-codes.ts';

/** How an invoice's tax goes to QBO: each line's TaxCodeRef, and the invoice-level tax fields. */
export interface TaxPlan {
  /**
   * `SalesItemLineDetail.TaxCodeRef.value` of each line, in order; `null` when the lines carry
   * none (a company outside the US with its VAT/GST off has no tax codes).
   */
  readonly lineCodes: readonly string[] | null;
  /** Fields added to the Invoice body: `TxnTaxDetail`, `GlobalTaxCalculation`, or none. */
  readonly header: Readonly<Record<string, unknown>>;
}

/** Where the admin sets the map, as every refusal names it. */
const MAP_SETTING = 'the tax code map in Settings → Integrations';

/** `TAX`/`NON` (or the line's own `taxCode`) on each line of a US invoice. */
const usLineCodes = (snapshot: InvoiceSnapshot) =>
  snapshot.lines.map((l) => l.taxCode ?? (l.taxable ? 'TAX' : 'NON'));

const qboTax = (snapshot: InvoiceSnapshot) => toQboNumber(snapshot.tax, snapshot.digits);

/**
 * How to send this invoice's tax to this company so that QBO books exactly TradelyHQ's tax, or a
 * validation {@link PushRefusal} naming the setting to change; it reads QBO (never writes), so a refusal
 * comes before anything is created there (docs/company-profiles.md).
 *
 * - US manual and US automated: `TAX`/`NON` lines and, when anything is taxable, the override QBO
 *   documents, `TxnTaxDetail.TxnTaxCodeRef` with `TotalTax` (a `TotalTax` alone is ignored). The
 *   code: {@link overrideCode} (the map's `taxable`, else a manual company's default code); an
 *   automated company with neither names its first own tax code. Never `TAX`/`NON`.
 * - Sales tax off (US), or VAT/GST off outside the US (not registered): refused when taxed (QBO
 *   would drop the tax); else no tax detail, and outside the US no line codes (the company has
 *   none: line codes apply only while `UsingSalesTax` is true).
 * - Elsewhere: each line's TaxCode Id from the map (or the line's `taxCode` when it is already
 *   one of the company's Ids), and the tax detail supplied per rate with TradelyHQ's tax, rounded
 *   per line or per total as TradelyHQ rounded it; refused when a line has none, or when
 *   TradelyHQ's tax is neither rounding of those codes' rates (they are not TradelyHQ's).
 *
 * @param qbo - a client for the company
 * @param settings - the connection's company profile (read before the first push) and tax code map
 * @param snapshot - the invoice
 * @throws PushRefusal; QboError when QBO fails
 */
export async function planTax(
  qbo: QboClient,
  settings: {
    readonly company: CompanyProfile;
    readonly taxCodeMap?: TaxCodeMap | null;
    /** Reads the company's tax codes (a batch reads them once for all); else each plan reads them. */
    readonly taxCodes?: () => Promise<readonly TaxCodeRates[]>;
  },
  snapshot: InvoiceSnapshot,
): Promise<TaxPlan> {
  const { company } = settings;
  const map = settings.taxCodeMap ?? {};
  const codes = settings.taxCodes ?? (() => readTaxCodes(qbo));
  switch (taxTreatment(company)) {
    case 'us-sales-tax-off':
    case 'not-registered':
      return salesTaxOff(company, snapshot);
    case 'us-manual':
    case 'us-automated':
      return usOverride(codes, company, map, snapshot);
    case 'company-codes':
      return companyCodes(snapshot, map, await codes());
  }
}

function salesTaxOff(company: CompanyProfile, snapshot: InvoiceSnapshot): TaxPlan {
  const us = company.country === 'US';
  if (snapshot.tax > 0) {
    const name = salesTaxName(company.country);
    throw new PushRefusal(
      'validation',
      'sales_tax_off',
      `This invoice charges ${shownAmount(snapshot, snapshot.tax)} tax, but ${name} is turned ` +
        'off in the QuickBooks company' +
        (us ? '' : ` (it is set up as not registered for ${name})`) +
        ', so QuickBooks would drop it. ' +
        (us
          ? 'Turn on sales tax in QuickBooks (Taxes → Sales tax)'
          : `If the business is registered for ${name}, turn on ${name} in QuickBooks (Taxes)`) +
        ', then re-sync; or send the invoice without tax.',
    );
  }
  return { lineCodes: us ? usLineCodes(snapshot) : null, header: {} };
}

async function usOverride(
  codes: () => Promise<readonly TaxCodeRates[]>,
  company: CompanyProfile,
  map: TaxCodeMap,
  snapshot: InvoiceSnapshot,
): Promise<TaxPlan> {
  const lineCodes = usLineCodes(snapshot);
  if (snapshot.tax === 0 && !lineCodes.includes('TAX')) return { lineCodes, header: {} };
  const automated = company.salesTax === 'automated';
  const codeId = overrideCode(company, map) ?? (automated ? (await codes())[0]?.id : undefined);
  if (codeId === undefined) {
    throw new PushRefusal(
      'validation',
      'tax_code_missing',
      (automated
        ? 'QuickBooks computes sales tax itself in this company and keeps TradelyHQ’s tax only ' +
          'with one of the company’s tax codes, and it has none yet. Create a sales tax code in ' +
          'QuickBooks and choose it'
        : 'QuickBooks keeps TradelyHQ’s sales tax only with one of the company’s tax codes, and ' +
          'this company has no default sales tax code. Choose its sales tax code') +
        ` as "taxable" in ${MAP_SETTING}, then re-sync.`,
    );
  }
  return {
    lineCodes,
    header: { TxnTaxDetail: { TxnTaxCodeRef: { value: codeId }, TotalTax: qboTax(snapshot) } },
  };
}

function companyCodes(
  snapshot: InvoiceSnapshot,
  map: TaxCodeMap,
  codes: readonly TaxCodeRates[],
): TaxPlan {
  const byId = new Map(codes.map((c) => [c.id, c]));
  const unmapped = new Set<string>();
  const unknown = new Set<string>();
  const chosen = snapshot.lines.map((line) => {
    const key = taxKey(line);
    const id = mappedCode(line, map, (code) => byId.has(code));
    if (id === null) unmapped.add(key);
    else if (!byId.has(id)) unknown.add(`${key} → ${id}`);
    return id === null ? undefined : byId.get(id);
  });
  const list = (keys: Set<string>) => [...keys].map((k) => `"${k}"`).join(', ');
  if (unmapped.size > 0) {
    throw new PushRefusal(
      'validation',
      'tax_code_unmapped',
      `QuickBooks needs one of the company's tax codes on every line, and ${MAP_SETTING} has ` +
        `none for ${list(unmapped)}. Choose one for each, then re-sync.`,
    );
  }
  if (unknown.size > 0) {
    throw new PushRefusal(
      'validation',
      'tax_code_unknown',
      `${MAP_SETTING} names tax codes the QuickBooks company no longer has (${list(unknown)}). ` +
        'Choose active ones, then re-sync.',
    );
  }
  const lineCodes = chosen as TaxCodeRates[];
  // TradelyHQ may round per line (as QBO and Xero do) or per total: either is booked as it is,
  // by supplying the detail. Another figure means the mapped rates are not TradelyHQ's.
  const perLine = taxPerRate(snapshot, lineCodes, 'line');
  const rates = [perLine, taxPerRate(snapshot, lineCodes, 'total')].find(
    (r) => totalTax(r) === snapshot.tax,
  );
  if (!rates) {
    throw new PushRefusal(
      'validation',
      'tax_differs',
      `With the codes in ${MAP_SETTING}, QuickBooks would charge ` +
        `${shownAmount(snapshot, totalTax(perLine))} tax, but this invoice charges ` +
        `${shownAmount(snapshot, snapshot.tax)}. Map each kind of line to the QuickBooks tax ` +
        'code with TradelyHQ’s rate, then re-sync.',
    );
  }
  return {
    lineCodes: lineCodes.map((c) => c.id),
    // TradelyHQ's prices exclude tax, as QBO's default does (Invoice reference).
    header: { GlobalTaxCalculation: 'TaxExcluded', TxnTaxDetail: suppliedDetail(snapshot, rates) },
  };
}

/**
 * The tax detail supplied with a global invoice, so QBO books TradelyHQ's tax rather than its own
 * per-line figure: for international editions `TxnTaxDetail` "can be calculated by QuickBooks
 * business logic or you may supply it when adding a transaction" (Intuit's Finance.xsd), one
 * `TaxLine` per sales rate as QBO answers it.
 */
function suppliedDetail(snapshot: InvoiceSnapshot, rates: readonly RateTax[]) {
  const money = (minor: number) => toQboNumber(minor, snapshot.digits);
  return {
    TotalTax: qboTax(snapshot),
    TaxLine: rates.map((r) => ({
      DetailType: 'TaxLineDetail',
      Amount: money(r.tax),
      TaxLineDetail: {
        TaxRateRef: { value: r.rateId },
        PercentBased: true,
        TaxPercent: r.percent,
        NetAmountTaxable: money(r.base),
      },
    })),
  };
}
