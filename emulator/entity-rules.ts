/**
 * QBO's rules per entity type: required fields, uniqueness, references, and the money maths
 * of invoices and payments. Pure functions over a company; the ledger applies the results.
 */

import { qboDate } from './clock.ts';
import { homeAmount } from './exchange-rates.ts';
import {
  amountMismatch,
  businessValidation,
  categoryOnTransaction,
  duplicateName,
  invalidLineTaxCode,
  invalidReference,
  invalidRequest,
  requiredParam,
} from './faults.ts';
import { storedName } from './inactive-names.ts';
import {
  checkLengths,
  currencyRef,
  customerCurrency,
  duplicateDocNumber,
  refCode,
  setsTaxByHand,
} from './profiles.ts';
import { numberHolder } from './sales-forms.ts';
import {
  type CompanyState,
  type Entity,
  type EntityName,
  UNDEPOSITED_FUNDS_ACCOUNT_ID,
} from './state.ts';

/** The home currency of every emulated company. */
export const USD = { value: 'USD', name: 'United States Dollar' };
const NAMED_ENTITIES: readonly EntityName[] = ['Customer', 'Vendor', 'Employee'];

/** A JSON object. */
export type Obj = Record<string, unknown>;

/** What a request's query string changes about a write. */
export interface WriteOptions {
  /** `include=allowduplicatedocnum`: a DocNumber already used is accepted. */
  readonly allowDuplicateDocNumber?: boolean;
}

/** A profiled company's home currency ref; USD for a company without a profile. */
function homeCurrency(company: CompanyState): { value: string; name: string } {
  return company.profile ? currencyRef(company.profile.homeCurrency) : USD;
}

/**
 * Whether a value is a plain JSON object.
 *
 * @param value - anything
 */
export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Rounds to cents, half away from zero, as QBO's decimal arithmetic does. Binary floats
 * carry noise (128.35 × 14.5 is 1861.0749999999998, 1.005 × 100 is 100.49999999999999),
 * so the cent count is first cut to 15 significant digits; plain `Math.round(x * 100)`
 * would round those half-cents down and disagree with QBO by a cent.
 *
 * @param value - an amount
 */
export function money(value: number): number {
  const cents = Math.round(Number((Math.abs(value) * 100).toPrecision(15)));
  const rounded = (Math.sign(value) * cents) / 100;
  return rounded === 0 ? 0 : rounded;
}

/**
 * The `value` of a QBO reference (`{"value":"1","name":…}`).
 *
 * @param ref - the reference
 */
export function refValue(ref: unknown): string | undefined {
  if (isObj(ref) && (typeof ref.value === 'string' || typeof ref.value === 'number')) {
    return String(ref.value);
  }
  return undefined;
}

/**
 * A finite number from a JSON number or numeric string.
 *
 * @param value - anything
 */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return undefined;
}

/**
 * Validates a create or update and returns the entity as QBO stores it: derived fields
 * filled in (DisplayName, totals, balances, reference names), QBO's rules enforced.
 *
 * @param company - the company (for uniqueness and references)
 * @param entity - entity name
 * @param draft - system fields merged with the request's fields
 * @param existing - the stored version, for updates
 * @param now - emulator ms (default TxnDate)
 * @throws QboFaultError for every rule broken
 */
export function normalizeEntity(
  company: CompanyState,
  entity: EntityName,
  draft: Entity,
  existing: Entity | undefined,
  now: number,
  options: WriteOptions = {},
): Entity {
  switch (entity) {
    case 'Customer':
    case 'Vendor':
    case 'Employee':
      return normalizeNamed(company, entity, draft);
    case 'Item':
      return normalizeItem(company, draft);
    case 'Invoice':
      return normalizeInvoice(company, draft, existing, now, options);
    case 'Payment':
      return normalizePayment(company, draft, now);
    case 'Account':
      return normalizeAccount(company, draft);
  }
}

/**
 * Which kind of record already has a name, compared without case: a customer, vendor or employee
 * share one list of DisplayNames; items have their own list of Names (whatever their type: a
 * Category and a Service may not share one; Intuit does not say, a third-party schema says "unique
 * within the same type", so this is the stricter reading).
 *
 * @param company - the company
 * @param entity - the entity being written
 * @param id - its Id (it may keep its own name)
 * @param name - the name it would have
 */
export function nameHolder(
  company: CompanyState,
  entity: EntityName,
  id: string,
  name: string,
): EntityName | undefined {
  const key = name.toLowerCase();
  const field = entity === 'Item' ? 'Name' : 'DisplayName';
  for (const other of entity === 'Item' ? (['Item'] as const) : NAMED_ENTITIES) {
    for (const e of Object.values(company.entities[other])) {
      if (other === entity && e.Id === id) continue;
      if (String(e[field] ?? '').toLowerCase() === key) return other;
    }
  }
  return undefined;
}

function normalizeNamed(company: CompanyState, entity: EntityName, draft: Entity): Entity {
  if (company.profile && entity === 'Customer') checkLengths('Customer', draft);
  let display = typeof draft.DisplayName === 'string' ? draft.DisplayName.trim() : '';
  if (!display) {
    // QBO builds DisplayName from the name parts when it is not supplied.
    display = ['Title', 'GivenName', 'MiddleName', 'FamilyName', 'Suffix']
      .map((k) => (typeof draft[k] === 'string' ? (draft[k] as string).trim() : ''))
      .filter(Boolean)
      .join(' ');
  }
  if (!display) throw requiredParam('DisplayName');
  if (display.includes(':')) {
    throw businessValidation('The name cannot contain a colon (:).');
  }
  const stored = company.entities[entity][draft.Id];
  display = storedName(
    display,
    stored !== undefined && stored.Active !== false,
    draft.Active,
    500,
    (candidate) => Boolean(nameHolder(company, entity, draft.Id, candidate)),
  );
  const holder = nameHolder(company, entity, draft.Id, display);
  if (holder) throw duplicateName(holder.toLowerCase());
  const record: Entity = {
    ...draft,
    DisplayName: display,
    FullyQualifiedName: display,
    PrintOnCheckName: draft.PrintOnCheckName ?? display,
    Active: draft.Active ?? true,
    CurrencyRef: draft.CurrencyRef ?? USD,
    Balance: 0,
  };
  if (company.profile) record.CurrencyRef = profiledCurrency(company, entity, draft);
  if (entity === 'Customer') {
    record.Taxable = draft.Taxable ?? true;
    record.Job = draft.Job ?? false;
    record.BillWithParent = draft.BillWithParent ?? false;
    record.PreferredDeliveryMethod = draft.PreferredDeliveryMethod ?? 'Print';
    record.Balance = customerBalance(company, draft.Id);
    record.BalanceWithJobs = record.Balance;
  }
  return record;
}

/**
 * A profiled company's name-list currency: fixed at creation (Customer reference: "Once set,
 * it cannot be changed"), the home currency unless multicurrency lets the customer have
 * another. Vendors and employees keep the home currency (not modelled further).
 */
function profiledCurrency(company: CompanyState, entity: EntityName, draft: Entity): Obj {
  const profile = company.profile;
  if (!profile) return USD;
  const stored = company.entities[entity][draft.Id];
  if (stored) {
    const held = refCode(stored.CurrencyRef) ?? profile.homeCurrency;
    const sent = refCode(draft.CurrencyRef);
    if (sent !== undefined && sent !== held) {
      throw businessValidation(
        `The currency of a ${entity.toLowerCase()} cannot be changed once it is set (it is ${held}).`,
      );
    }
    return currencyRef(held);
  }
  if (entity !== 'Customer') return currencyRef(profile.homeCurrency);
  return currencyRef(customerCurrency(profile, draft.CurrencyRef));
}

function normalizeItem(company: CompanyState, draft: Entity): Entity {
  if (company.profile) checkLengths('Item', draft);
  let name = typeof draft.Name === 'string' ? draft.Name.trim() : '';
  if (!name) throw requiredParam('Name');
  if (draft.Type === undefined) throw requiredParam('Type');
  if (draft.Type !== 'Service' && draft.Type !== 'NonInventory' && draft.Type !== 'Category') {
    throw invalidRequest(
      `Item Type ${String(draft.Type)} is not supported by the emulator (Service, NonInventory, Category)`,
    );
  }
  const stored = company.entities.Item[draft.Id];
  name = storedName(
    name,
    stored !== undefined && stored.Active !== false,
    draft.Active,
    100,
    (candidate) => Boolean(nameHolder(company, 'Item', draft.Id, candidate)),
  );
  if (nameHolder(company, 'Item', draft.Id, name)) throw duplicateName('item');
  if (draft.Type === 'Category') {
    // A category only groups items: no account, no price (Intuit's Item reference sample).
    return { ...draft, Name: name, FullyQualifiedName: name, Active: draft.Active ?? true };
  }
  const accountId = refValue(draft.IncomeAccountRef);
  if (!accountId) throw requiredParam('IncomeAccountRef');
  const account = company.entities.Account[accountId];
  if (!account || account.Active === false) throw invalidReference('IncomeAccountRef');
  return {
    ...draft,
    Name: name,
    FullyQualifiedName: name,
    Active: draft.Active ?? true,
    Taxable: draft.Taxable ?? false,
    UnitPrice: num(draft.UnitPrice) ?? 0,
    IncomeAccountRef: { value: accountId, name: account.Name },
    PurchaseCost: num(draft.PurchaseCost) ?? 0,
    TrackQtyOnHand: false,
  };
}

function normalizeAccount(company: CompanyState, draft: Entity): Entity {
  const name = typeof draft.Name === 'string' ? draft.Name.trim() : '';
  if (!name) throw requiredParam('Name');
  if (typeof draft.AccountType !== 'string') throw requiredParam('AccountType');
  for (const e of Object.values(company.entities.Account)) {
    if (e.Id !== draft.Id && String(e.Name).toLowerCase() === name.toLowerCase()) {
      throw duplicateName('account');
    }
  }
  return {
    ...draft,
    Name: name,
    FullyQualifiedName: name,
    SubAccount: false,
    Active: draft.Active ?? true,
    Classification: draft.Classification ?? (draft.AccountType === 'Income' ? 'Revenue' : 'Asset'),
    CurrentBalance: 0,
    CurrentBalanceWithSubAccounts: 0,
    CurrencyRef: homeCurrency(company),
  };
}

function normalizeInvoice(
  company: CompanyState,
  draft: Entity,
  existing: Entity | undefined,
  now: number,
  options: WriteOptions,
): Entity {
  if (company.profile) checkLengths('Invoice', draft);
  const customerId = refValue(draft.CustomerRef);
  if (!customerId) throw requiredParam('CustomerRef');
  const customer = company.entities.Customer[customerId];
  if (!customer || customer.Active === false) throw invalidReference('CustomerRef');
  if (!Array.isArray(draft.Line) || draft.Line.length === 0) throw requiredParam('Line');
  const currency = invoiceCurrency(company, draft, customer);
  const globalTax = company.profile !== undefined && company.profile.country !== 'US';
  // Outside the US with VAT/GST off: no tax codes, so no line codes (README, "not registered").
  const unregistered = globalTax && company.profile?.salesTax === 'none';
  const taxMode = globalTax && !unregistered ? globalTaxCalculation(draft) : undefined;
  /** Per sales line (global tax): its amount and tax code, for the tax after discounts. */
  const coded: { amount: number; rates: Entity[] }[] = [];

  const lines: Obj[] = [];
  const discountLines: Obj[] = [];
  let subtotal = 0;
  let taxable = 0;
  for (const raw of draft.Line) {
    if (!isObj(raw)) throw invalidRequest('Line entries must be objects');
    if (raw.DetailType === 'SubTotalLineDetail') continue;
    const line: Obj = { ...raw };
    if (line.DetailType === 'SalesItemLineDetail') {
      const detail: Obj = isObj(line.SalesItemLineDetail) ? { ...line.SalesItemLineDetail } : {};
      const itemId = refValue(detail.ItemRef);
      if (itemId !== undefined) {
        const item = company.entities.Item[itemId];
        if (!item || item.Active === false) throw invalidReference('ItemRef');
        if (item.Type === 'Category') throw categoryOnTransaction();
        detail.ItemRef = { value: itemId, name: item.Name };
      }
      const amount = salesLineAmount(line, detail);
      if (unregistered) {
        // The company has no tax codes: a code sent refers to none (unconfirmed, the stricter reading).
        if (detail.TaxCodeRef !== undefined) throw invalidReference('TaxCodeRef');
      } else if (globalTax) {
        const code = globalLineTaxCode(company, detail.TaxCodeRef);
        detail.TaxCodeRef = { value: code.Id, name: code.Name };
        coded.push({ amount, rates: salesRates(company, code) });
      } else {
        detail.TaxCodeRef = lineTaxCode(company, detail.TaxCodeRef);
      }
      line.Amount = amount;
      line.SalesItemLineDetail = detail;
      subtotal = money(subtotal + amount);
      if (refValue(detail.TaxCodeRef) === 'TAX') taxable = money(taxable + amount);
    } else if (line.DetailType === 'DiscountLineDetail') {
      discountLines.push(line);
    } else if (line.DetailType === 'DescriptionOnly') {
      line.Amount = num(line.Amount) ?? 0;
    } else {
      throw invalidRequest(`Unsupported Line DetailType ${String(line.DetailType)}`);
    }
    lines.push(line);
  }
  // A discount applies to the subtotal of the sales lines: a percentage of it, or an amount.
  let discount = 0;
  for (const line of discountLines) {
    const detail: Obj = isObj(line.DiscountLineDetail) ? { ...line.DiscountLineDetail } : {};
    const percent = num(detail.DiscountPercent);
    const amount =
      detail.PercentBased === true && percent !== undefined
        ? money((subtotal * percent) / 100)
        : money(num(line.Amount) ?? 0);
    line.Amount = amount;
    line.DiscountLineDetail = detail;
    discount = money(discount + amount);
  }
  lines.forEach((line, i) => {
    line.Id = String(i + 1);
    line.LineNum = i + 1;
  });
  lines.push({
    Amount: subtotal,
    DetailType: 'SubTotalLineDetail',
    SubTotalLineDetail: {},
  });

  // ApplyTaxAfterDiscount false (QBO's default): tax the taxable lines in full, then subtract
  // the discount. True: the discount first lowers the taxable amount, pro rata.
  const applyTaxAfterDiscount = draft.ApplyTaxAfterDiscount === true;
  const taxBase =
    applyTaxAfterDiscount && subtotal > 0
      ? money(taxable - (discount * taxable) / subtotal)
      : taxable;
  // Automated sales tax (a company tax rate) recomputes tax on every save; without it the
  // tax is whatever the request says, as with manual sales tax in QBO.
  const requestedTax = isObj(draft.TxnTaxDetail) ? num(draft.TxnTaxDetail.TotalTax) : undefined;
  let txnTaxDetail: Obj;
  const salesTax = company.profile?.salesTax ?? 'legacy';
  if (taxMode === 'NotApplicable') {
    // Out of scope of tax: none charged (README, "GlobalTaxCalculation").
    txnTaxDetail = { TotalTax: 0 };
  } else if (taxMode) {
    txnTaxDetail = globalTaxDetail(coded, subtotal, discount, draft.TxnTaxDetail);
  } else if (salesTax === 'none') {
    // Sales tax off: "TxnTaxDetail is ignored and not stored" (Invoice reference).
    txnTaxDetail = { TotalTax: 0 };
  } else if (salesTax === 'automated') {
    txnTaxDetail = automatedTaxDetail(company, draft, customer, taxBase);
  } else if (setsTaxByHand(company.profile, company.taxRate)) {
    txnTaxDetail = manualTaxDetail(company, draft, taxBase);
  } else if (company.taxRate > 0) {
    const tax = money((taxBase * company.taxRate) / 100);
    txnTaxDetail = {
      TxnTaxCodeRef: { value: '2' },
      TotalTax: tax,
      TaxLine: [
        {
          Amount: tax,
          DetailType: 'TaxLineDetail',
          TaxLineDetail: {
            TaxRateRef: { value: '1' },
            PercentBased: true,
            TaxPercent: company.taxRate,
            NetAmountTaxable: taxBase,
          },
        },
      ],
    };
  } else {
    // A company from a state file of before default tax codes: the tax sent.
    txnTaxDetail = { TotalTax: money(requestedTax ?? 0) };
  }
  const totalAmt = money(subtotal - discount + (txnTaxDetail.TotalTax as number));
  if (totalAmt < 0) throw businessValidation('The transaction total cannot be negative.');
  const applied = existing ? appliedTo(company, existing.Id) : 0;
  if (applied > totalAmt) {
    throw businessValidation(
      'The invoice total cannot be less than the payments already applied to it.',
    );
  }

  const txnDate = typeof draft.TxnDate === 'string' ? draft.TxnDate : qboDate(now);
  let docNumber = draft.DocNumber;
  if (company.profile) {
    docNumber = profiledDocNumber(company, draft, existing, options);
  } else if (docNumber === undefined || docNumber === null || docNumber === '') {
    docNumber = existing?.DocNumber ?? String(company.nextDocNumber++);
  }
  const record: Entity = {
    AllowIPNPayment: false,
    AllowOnlinePayment: false,
    AllowOnlineCreditCardPayment: false,
    AllowOnlineACHPayment: false,
    ...draft,
    DocNumber: String(docNumber),
    TxnDate: txnDate,
    CurrencyRef: currency,
    LinkedTxn: existing ? (existing.LinkedTxn ?? []) : [],
    Line: lines,
    TxnTaxDetail: txnTaxDetail,
    CustomerRef: { value: customerId, name: customer.DisplayName },
    DueDate:
      typeof draft.DueDate === 'string'
        ? draft.DueDate
        : qboDate(Date.parse(`${txnDate}T12:00:00Z`) + 30 * 86_400_000),
    TotalAmt: totalAmt,
    ApplyTaxAfterDiscount: applyTaxAfterDiscount,
    PrintStatus: draft.PrintStatus ?? 'NeedToPrint',
    EmailStatus: draft.EmailStatus ?? 'NotSet',
    Balance: money(totalAmt - applied),
  };
  if (docNumber === undefined) delete record.DocNumber;
  if (company.profile?.multiCurrency) {
    // QBO stores 1 when a create omits the rate; it does not look up its own (README).
    const rate = num(draft.ExchangeRate) ?? 1;
    const home = company.profile.homeCurrency;
    record.ExchangeRate = rate;
    record.HomeTotalAmt = homeAmount(totalAmt, rate, home);
    record.HomeBalance = homeAmount(totalAmt - applied, rate, home);
  }
  if (taxMode) record.GlobalTaxCalculation = taxMode;
  return record;
}

/**
 * An invoice's currency. Without a profile: USD, whatever was sent (as before). With one: the
 * customer's currency; a CurrencyRef the company cannot hold (multicurrency off and not the
 * home currency) or that differs from the customer's is refused.
 */
function invoiceCurrency(company: CompanyState, draft: Entity, customer: Entity): Obj {
  const profile = company.profile;
  if (!profile) return USD;
  const held = refCode(customer.CurrencyRef) ?? profile.homeCurrency;
  const sent = refCode(draft.CurrencyRef);
  if (sent !== undefined && sent !== profile.homeCurrency && !profile.multiCurrency) {
    throw businessValidation(
      `Multicurrency is not enabled for this company: transactions can only be in the home currency ${profile.homeCurrency}.`,
    );
  }
  if (sent !== undefined && sent !== held) {
    throw businessValidation(
      `The transaction currency ${sent} must be the customer's currency ${held}.`,
    );
  }
  return currencyRef(held);
}

/**
 * A profiled company's DocNumber. Custom numbers on: the number sent, refused with 6140 when
 * another sales form (invoice, credit memo, sales receipt) has it (unless
 * `include=allowduplicatedocnum`), none when none is sent.
 * Off: QBO's next number when none is sent; a number sent is kept (Intuit: "do not send a
 * value as it can lead to unwanted duplicates"), without a duplicate check.
 */
function profiledDocNumber(
  company: CompanyState,
  draft: Entity,
  existing: Entity | undefined,
  options: WriteOptions,
): string | undefined {
  const profile = company.profile;
  const sent =
    typeof draft.DocNumber === 'string' || typeof draft.DocNumber === 'number'
      ? String(draft.DocNumber).trim()
      : '';
  if (!profile?.customTxnNumbers) {
    if (sent !== '') return sent;
    return typeof existing?.DocNumber === 'string'
      ? existing.DocNumber
      : String(company.nextDocNumber++);
  }
  if (sent === '') return undefined;
  // An update that keeps its number is not checked again (unconfirmed: see emulator/README.md).
  const unchanged = typeof existing?.DocNumber === 'string' && existing.DocNumber === sent;
  if (!options.allowDuplicateDocNumber && !unchanged) {
    const holder = numberHolder(company, sent, draft.Id);
    if (holder) throw duplicateDocNumber(sent, holder);
  }
  return sent;
}

/** What QBO calls the tax in its missing-line-code fault, by country (see emulator/README.md). */
const MISSING_CODE_TAX_NAME: Readonly<Record<string, string>> = { GB: 'VAT', CA: 'GST/HST' };

/**
 * A line tax code in a company outside the US: the Id of one of its own active TaxCodes.
 * None at all is refused as QBO refuses it (6000, "Make sure all your transactions have a
 * VAT rate before you save", reported from a UK company; "GST/HST" in Canada); `TAX`, `NON` or any unknown Id is
 * a reference to a tax code that does not exist (2500; the code QBO uses is unconfirmed).
 */
function globalLineTaxCode(company: CompanyState, ref: unknown): Entity {
  const code = refValue(ref);
  if (code === undefined) {
    const word = MISSING_CODE_TAX_NAME[company.profile?.country ?? ''] ?? 'GST';
    throw businessValidation(
      `Make sure all your transactions have a ${word} rate before you save.`,
    );
  }
  const found = company.taxCodes?.[code];
  if (!found || found.Active === false) throw invalidReference('TaxCodeRef');
  return found;
}

function salesRates(company: CompanyState, code: Entity): Entity[] {
  const list = isObj(code.SalesTaxRateList) ? code.SalesTaxRateList.TaxRateDetail : undefined;
  const details = Array.isArray(list) ? list.filter(isObj) : [];
  return details
    .map((d) => company.taxRates?.[refValue(d.TaxRateRef) ?? ''])
    .filter((r): r is Entity => r !== undefined);
}

/**
 * `GlobalTaxCalculation` of a global invoice ("required for non-US companies", default
 * `TaxExcluded`, Invoice reference): `TaxExcluded`, or `NotApplicable` (out of scope of tax, no
 * tax charged). `TaxInclusive` is not modelled (2010): prices including tax are never sent here.
 */
function globalTaxCalculation(draft: Entity): 'TaxExcluded' | 'NotApplicable' {
  const mode = draft.GlobalTaxCalculation ?? 'TaxExcluded';
  if (mode !== 'TaxExcluded' && mode !== 'NotApplicable') {
    throw invalidRequest(
      `GlobalTaxCalculation ${String(mode)} is not supported by the emulator (TaxExcluded, NotApplicable)`,
    );
  }
  return mode;
}

/** One rate's tax of a global invoice, as QBO answers it in `TxnTaxDetail.TaxLine`. */
interface RateTax {
  readonly rate: Entity;
  base: number;
  tax: number;
}

const taxLine = ({ rate, base, tax }: RateTax): Obj => ({
  Amount: tax,
  DetailType: 'TaxLineDetail',
  TaxLineDetail: {
    TaxRateRef: { value: rate.Id },
    PercentBased: true,
    TaxPercent: num(rate.RateValue) ?? 0,
    NetAmountTaxable: base,
  },
});

/**
 * Tax outside the US. QBO computes it per line: each line, less its share of the invoice's
 * discounts (global QBO discounts before tax; ApplyTaxAfterDiscount is US-only), taxed at each
 * rate of its code and rounded to cents, then summed per rate ("QuickBooks Online will always
 * calculate line-by-line", Intuit staff, QuickBooks Community Canada thread 306952). A supplied
 * `TxnTaxDetail.TaxLine` is booked instead ({@link suppliedTaxLines}).
 */
function globalTaxDetail(
  coded: { amount: number; rates: Entity[] }[],
  subtotal: number,
  discount: number,
  sent: unknown,
): Obj {
  const perRate = new Map<string, RateTax>();
  for (const { amount, rates } of coded) {
    const base = money(amount - (subtotal > 0 ? (discount * amount) / subtotal : 0));
    for (const rate of rates) {
      const entry = perRate.get(rate.Id) ?? { rate, base: 0, tax: 0 };
      entry.base = money(entry.base + base);
      entry.tax = money(entry.tax + money((base * (num(rate.RateValue) ?? 0)) / 100));
      perRate.set(rate.Id, entry);
    }
  }
  const rates = suppliedTaxLines(sent, perRate) ?? [...perRate.values()];
  const total = money(rates.reduce((sum, r) => sum + r.tax, 0));
  return { TotalTax: total, TaxLine: rates.map(taxLine) };
}

/**
 * The tax detail a client supplies with a global invoice: it "can be calculated by QuickBooks
 * business logic or you may supply it when adding a transaction" (Intuit, Finance.xsd,
 * `TxnTaxDetail`), as integrations do (fylein/fyle-qbo-api `get_override_tax_details`). Booked
 * when it names each rate of the lines' codes once and no other, each with an `Amount`, and a
 * `TotalTax` (if sent) equal to their sum; else ignored, QBO's own figure booked (unconfirmed,
 * the stricter reading). A `TaxLine` without `DetailType` → 6000 "TxnTaxDetail.TaxLine.DetailTypeEnum
 * is missing in the request" (ruckus/quickbooks-ruby issue 529, a Canadian company).
 */
function suppliedTaxLines(sent: unknown, perRate: Map<string, RateTax>): RateTax[] | null {
  if (!isObj(sent) || !Array.isArray(sent.TaxLine)) return null;
  const supplied = new Map<string, RateTax>();
  for (const line of sent.TaxLine) {
    if (!isObj(line)) return null;
    if (line.DetailType !== 'TaxLineDetail') {
      throw businessValidation('TxnTaxDetail.TaxLine.DetailTypeEnum is missing in the request');
    }
    const detail = isObj(line.TaxLineDetail) ? line.TaxLineDetail : {};
    const rate = perRate.get(refValue(detail.TaxRateRef) ?? '')?.rate;
    const tax = num(line.Amount);
    if (!rate || supplied.has(rate.Id) || tax === undefined || tax < 0) return null;
    const base = num(detail.NetAmountTaxable) ?? (perRate.get(rate.Id) as RateTax).base;
    supplied.set(rate.Id, { rate, base: money(base), tax: money(tax) });
  }
  if (supplied.size !== perRate.size) return null;
  const total = num(sent.TotalTax);
  const sum = money([...supplied.values()].reduce((s, r) => s + r.tax, 0));
  return total === undefined || money(total) === sum ? [...supplied.values()] : null;
}

/** The region QBO's engine taxes by: ship-to, then bill-to, of the invoice then the customer. */
function taxRegion(draft: Entity, customer: Entity): string | undefined {
  for (const addr of [draft.ShipAddr, draft.BillAddr, customer.ShipAddr, customer.BillAddr]) {
    if (isObj(addr) && typeof addr.CountrySubDivisionCode === 'string') {
      const region = addr.CountrySubDivisionCode.trim().toUpperCase();
      if (region !== '') return region;
    }
  }
  return undefined;
}

/**
 * US automated sales tax. The engine's rate for the address region (`astRates`; 0 for a region
 * it has none for) on the `TAX` lines, on every save; the request's tax is kept only when it
 * overrides the documented way, `TxnTaxDetail.TxnTaxCodeRef` (one of the company's TaxCodes)
 * together with `TxnTaxDetail.TotalTax` (Intuit, intuit/QuickBooks-V3-PHP-SDK issue 199). A
 * TxnTaxCodeRef alone "is replaced by the automated sales tax engine recommendation" and a
 * TotalTax alone is ignored.
 */
function automatedTaxDetail(
  company: CompanyState,
  draft: Entity,
  customer: Entity,
  taxBase: number,
): Obj {
  const region = taxRegion(draft, customer);
  const rates = company.profile?.astRates ?? {};
  const percent = region !== undefined ? (rates[region] ?? 0) : 0;
  const engineCode = Object.values(company.taxCodes ?? {}).find((c) => c.Name === region);
  const sent = isObj(draft.TxnTaxDetail) ? draft.TxnTaxDetail : undefined;
  const overrideCodeId = refValue(sent?.TxnTaxCodeRef);
  const overrideTax = num(sent?.TotalTax);
  const computed = money((taxBase * percent) / 100);
  let code = engineCode;
  let total = computed;
  if (overrideCodeId !== undefined && overrideTax !== undefined) {
    const overrideCode = company.taxCodes?.[overrideCodeId];
    if (!overrideCode || overrideCode.Active === false) throw invalidReference('TxnTaxCodeRef');
    code = overrideCode;
    total = money(overrideTax);
  }
  return codedTaxDetail(company, code, total, computed, taxBase);
}

/**
 * A US company that sets its sales tax by hand ({@link setsTaxByHand}). The tax sent is kept
 * only with a `TxnTaxCodeRef` naming one of the company's own active TaxCodes together with
 * `TotalTax`; "all other cases, it will be ignored" (Intuit's maintainer in
 * intuit/QuickBooks-V3-PHP-SDK issue 199; Intuit's answer on Stack Overflow 19300885), and the
 * code's rate (by default the company's default code, `Preferences.TaxPrefs.TaxGroupCodeRef`)
 * is charged on the `TAX` lines. A `TxnTaxCodeRef` that is not one of the company's codes
 * (`TAX`/`NON` included) is refused as an invalid reference (2500; unconfirmed, the stricter
 * reading).
 */
function manualTaxDetail(company: CompanyState, draft: Entity, taxBase: number): Obj {
  const sent = isObj(draft.TxnTaxDetail) ? draft.TxnTaxDetail : undefined;
  const sentCodeId = refValue(sent?.TxnTaxCodeRef);
  const sentTax = num(sent?.TotalTax);
  const taxPrefs = isObj(company.preferences.TaxPrefs) ? company.preferences.TaxPrefs : {};
  let code = company.taxCodes?.[refValue(taxPrefs.TaxGroupCodeRef) ?? ''];
  if (sentCodeId !== undefined) {
    code = company.taxCodes?.[sentCodeId];
    if (!code || code.Active === false) throw invalidReference('TxnTaxCodeRef');
  }
  const percent = num((code ? salesRates(company, code)[0] : undefined)?.RateValue) ?? 0;
  const computed = money((taxBase * percent) / 100);
  const total = sentCodeId !== undefined && sentTax !== undefined ? money(sentTax) : computed;
  return codedTaxDetail(company, code, total, computed, taxBase);
}

/**
 * A US `TxnTaxDetail` charged under one TaxCode: the code, `TotalTax`, and one `TaxLine` at the
 * code's first sales rate, with `OverrideDeltaAmount` when the total is not the rate's.
 */
function codedTaxDetail(
  company: CompanyState,
  code: Entity | undefined,
  total: number,
  computed: number,
  taxBase: number,
): Obj {
  const rate = code ? salesRates(company, code)[0] : undefined;
  const detail: Obj = { TotalTax: total };
  if (code) detail.TxnTaxCodeRef = { value: code.Id, name: code.Name };
  if (rate) {
    detail.TaxLine = [
      {
        Amount: total,
        DetailType: 'TaxLineDetail',
        TaxLineDetail: {
          TaxRateRef: { value: rate.Id, name: rate.Name },
          PercentBased: true,
          TaxPercent: num(rate.RateValue) ?? 0,
          NetAmountTaxable: taxBase,
          ...(total !== computed ? { OverrideDeltaAmount: money(total - computed) } : {}),
        },
      },
    ];
  }
  return detail;
}

/**
 * A sales line's Amount. With Qty and UnitPrice both given it must equal their product
 * rounded half-up to cents (QBO re-checks every line: 6070); without them it is the Amount
 * sent, rounded to cents.
 */
function salesLineAmount(line: Obj, detail: Obj): number {
  const qty = num(detail.Qty);
  const unitPrice = num(detail.UnitPrice);
  const supplied = num(line.Amount);
  if (qty !== undefined && unitPrice !== undefined) {
    const computed = money(qty * unitPrice);
    if (supplied !== undefined && money(supplied) !== computed) throw amountMismatch(supplied);
    return computed;
  }
  if (supplied === undefined) throw requiredParam('Line.Amount');
  return money(supplied);
}

/**
 * A sales line's tax code. US companies (the ones with a tax rate to apply) know only `TAX`
 * and `NON`; anything else answers 6100 (Intuit's error code list). A line without one is
 * non-taxable.
 */
function lineTaxCode(company: CompanyState, ref: unknown): Obj {
  if (ref === undefined || ref === null) return { value: 'NON' };
  const code = refValue(ref);
  if (company.country === 'US' && code !== 'TAX' && code !== 'NON') {
    throw invalidLineTaxCode(code ?? '');
  }
  if (code === undefined) throw invalidReference('TaxCodeRef');
  return { ...(ref as Obj), value: code };
}

function normalizePayment(company: CompanyState, draft: Entity, now: number): Entity {
  const customerId = refValue(draft.CustomerRef);
  if (!customerId) throw requiredParam('CustomerRef');
  const customer = company.entities.Customer[customerId];
  if (!customer) throw invalidReference('CustomerRef');
  const total = num(draft.TotalAmt);
  if (total === undefined) throw requiredParam('TotalAmt');
  if (total < 0) throw businessValidation('The payment amount cannot be negative.');
  const rawLines = draft.Line === undefined ? [] : draft.Line;
  if (!Array.isArray(rawLines)) throw invalidRequest('Line must be an array');

  const perInvoice = new Map<string, number>();
  const lines: Obj[] = [];
  let appliedTotal = 0;
  for (const raw of rawLines) {
    if (!isObj(raw)) throw invalidRequest('Line entries must be objects');
    const amount = num(raw.Amount);
    if (amount === undefined) throw requiredParam('Line.Amount');
    if (amount < 0) throw businessValidation('A payment line amount cannot be negative.');
    const linked = Array.isArray(raw.LinkedTxn) ? raw.LinkedTxn.filter(isObj) : [];
    const invoiceLink = linked.find((l) => l.TxnType === 'Invoice');
    if (!invoiceLink) throw requiredParam('Line.LinkedTxn');
    const invoiceId = String(invoiceLink.TxnId ?? '');
    const invoice = company.entities.Invoice[invoiceId];
    if (!invoice) throw invalidReference('LinkedTxn');
    if (refValue(invoice.CustomerRef) !== customerId) {
      throw businessValidation(
        `Invoice ${invoiceId} belongs to a different customer than the payment.`,
      );
    }
    perInvoice.set(invoiceId, (perInvoice.get(invoiceId) ?? 0) + amount);
    appliedTotal += amount;
    lines.push({
      Amount: money(amount),
      LinkedTxn: [{ TxnId: invoiceId, TxnType: 'Invoice' }],
      LineEx: {
        any: [
          nameValue('txnId', invoiceId),
          nameValue('txnOpenBalance', String(invoice.Balance)),
          nameValue('txnReferenceNumber', String(invoice.DocNumber ?? '')),
        ],
      },
    });
  }
  for (const [invoiceId, amount] of perInvoice) {
    const invoice = company.entities.Invoice[invoiceId] as Entity;
    const others = appliedTo(company, invoiceId, draft.Id);
    if (money(others + amount) > (invoice.TotalAmt as number)) {
      throw businessValidation(
        `The amount applied to invoice ${invoiceId} is more than its open balance.`,
      );
    }
  }
  if (money(appliedTotal) > money(total)) {
    throw businessValidation('The amounts applied are more than the payment total.');
  }
  const depositId = refValue(draft.DepositToAccountRef) ?? UNDEPOSITED_FUNDS_ACCOUNT_ID;
  if (!company.entities.Account[depositId]) throw invalidReference('DepositToAccountRef');
  return {
    ...draft,
    CustomerRef: { value: customerId, name: customer.DisplayName },
    DepositToAccountRef: { value: depositId },
    TotalAmt: money(total),
    UnappliedAmt: money(total - appliedTotal),
    ProcessPayment: false,
    TxnDate: typeof draft.TxnDate === 'string' ? draft.TxnDate : qboDate(now),
    CurrencyRef: company.profile
      ? currencyRef(refCode(customer.CurrencyRef) ?? company.profile.homeCurrency)
      : USD,
    Line: lines,
  };
}

/**
 * Sum applied to an invoice by live payments.
 *
 * @param company - the company
 * @param invoiceId - the invoice
 * @param exceptPaymentId - a payment to leave out (the one being updated)
 */
export function appliedTo(
  company: CompanyState,
  invoiceId: string,
  exceptPaymentId?: string,
): number {
  let sum = 0;
  for (const payment of Object.values(company.entities.Payment)) {
    if (payment.Id === exceptPaymentId) continue;
    for (const line of (payment.Line as Obj[] | undefined) ?? []) {
      const linked = (line.LinkedTxn as Obj[] | undefined) ?? [];
      if (linked.some((l) => l.TxnType === 'Invoice' && String(l.TxnId) === invoiceId)) {
        sum += num(line.Amount) ?? 0;
      }
    }
  }
  return money(sum);
}

/**
 * A customer's open balance: the sum of its invoices' balances.
 *
 * @param company - the company
 * @param customerId - the customer
 */
export function customerBalance(company: CompanyState, customerId: string): number {
  let sum = 0;
  for (const invoice of Object.values(company.entities.Invoice)) {
    if (refValue(invoice.CustomerRef) === customerId) sum += (invoice.Balance as number) ?? 0;
  }
  return money(sum);
}

function nameValue(name: string, value: string): Obj {
  return {
    name: '{http://schema.intuit.com/finance/v3}NameValue',
    declaredType: 'com.intuit.schema.finance.v3.NameValue',
    scope: 'javax.xml.bind.JAXBElement$GlobalScope',
    value: { Name: name, Value: value },
    nil: false,
    globalScope: true,
    typeSubstituted: false,
  };
}
