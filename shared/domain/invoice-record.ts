import type { InvoiceSnapshot } from './invoice.ts';
import type { HistoryEntry, InvoiceStatus } from './invoice-status.ts';

/** An invoice this stack has been asked to push, with its QBO mapping and sync state. */
export interface InvoiceRecord {
  readonly tenantId: string;
  readonly invoiceId: string;
  /** The newest revision TradelyHQ sent; `snapshot` is that revision. */
  readonly revision: number;
  readonly snapshot: InvoiceSnapshot;
  readonly status: InvoiceStatus;
  /** The QBO company it was pushed to. */
  readonly realmId: string | null;
  readonly qboInvoiceId: string | null;
  readonly qboDocNumber: string | null;
  readonly syncToken: string | null;
  /** The revision QBO has, once pushed. */
  readonly pushedRevision: number | null;
  /** Open balance in QBO, minor units. */
  readonly balance: number | null;
  /** QBO's TotalAmt, minor units. */
  readonly qboTotal: number | null;
  /**
   * The ExchangeRate the last push sent to QBO (home-currency units per one unit of the invoice's
   * currency, a decimal string): TradelyHQ's, or QBO's own for the invoice date. Null or absent
   * when none was sent (a home-currency invoice).
   */
  readonly exchangeRate?: string | null;
  /** The `requestid` of a create whose answer was lost: look the invoice up before creating. */
  readonly pendingCreate: string | null;
  /** Waiting for a reconnect (the grant died); goes out again when the tenant reconnects. */
  readonly parked: boolean;
  readonly lastError: { readonly code: string; readonly message: string } | null;
  /** Things an admin may want to know (e.g. the customer was created with a suffixed name). */
  readonly notices: readonly string[];
  readonly history: readonly HistoryEntry[];
  readonly createdAt: string;
  readonly updatedAt: string;
  /** How many times it was re-created in QBO after a delete there (part of its requestid). */
  readonly recreations?: number;
  /**
   * How many creates QBO refused (a 400 fault): part of its requestid, so the create after a fix
   * is not answered with the replayed refusal.
   */
  readonly refusedCreates?: number;
  /**
   * The QBO Customer and Item Ids (per line, in order) of the last revision pushed: what the drift
   * check expects in QBO without reading the mappings again (a merge in QBO re-links them; then
   * the mappings are read).
   */
  readonly pushedRefs?: { readonly customerId: string; readonly itemIds: readonly string[] };
  /**
   * Its push queue lane, chosen at its first revision (`pushLane`) and kept, so every revision goes
   * through the same message group in order; records from before lanes have none.
   */
  readonly lane?: number;
  /**
   * When (epoch ms, this stack's clock) the QBO read last applied to this record was sent: a
   * change notice received before it is already reflected (see `apply-qbo-change.ts`).
   */
  readonly qboReadAt?: number;
  /** Optimistic-concurrency version of this record. */
  readonly version: number;
}
