import { PutCommand, type PutCommandInput, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { InvoiceSnapshot } from '#shared/domain/invoice.ts';
import type { InvoiceRecord } from '#shared/domain/invoice-record.ts';
import {
  HISTORY_LIMIT,
  type HistoryEntry,
  type InvoiceStatus,
} from '#shared/domain/invoice-status.ts';
import type { EventDraft } from '#shared/ports/event-publisher.ts';
import { messageGroup, pushLane } from '#shared/ports/push-queue.ts';
import { conditionHeld, documentClient, writeTogether } from './dynamo.ts';
import { tenantPk } from './keys.ts';
import { eventOf, OutboxRepository } from './outbox-repository.ts';
import { pageOf } from './paging.ts';
import { type ItemRef, ReadAhead, readItem } from './read-ahead.ts';
import { REALM_INDEX } from './tables.ts';

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
    | 'exchangeRate'
    | 'pendingCreate'
    | 'parked'
    | 'lastError'
    | 'notices'
    | 'recreations'
    | 'refusedCreates'
    | 'pushedRefs'
    | 'qboReadAt'
  >
>;

/** What happened to a pushed revision. */
export type AcceptResult = 'accepted' | 'duplicate' | 'stale';

const invoiceSk = (invoiceId: string) => `INVOICE#${invoiceId}`;
/** Backlog-index partition of a push message group (the realm index, which no realm key uses so). */
const backlogPk = (tenantId: string, group: string) => `BACKLOG#${tenantPk(tenantId)}#${group}`;

/** Invoice records in the sync-state table, one per TradelyHQ invoice. */
export class InvoiceRepository {
  private readonly outbox: OutboxRepository;

  /** @param tableName - the sync-state table's physical name */
  constructor(private readonly tableName: string) {
    this.outbox = new OutboxRepository(tableName);
  }

  /**
   * Writes a record's conditional put, with its event in the outbox in the same transaction when
   * there is one, so the event exists exactly when the change does.
   *
   * @returns whether the condition held
   */
  private async write(
    put: Omit<PutCommandInput, 'TableName'>,
    next: InvoiceRecord,
    event: EventDraft | undefined,
  ): Promise<boolean> {
    const input = { TableName: this.tableName, ...put };
    if (!event) return conditionHeld(documentClient.send(new PutCommand(input)));
    const refused = await writeTogether([
      { Put: input },
      this.outbox.putItem(eventOf(next, event, next.updatedAt)),
    ]);
    return refused.length === 0;
  }

  private key(tenantId: string, invoiceId: string) {
    return { pk: tenantPk(tenantId), sk: invoiceSk(invoiceId) };
  }

  /**
   * The invoice's item, to read it ahead with others ({@link ReadAhead}).
   *
   * @param tenantId - the tenant
   * @param invoiceId - TradelyHQ's invoice id
   */
  ref(tenantId: string, invoiceId: string): ItemRef {
    return { tableName: this.tableName, key: this.key(tenantId, invoiceId) };
  }

  /**
   * Reads one invoice.
   *
   * @param tenantId - the tenant
   * @param invoiceId - TradelyHQ's invoice id
   * @param ahead - items read ahead, if it is among them
   */
  async get(
    tenantId: string,
    invoiceId: string,
    ahead: ReadAhead = ReadAhead.none,
  ): Promise<InvoiceRecord | undefined> {
    const item = await readItem(this.ref(tenantId, invoiceId), ahead);
    if (!item) return undefined;
    const { realmPk: _realmPk, realmSk: _realmSk, ...record } = item;
    return record as unknown as InvoiceRecord;
  }

  /**
   * Invoices of a push message group that wait for their first create (oldest first), from the
   * backlog index: eventually consistent, so a caller re-reads each before it acts on it.
   *
   * @param tenantId - the tenant
   * @param group - the push queue's message group (`messageGroup`)
   * @param limit - at most this many
   */
  async backlog(tenantId: string, group: string, limit: number): Promise<string[]> {
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: REALM_INDEX,
        KeyConditionExpression: 'realmPk = :group',
        ExpressionAttributeValues: { ':group': backlogPk(tenantId, group) },
        ProjectionExpression: 'invoiceId',
        Limit: limit,
      }),
    );
    return Items.map((i) => String(i.invoiceId));
  }

  /** The item written for a record: its keys, its fields, and its backlog index entry if any. */
  private item(record: InvoiceRecord): Record<string, unknown> {
    const waiting =
      record.status === 'queued' &&
      !record.parked &&
      record.qboInvoiceId === null &&
      record.pendingCreate === null &&
      record.lastError === null &&
      !record.refusedCreates;
    const group = messageGroup(record);
    return {
      ...this.key(record.tenantId, record.invoiceId),
      ...record,
      // In the backlog index while it waits for its first create (a batch may take it).
      ...(waiting
        ? {
            realmPk: backlogPk(record.tenantId, group),
            realmSk: `${record.updatedAt}#${record.invoiceId}`,
          }
        : {}),
    };
  }

  /**
   * Stores a pushed revision if it is newer than what is stored. The same revision again changes
   * nothing; an older one is ignored.
   *
   * @param tenantId - the tenant
   * @param invoiceId - TradelyHQ's invoice id
   * @param snapshot - the validated revision
   * @param now - ISO-8601 instant
   * @param ahead - items read ahead, if the invoice is among them
   * @param event - the event to write with an accepted revision (its outbox item)
   * @returns what happened, and the invoice as it is now
   */
  async accept(
    tenantId: string,
    invoiceId: string,
    snapshot: InvoiceSnapshot,
    now: string,
    ahead: ReadAhead = ReadAhead.none,
    event?: EventDraft,
  ): Promise<{ result: AcceptResult; record: InvoiceRecord }> {
    const existing = await this.get(tenantId, invoiceId, ahead);
    if (existing && existing.revision === snapshot.revision) {
      return { result: 'duplicate', record: existing };
    }
    if (existing && existing.revision > snapshot.revision)
      return { result: 'stale', record: existing };
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
      // Chosen once: a later revision (renumbered or not) stays in the same message group.
      ...(existing
        ? existing.lane === undefined
          ? {}
          : { lane: existing.lane }
        : { lane: pushLane(invoiceId, snapshot.docNumber) }),
    };
    const written = await this.write(
      {
        Item: this.item(record),
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
      },
      record,
      event,
    );
    if (written) return { result: 'accepted', record };
    return this.accept(tenantId, invoiceId, snapshot, now, ReadAhead.none, event);
  }

  /**
   * Changes a record that is still at the version the caller read, appending a history entry
   * when the status changes.
   *
   * @param record - the record as read
   * @param changes - the fields to change
   * @param now - ISO-8601 instant
   * @param note - a note for the history entry
   * @param event - the event that reports the change, written with it (its outbox item)
   * @returns the new record, or `undefined` when someone changed it meanwhile
   */
  async update(
    record: InvoiceRecord,
    changes: InvoiceChanges,
    now: string,
    note?: string,
    event?: EventDraft,
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
    const written = await this.write(
      {
        Item: this.item(next),
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':version': record.version },
      },
      next,
      event,
    );
    return written ? next : undefined;
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
