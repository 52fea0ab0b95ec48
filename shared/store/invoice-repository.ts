import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { InvoiceSnapshot } from '#shared/domain/invoice.ts';
import type { InvoiceRecord } from '#shared/domain/invoice-record.ts';
import {
  HISTORY_LIMIT,
  type HistoryEntry,
  type InvoiceStatus,
} from '#shared/domain/invoice-status.ts';
import { documentClient } from './dynamo.ts';
import { tenantPk } from './keys.ts';
import { pageOf } from './paging.ts';

export type { InvoiceRecord };

/** The fields a worker may change. */
export type InvoiceChanges = Partial<
  Pick<
    InvoiceRecord,
    | 'status'
    | 'realmId'
    | 'qboInvoiceId'
    | 'qboDocNumber'
    | 'syncToken'
    | 'pushedRevision'
    | 'balance'
    | 'qboTotal'
    | 'pendingCreate'
    | 'parked'
    | 'lastError'
    | 'notices'
    | 'recreations'
    | 'refusedCreates'
  >
>;

/** What happened to a pushed revision. */
export type AcceptResult = 'accepted' | 'duplicate' | 'stale';

const invoiceSk = (invoiceId: string) => `INVOICE#${invoiceId}`;

/** Invoice records in the sync-state table, one per TradelyHQ invoice. */
export class InvoiceRepository {
  /** @param tableName - the sync-state table's physical name */
  constructor(private readonly tableName: string) {}

  private key(tenantId: string, invoiceId: string) {
    return { pk: tenantPk(tenantId), sk: invoiceSk(invoiceId) };
  }

  /**
   * Reads one invoice.
   *
   * @param tenantId - the tenant
   * @param invoiceId - TradelyHQ's invoice id
   */
  async get(tenantId: string, invoiceId: string): Promise<InvoiceRecord | undefined> {
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: this.tableName,
        Key: this.key(tenantId, invoiceId),
        ConsistentRead: true,
      }),
    );
    return Item as InvoiceRecord | undefined;
  }

  /**
   * Stores a pushed revision if it is newer than what is stored. The same revision again changes
   * nothing; an older one is ignored.
   *
   * @param tenantId - the tenant
   * @param invoiceId - TradelyHQ's invoice id
   * @param snapshot - the validated revision
   * @param now - ISO-8601 instant
   */
  async accept(
    tenantId: string,
    invoiceId: string,
    snapshot: InvoiceSnapshot,
    now: string,
  ): Promise<AcceptResult> {
    const existing = await this.get(tenantId, invoiceId);
    if (existing && existing.revision === snapshot.revision) return 'duplicate';
    if (existing && existing.revision > snapshot.revision) return 'stale';
    const entry: HistoryEntry = { at: now, status: 'queued', revision: snapshot.revision };
    const record: InvoiceRecord = {
      tenantId,
      invoiceId,
      revision: snapshot.revision,
      snapshot,
      status: 'queued',
      realmId: existing?.realmId ?? null,
      qboInvoiceId: existing?.qboInvoiceId ?? null,
      qboDocNumber: existing?.qboDocNumber ?? null,
      syncToken: existing?.syncToken ?? null,
      pushedRevision: existing?.pushedRevision ?? null,
      balance: existing?.balance ?? null,
      qboTotal: existing?.qboTotal ?? null,
      pendingCreate: existing?.pendingCreate ?? null,
      parked: false,
      lastError: null,
      notices: existing?.notices ?? [],
      history: [...(existing?.history ?? []), entry].slice(-HISTORY_LIMIT),
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      version: (existing?.version ?? 0) + 1,
    };
    try {
      await documentClient.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.key(tenantId, invoiceId), ...record },
          // Written over exactly what was read: a concurrent push of another revision retries.
          ConditionExpression: existing
            ? '#version = :version AND #revision < :revision'
            : 'attribute_not_exists(pk)',
          ...(existing
            ? {
                ExpressionAttributeNames: { '#version': 'version', '#revision': 'revision' },
                ExpressionAttributeValues: {
                  ':version': existing.version,
                  ':revision': snapshot.revision,
                },
              }
            : {}),
        }),
      );
      return 'accepted';
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        return this.accept(tenantId, invoiceId, snapshot, now);
      }
      throw err;
    }
  }

  /**
   * Changes a record that is still at the version the caller read, appending a history entry
   * when the status changes.
   *
   * @param record - the record as read
   * @param changes - the fields to change
   * @param now - ISO-8601 instant
   * @param note - a note for the history entry
   * @returns the new record, or `undefined` when someone changed it meanwhile
   */
  async update(
    record: InvoiceRecord,
    changes: InvoiceChanges,
    now: string,
    note?: string,
  ): Promise<InvoiceRecord | undefined> {
    const statusChanged = changes.status !== undefined && changes.status !== record.status;
    const history = statusChanged
      ? [
          ...record.history,
          {
            at: now,
            status: changes.status as InvoiceStatus,
            revision: record.revision,
            ...(note ? { note } : {}),
          },
        ].slice(-HISTORY_LIMIT)
      : record.history;
    const next: InvoiceRecord = {
      ...record,
      ...changes,
      history,
      updatedAt: now,
      version: record.version + 1,
    };
    try {
      await documentClient.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.key(record.tenantId, record.invoiceId), ...next },
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': record.version },
        }),
      );
      return next;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  /**
   * Lists a tenant's invoices, a page at a time, optionally by status or only parked ones.
   *
   * @param tenantId - the tenant
   * @param options - status filter, page size, and the cursor of the previous page
   */
  list(
    tenantId: string,
    options: { status?: InvoiceStatus; limit: number; cursor?: string; parkedOnly?: boolean },
  ): Promise<{ items: InvoiceRecord[]; cursor: string | null }> {
    const filters: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> & { ':prefix': string } = { ':prefix': 'INVOICE#' };
    if (options.status) {
      filters.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = options.status;
    }
    if (options.parkedOnly) {
      filters.push('parked = :true');
      values[':true'] = true;
    }
    return pageOf<InvoiceRecord>(this.tableName, { tenantId, filters, names, values, ...options });
  }
}
