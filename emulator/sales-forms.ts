/**
 * The sales forms other than invoices that hold a custom transaction number: credit memos and
 * sales receipts, seeded through the admin API as a bookkeeper enters them in QBO. The Accounting
 * API does not serve them here; they exist so that a number one of them holds is refused (6140)
 * to an invoice, naming the form, as QBO does (emulator/README.md, "Company profiles").
 */

import * as z from 'zod';
import { AdminError } from './errors.ts';
import { type CompanyState, type Entity, systemFields } from './state.ts';

/** The seeded sales forms, by admin collection. */
export const SALES_FORM_COLLECTIONS = {
  creditmemos: 'CreditMemo',
  salesreceipts: 'SalesReceipt',
} as const;

/** A sales form the admin API seeds. */
export type SalesFormName = (typeof SALES_FORM_COLLECTIONS)[keyof typeof SALES_FORM_COLLECTIONS];

/** A company's seeded sales forms (absent in state files from before them: none). */
export interface SalesForms {
  nextId: number;
  CreditMemo: Record<string, Entity>;
  SalesReceipt: Record<string, Entity>;
}

/**
 * `TxnType` as QBO's 6140 Detail names each form that can hold a number. "Credit Memo" is
 * Clio's recorded Detail; "Sales Receipt" follows QBO's spelling of the type (unconfirmed).
 */
const TXN_TYPE: Record<'Invoice' | SalesFormName, string> = {
  Invoice: 'Invoice',
  CreditMemo: 'Credit Memo',
  SalesReceipt: 'Sales Receipt',
};

const salesFormSchema = z.looseObject({
  DocNumber: z.union([z.string(), z.number()]).transform((n) => String(n).trim()),
  TxnDate: z.iso.date().optional(),
  TotalAmt: z.number().min(0).optional(),
  CustomerRef: z.object({ value: z.union([z.string(), z.number()]).transform(String) }).optional(),
  PrivateNote: z.string().max(4000).optional(),
});

function formsOf(company: CompanyState): SalesForms {
  company.salesForms ??= { nextId: 1, CreditMemo: {}, SalesReceipt: {} };
  return company.salesForms;
}

/**
 * Seeds one credit memo or sales receipt from QBO JSON (a `DocNumber` is required; the rest is
 * kept as sent). Not checked against other numbers: QBO's forms only warn a bookkeeper about a
 * number already used (Intuit Community, "Change the number on invoices or other transactions").
 *
 * @param company - the company
 * @param form - CreditMemo or SalesReceipt
 * @param body - the form as QBO JSON
 * @param now - emulator ms
 * @throws AdminError 400 when the body is not a form with a number
 */
export function seedSalesForm(
  company: CompanyState,
  form: SalesFormName,
  body: unknown,
  now: number,
): Entity {
  const parsed = salesFormSchema.safeParse(body);
  if (!parsed.success) throw new AdminError(400, z.prettifyError(parsed.error));
  if (parsed.data.DocNumber === '') throw new AdminError(400, 'DocNumber must not be empty');
  const forms = formsOf(company);
  const id = String(forms.nextId++);
  const record: Entity = {
    ...parsed.data,
    ...systemFields(id, now),
    TxnDate: parsed.data.TxnDate ?? new Date(now).toISOString().slice(0, 10),
    TotalAmt: parsed.data.TotalAmt ?? 0,
  };
  forms[form][id] = record;
  return record;
}

/**
 * A company's seeded forms of one kind, by Id.
 *
 * @param company - the company
 * @param form - CreditMemo or SalesReceipt
 */
export function salesFormsOf(company: CompanyState, form: SalesFormName): Entity[] {
  return Object.values(company.salesForms?.[form] ?? {}).sort(
    (a, b) => Number(a.Id) - Number(b.Id),
  );
}

/**
 * The sales form that holds a number, compared without case: an invoice (other than the one
 * being saved), a credit memo or a sales receipt. Custom transaction numbers cover all of a
 * company's sales forms (Intuit Community, "Change the number on invoices or other
 * transactions"), and 6140 names a credit memo holding an invoice's number (Clio's knowledge
 * base, "QuickBooks Online Error Code (6140)").
 *
 * @param company - the company
 * @param docNumber - the number
 * @param invoiceId - the invoice being saved
 * @returns the holder's `TxnType` as 6140 spells it and its Id, or `undefined`
 */
export function numberHolder(
  company: CompanyState,
  docNumber: string,
  invoiceId: string,
): { readonly txnType: string; readonly id: string } | undefined {
  const wanted = docNumber.toLowerCase();
  const candidates: [keyof typeof TXN_TYPE, Entity[]][] = [
    ['Invoice', Object.values(company.entities.Invoice).filter((i) => i.Id !== invoiceId)],
    ['CreditMemo', salesFormsOf(company, 'CreditMemo')],
    ['SalesReceipt', salesFormsOf(company, 'SalesReceipt')],
  ];
  for (const [form, records] of candidates) {
    const holder = records.find((r) => String(r.DocNumber ?? '').toLowerCase() === wanted);
    if (holder) return { txnType: TXN_TYPE[form], id: holder.Id };
  }
  return undefined;
}
