/**
 * What QBO's 6140 "Duplicate Document Number Error" says about the sales form that holds a
 * number: "… DocNumber=1234 is assigned to TxnType=Credit Memo with TxnId=111" (Clio's knowledge
 * base, "QuickBooks Online Error Code (6140)"; the same wording with `TxnType=Invoice` in a
 * QBO answer of 2020 quoted in the Stack Overflow question "code 6140 Duplicate Document Number
 * Error").
 */
export interface NumberHolder {
  /** The form's type as QBO spelled it (`Invoice`, `Credit Memo`, …); absent in older wording. */
  readonly txnType?: string;
  /** The form's Id (its `txnId` in QBO's own links). */
  readonly txnId: string;
}

const WITH_TYPE = /TxnType=\s*([^=]+?)\s+with\s+TxnId=\s*(\w+)/i;
const ID_ONLY = /TxnId=\s*(\w+)/i;

/**
 * Reads the holder of a number from a 6140 fault's Detail.
 *
 * @param detail - the fault's Detail, as QBO sent it
 * @returns the holder's type (when named) and Id, or `undefined` when the Detail names neither
 */
export function numberHolderOf(detail: string | undefined): NumberHolder | undefined {
  if (!detail) return undefined;
  const typed = WITH_TYPE.exec(detail);
  if (typed?.[1] && typed[2]) return { txnType: typed[1], txnId: typed[2] };
  const id = ID_ONLY.exec(detail)?.[1];
  return id ? { txnId: id } : undefined;
}
