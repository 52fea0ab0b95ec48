/**
 * Why an invoice is in the Sync Errors panel, every kind once: the API's `kind` filter and the
 * console's labels are built from this list. `duplicate_doc_number`: QBO refused the invoice's
 * number because another QBO invoice has it (6140).
 */
export const SYNC_ERROR_KINDS = [
  'drift',
  'push_failed',
  'validation',
  'total_mismatch',
  'missing_in_quickbooks',
  'deleted_in_quickbooks',
  'auth',
  'duplicate_doc_number',
] as const;

/** One of {@link SYNC_ERROR_KINDS}. */
export type SyncErrorKind = (typeof SYNC_ERROR_KINDS)[number];

/** Fields of a drift whose QuickBooks value an admin may keep (`POST /sync-errors/{id}/accept`). */
export const ACCEPTABLE_FIELDS: ReadonlySet<string> = new Set(['memo', 'dueDate']);

/** One field where TradelyHQ and QBO disagree. */
export interface DiffEntry {
  readonly field: string;
  readonly tradelyhq: string | null;
  readonly quickbooks: string | null;
}

/** Who refused a push, and the stable code of the refusal. */
export interface SyncRefusal {
  readonly by: 'tradelyhq' | 'quickbooks';
  readonly code: string;
}

/** An entry of the Sync Errors panel: one per invoice at most. */
export interface SyncError {
  readonly tenantId: string;
  /** Stable id: the invoice id (one open error per invoice). */
  readonly id: string;
  readonly invoiceId: string;
  readonly docNumber: string | null;
  readonly kind: SyncErrorKind;
  readonly message: string;
  /**
   * For a push that was refused: by TradelyHQ before anything was sent (a setting or the invoice
   * to change), or by QuickBooks (its message is then in QuickBooks' own words), with the stable
   * code (TradelyHQ's, e.g. `tax_code_unmapped`, or QuickBooks' fault code, e.g. `6000`).
   */
  readonly refusal?: SyncRefusal;
  readonly diff: readonly DiffEntry[];
  /** ISO-8601 instants. */
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** How many times it was seen (pushes, reconcile runs). */
  readonly attempts: number;
  readonly state: 'open' | 'closed' | 'dismissed' | 'accepted';
  /** Who accepted or dismissed it (the admin's JWT subject), when, and why. */
  readonly resolvedBy?: string;
  readonly resolvedAt?: string;
  readonly resolution?: string | null;
}
