/**
 * The console's "Send test invoice" (local mode): what TradelyHQ core would send on
 * "Authorize & Send" for the tenant's connected company, in its home currency, with the tax the
 * product itself predicts QuickBooks will book (`predictedTax` over the codes the tax code map
 * gives each line, as the push checks it) outside the US; in a US company TradelyHQ's own tax at
 * the rate the admin gives, which the push sends as it is.
 */
import * as z from 'zod';
import { type PushInvoiceBody, pushInvoiceSchema, toSnapshot } from '#shared/domain/invoice.ts';
import { formatAmount, minorDigits, parseAmount, parseScaled } from '#shared/domain/money.ts';
import { mappedCode, type TaxCodeRates, taxSetupNeeds, taxTreatment } from '#shared/domain/tax.ts';
import { predictedTax } from '#shared/domain/tax-rounding.ts';
import { AppError } from '#shared/errors.ts';
import { errorResponse, parseWith } from '#shared/http/api-handler.ts';
import { tenantFromClaims } from '#shared/http/tenant.ts';
import { readTaxCodes } from '#shared/qbo/tax-codes.ts';
import { type CompanyReadDeps, connectedCompany } from '#shared/use-cases/connected-company.ts';

/** What the form sends: the invoice's number, its client, its lines, a US company's tax rate. */
const inputSchema = z.strictObject({
  docNumber: z.string().min(1).max(21),
  client: z.string().trim().min(1).max(100),
  lines: z
    .array(
      z.strictObject({
        item: z.string().trim().min(1).max(100),
        amount: z.string().max(20),
        taxable: z.boolean(),
      }),
    )
    .min(1)
    .max(5),
  /** A US company's sales tax rate in percent: TradelyHQ core's own tax there. */
  usTaxRate: z.string().max(12).optional(),
});

/** The form's input. */
export type TestInvoiceInput = z.infer<typeof inputSchema>;

/**
 * `POST /_local/demo/test-invoice` (local mode, the console's bearer token): the push body of a
 * test invoice for the signed-in tenant, or an error body as the API would answer it.
 *
 * @param claims - the verified token's claims
 * @param body - the request body (JSON)
 */
export async function testInvoiceRoute(
  claims: Readonly<Record<string, string | number | boolean | string[]>>,
  body: unknown,
): Promise<{ readonly statusCode: number; readonly body: unknown }> {
  try {
    const tenantId = tenantFromClaims(claims);
    const input = parseWith(inputSchema, body, '(body)');
    // Loaded on first use: the runtime is ready by then.
    const { intuitServices } = await import('#shared/wiring/intuit-services.ts');
    return {
      statusCode: 200,
      body: await draftTestInvoice(await intuitServices(), tenantId, input),
    };
  } catch (err) {
    const answer = errorResponse(err);
    return { statusCode: answer.statusCode ?? 500, body: JSON.parse(String(answer.body ?? '{}')) };
  }
}

/**
 * The push body for a test invoice of the tenant's company, its tax predicted as the push does.
 *
 * @param deps - connections, and a QBO client for the tenant
 * @param tenantId - the signed-in tenant
 * @param input - the form
 * @throws AppError `setup_needed` when the tax code map lacks a code the lines need
 */
export async function draftTestInvoice(
  deps: CompanyReadDeps,
  tenantId: string,
  input: TestInvoiceInput,
): Promise<PushInvoiceBody> {
  const { connection, qbo } = await connectedCompany(deps, tenantId);
  const currency = connection.company?.homeCurrency ?? 'USD';
  const digits = minorDigits(currency);
  const money = (value: string, what: string) => {
    const minor = parseAmount(value, digits);
    if (typeof minor === 'string' || minor <= 0) {
      throw new AppError('invalid_input', 'invalid_amount', `${what}: an amount in ${currency}.`);
    }
    return minor;
  };
  const amounts = input.lines.map((l, i) => money(l.amount, `Line ${i + 1}`));
  const subtotal = amounts.reduce((a, b) => a + b, 0);
  const today = new Date().toISOString().slice(0, 10);
  const body = (tax: number): PushInvoiceBody =>
    pushInvoiceSchema.parse({
      revision: 1,
      docNumber: input.docNumber,
      issueDate: today,
      currency,
      memo: 'Sent from the reference console',
      client: {
        id: `cl_${input.client.toLowerCase().replace(/\W+/g, '_')}`,
        displayName: input.client,
      },
      lines: input.lines.map((line, i) => ({
        lineId: `ln_${i + 1}`,
        itemCode: line.item.toUpperCase().replace(/\W+/g, '-'),
        itemName: line.item,
        quantity: '1',
        unitPrice: formatAmount(amounts[i] as number, digits),
        amount: formatAmount(amounts[i] as number, digits),
        taxable: line.taxable,
      })),
      discount: null,
      totals: {
        subtotal: formatAmount(subtotal, digits),
        tax: formatAmount(tax, digits),
        total: formatAmount(subtotal + tax, digits),
      },
    });
  const untaxed = toSnapshot(body(0));
  if (Array.isArray(untaxed)) {
    throw new AppError('invalid_input', 'invalid_invoice', untaxed.map((i) => i.message).join(' '));
  }
  if (!connection.company || taxTreatment(connection.company) !== 'company-codes') {
    const rate = parseScaled(input.usTaxRate ?? '0');
    if (typeof rate === 'string') {
      throw new AppError('invalid_input', 'invalid_rate', 'The sales tax rate: a percentage.');
    }
    const taxable = untaxed.lines.filter((l) => l.taxable).reduce((a, l) => a + l.amount, 0);
    // Half-up, in minor units: TradelyHQ core's own rounding of its tax.
    const scaledTax = BigInt(taxable) * rate;
    const unit = 100n * 1_000_000n;
    return body(Number((scaledTax + unit / 2n) / unit));
  }
  const codes = await readTaxCodes(qbo);
  const byId = new Map(codes.map((c) => [c.id, c]));
  const chosen = untaxed.lines.map((line) =>
    byId.get(mappedCode(line, connection.taxCodeMap ?? {}, (id) => byId.has(id)) ?? ''),
  );
  if (chosen.some((c) => c === undefined)) {
    const needs = taxSetupNeeds(connection.company, connection.taxCodeMap);
    throw new AppError(
      'conflict',
      'setup_needed',
      needs.map((n) => n.message).join(' ') ||
        'Choose a QuickBooks tax code for each kind of line.',
    );
  }
  return body(predictedTax(untaxed, chosen as TaxCodeRates[]));
}
