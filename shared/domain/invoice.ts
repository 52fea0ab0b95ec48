import * as z from 'zod';
import { normalRate, RATE_PATTERN } from './exchange-rate.ts';
import {
  formatAmount,
  formatScaled,
  isCurrency,
  lineAmount,
  minorDigits,
  parseAmount,
  parseScaled,
} from './money.ts';
import { storableText } from './text.ts';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const money = z.union([z.string().max(24), z.number()]);
const text = (max: number) => storableText().min(1).max(max);
const optionalText = (max: number) => storableText().max(max).nullish();
const isoDate = z
  .string()
  .regex(ISO_DATE, 'must be a date YYYY-MM-DD')
  .refine(
    (d) =>
      !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) &&
      new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    'is not a real date',
  );

/**
 * The body of `POST /invoices/{invoiceId}/push`: the invoice as TradelyHQ core sees it. Its field
 * names are a contract with core; unknown fields are ignored so core can add some.
 */
export const pushInvoiceSchema = z.object({
  revision: z.number().int().min(1),
  docNumber: text(21),
  issueDate: isoDate,
  dueDate: isoDate.nullish(),
  currency: z.string().refine(isCurrency, 'must be an ISO 4217 currency code such as USD'),
  /**
   * Home-currency units per one unit of `currency`, a decimal string (`"1.09"`): the rate QBO
   * books the invoice at. None: QBO's own rate for the issue date (docs/currency-and-numbering.md).
   */
  exchangeRate: z
    .string()
    .regex(RATE_PATTERN, 'must be a decimal string like "1.09" (up to 12 decimals)')
    .refine((rate) => Number(rate) > 0, 'must be more than 0')
    .nullish(),
  terms: optionalText(100),
  memo: optionalText(1000),
  client: z.object({
    id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits or _ . : -'),
    displayName: text(500),
    companyName: optionalText(500),
    email: z.email().max(100).nullish(),
    phone: optionalText(30),
    billingAddress: z
      .object({
        line1: optionalText(500),
        line2: optionalText(500),
        city: optionalText(255),
        region: optionalText(255),
        postalCode: optionalText(30),
        country: optionalText(255),
      })
      .nullish(),
  }),
  lines: z
    .array(
      z.object({
        lineId: text(64),
        itemCode: optionalText(100),
        itemName: text(500),
        description: optionalText(4000),
        quantity: money,
        unitPrice: money,
        amount: money,
        taxable: z.boolean().nullish(),
        /** A QBO tax code Id, for companies outside the US. */
        taxCode: optionalText(30),
        serviceDate: isoDate.nullish(),
      }),
    )
    .min(1)
    .max(250),
  discount: z.union([z.object({ amount: money }), z.object({ percent: money })]).nullish(),
  totals: z.object({ subtotal: money, tax: money, total: money }),
});

/** The push body as sent. */
export type PushInvoiceBody = z.infer<typeof pushInvoiceSchema>;

/** One invoice line, normalised: money in minor units, quantity and price as exact decimals. */
export interface SnapshotLine {
  readonly lineId: string;
  readonly itemCode: string | null;
  readonly itemName: string;
  readonly description: string | null;
  /** Decimal string, e.g. `"1.5"`. */
  readonly quantity: string;
  /** Decimal string in major units, e.g. `"95"` or `"12.125"`. */
  readonly unitPrice: string;
  /** Minor units. */
  readonly amount: number;
  readonly taxable: boolean;
  readonly taxCode: string | null;
  readonly serviceDate: string | null;
}

/** An invoice as TradelyHQ pushed it: what QBO must agree with. Money in minor units. */
export interface InvoiceSnapshot {
  readonly revision: number;
  readonly docNumber: string;
  readonly issueDate: string;
  readonly dueDate: string | null;
  readonly currency: string;
  /** Minor-unit digits of the currency. */
  readonly digits: number;
  /** The exchange rate TradelyHQ sent (normalised decimal string); absent when none was. */
  readonly exchangeRate?: string;
  readonly terms: string | null;
  readonly memo: string | null;
  readonly client: {
    readonly id: string;
    readonly displayName: string;
    readonly companyName: string | null;
    readonly email: string | null;
    readonly phone: string | null;
    readonly billingAddress: {
      readonly line1: string | null;
      readonly line2: string | null;
      readonly city: string | null;
      readonly region: string | null;
      readonly postalCode: string | null;
      readonly country: string | null;
    } | null;
  };
  readonly lines: readonly SnapshotLine[];
  /** Discount in minor units, or as a percentage (decimal string), or none. */
  readonly discount: { readonly amount: number } | { readonly percent: string } | null;
  readonly subtotal: number;
  readonly discountAmount: number;
  readonly tax: number;
  readonly total: number;
}

/** A problem in a push body, by path. */
export interface PushIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * Applies the money rules to a schema-valid body and normalises it: amounts parse in the
 * currency's minor unit, each line's amount is its quantity × unit price, the lines add up to the
 * subtotal, and subtotal − discount + tax = total. Every problem is reported, not only the first.
 *
 * @param body - a body that passed {@link pushInvoiceSchema}
 * @returns the snapshot, or the list of problems
 */
export function toSnapshot(body: PushInvoiceBody): InvoiceSnapshot | PushIssue[] {
  const issues: PushIssue[] = [];
  let unparsable = false;
  const digits = minorDigits(body.currency);
  const amount = (path: string, value: string | number): number => {
    const parsed = parseAmount(value, digits);
    if (typeof parsed === 'string') {
      issues.push({ path, message: `${parsed} (${body.currency})` });
      unparsable = true;
      return 0;
    }
    return parsed;
  };
  const scaled = (path: string, value: string | number): bigint => {
    const parsed = parseScaled(value);
    if (typeof parsed === 'string') {
      issues.push({ path, message: parsed });
      unparsable = true;
      return 0n;
    }
    return parsed;
  };

  const lines = body.lines.map((line, i): SnapshotLine => {
    const before = issues.length;
    const quantity = scaled(`lines.${i}.quantity`, line.quantity);
    const unitPrice = scaled(`lines.${i}.unitPrice`, line.unitPrice);
    const lineTotal = amount(`lines.${i}.amount`, line.amount);
    const expected = lineAmount(quantity, unitPrice, digits);
    if (issues.length === before && expected !== lineTotal) {
      issues.push({
        path: `lines.${i}.amount`,
        message: `is ${formatAmount(lineTotal, digits)} but quantity × unit price is ${formatAmount(expected, digits)}`,
      });
    }
    return {
      lineId: line.lineId,
      itemCode: line.itemCode ?? null,
      itemName: line.itemName,
      description: line.description ?? null,
      quantity: formatScaled(quantity),
      unitPrice: formatScaled(unitPrice),
      amount: lineTotal,
      taxable: line.taxable ?? false,
      taxCode: line.taxCode ?? null,
      serviceDate: line.serviceDate ?? null,
    };
  });
  const lineIds = new Set<string>();
  body.lines.forEach((line, i) => {
    if (lineIds.has(line.lineId))
      issues.push({ path: `lines.${i}.lineId`, message: 'is used twice' });
    lineIds.add(line.lineId);
  });

  const subtotal = amount('totals.subtotal', body.totals.subtotal);
  const tax = amount('totals.tax', body.totals.tax);
  const total = amount('totals.total', body.totals.total);
  let discount: InvoiceSnapshot['discount'] = null;
  let discountAmount = 0;
  if (body.discount && 'amount' in body.discount) {
    discountAmount = amount('discount.amount', body.discount.amount);
    discount = { amount: discountAmount };
  } else if (body.discount && 'percent' in body.discount) {
    const percent = scaled('discount.percent', body.discount.percent);
    if (percent > 100n * 10n ** 6n) {
      issues.push({ path: 'discount.percent', message: 'is over 100' });
    }
    // subtotal × percent / 100, rounded once, half up; percent carries 6 decimals.
    const divisor = 100n * 10n ** 6n;
    discountAmount = Number((BigInt(subtotal) * percent + divisor / 2n) / divisor);
    discount = { percent: formatScaled(percent) };
  }
  if (body.dueDate && body.dueDate < body.issueDate) {
    issues.push({ path: 'dueDate', message: 'is before the issue date' });
  }
  // Sums only make sense once every amount parsed.
  if (!unparsable) {
    const sum = lines.reduce((s, l) => s + l.amount, 0);
    if (sum !== subtotal) {
      issues.push({
        path: 'totals.subtotal',
        message: `is ${formatAmount(subtotal, digits)} but the lines add up to ${formatAmount(sum, digits)}`,
      });
    }
    if (discountAmount > subtotal) {
      issues.push({ path: 'discount', message: 'is larger than the subtotal' });
    }
    const expectedTotal = subtotal - discountAmount + tax;
    if (expectedTotal !== total) {
      issues.push({
        path: 'totals.total',
        message: `is ${formatAmount(total, digits)} but subtotal − discount + tax is ${formatAmount(expectedTotal, digits)}`,
      });
    }
  }
  if (issues.length > 0) return issues;
  return {
    revision: body.revision,
    docNumber: body.docNumber,
    issueDate: body.issueDate,
    dueDate: body.dueDate ?? null,
    currency: body.currency,
    digits,
    ...(body.exchangeRate ? { exchangeRate: normalRate(body.exchangeRate) } : {}),
    terms: body.terms ?? null,
    memo: body.memo ?? null,
    client: {
      id: body.client.id,
      displayName: body.client.displayName,
      companyName: body.client.companyName ?? null,
      email: body.client.email ?? null,
      phone: body.client.phone ?? null,
      billingAddress: body.client.billingAddress
        ? {
            line1: body.client.billingAddress.line1 ?? null,
            line2: body.client.billingAddress.line2 ?? null,
            city: body.client.billingAddress.city ?? null,
            region: body.client.billingAddress.region ?? null,
            postalCode: body.client.billingAddress.postalCode ?? null,
            country: body.client.billingAddress.country ?? null,
          }
        : null,
    },
    lines,
    discount,
    subtotal,
    discountAmount,
    tax,
    total,
  };
}
