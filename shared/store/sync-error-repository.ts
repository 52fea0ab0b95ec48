import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DiffEntry, SyncError, SyncErrorKind } from '#shared/domain/sync-error.ts';
import { documentClient } from './dynamo.ts';
import { tenantPk } from './keys.ts';

const errorSk = (invoiceId: string) => `SYNCERROR#${invoiceId}`;

/**
 * The Sync Errors panel's entries: one per invoice, so an invoice never appears twice. Opening an
 * error that is already open updates it (kind, message, diff, last seen, attempts).
 */
export class SyncErrorRepository {
  /** @param tableName - the sync-state table's physical name */
  constructor(private readonly tableName: string) {}

  /**
   * Reads the entry of an invoice, open or not.
   *
   * @param tenantId - the tenant
   * @param invoiceId - TradelyHQ's invoice id
   */
  async get(tenantId: string, invoiceId: string): Promise<SyncError | undefined> {
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: tenantPk(tenantId), sk: errorSk(invoiceId) },
        ConsistentRead: true,
      }),
    );
    return Item as SyncError | undefined;
  }

  /**
   * Opens (or refreshes) the invoice's entry.
   *
   * @param tenantId - the tenant
   * @param invoiceId - TradelyHQ's invoice id
   * @param entry - what is wrong
   * @param now - ISO-8601 instant
   */
  async open(
    tenantId: string,
    invoiceId: string,
    entry: {
      kind: SyncErrorKind;
      message: string;
      docNumber: string | null;
      diff?: readonly DiffEntry[];
    },
    now: string,
  ): Promise<SyncError> {
    const existing = await this.get(tenantId, invoiceId);
    const stillOpen = existing?.state === 'open';
    const error: SyncError = {
      tenantId,
      id: invoiceId,
      invoiceId,
      docNumber: entry.docNumber,
      kind: entry.kind,
      message: entry.message,
      diff: entry.diff ?? [],
      firstSeen: stillOpen ? existing.firstSeen : now,
      lastSeen: now,
      attempts: stillOpen ? existing.attempts + 1 : 1,
      state: 'open',
    };
    await documentClient.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: tenantPk(tenantId), sk: errorSk(invoiceId), ...error },
      }),
    );
    return error;
  }

  /**
   * Closes the invoice's entry if it is open (QBO and TradelyHQ agree again).
   *
   * @param tenantId - the tenant
   * @param invoiceId - TradelyHQ's invoice id
   * @param kinds - close only entries of these kinds; omitted: any kind
   */
  async close(
    tenantId: string,
    invoiceId: string,
    kinds?: readonly SyncErrorKind[],
  ): Promise<void> {
    const existing = await this.get(tenantId, invoiceId);
    if (existing?.state !== 'open') return;
    if (kinds && !kinds.includes(existing.kind)) return;
    await documentClient.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: tenantPk(tenantId), sk: errorSk(invoiceId), ...existing, state: 'closed' },
      }),
    );
  }
}
