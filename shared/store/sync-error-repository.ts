import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type {
  DiffEntry,
  SyncError,
  SyncErrorKind,
  SyncRefusal,
} from '#shared/domain/sync-error.ts';
import { documentClient } from './dynamo.ts';
import { tenantPk } from './keys.ts';
import { pageOf } from './paging.ts';
import { type ItemRef, ReadAhead, readItem } from './read-ahead.ts';

const errorSk = (invoiceId: string) => `SYNCERROR#${invoiceId}`;

/** An entry without the table's keys: they never leave the store, so never reach an API answer. */
function withoutKeys(item: Record<string, unknown>): SyncError {
  const { pk: _pk, sk: _sk, ...entry } = item;
  return entry as unknown as SyncError;
}

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
  async get(
    tenantId: string,
    invoiceId: string,
    ahead: ReadAhead = ReadAhead.none,
  ): Promise<SyncError | undefined> {
    const item = await readItem(this.ref(tenantId, invoiceId), ahead);
    return item ? withoutKeys(item) : undefined;
  }

  /**
   * The invoice's sync error item, to read it ahead with others ({@link ReadAhead}).
   *
   * @param tenantId - the tenant
   * @param invoiceId - the invoice
   */
  ref(tenantId: string, invoiceId: string): ItemRef {
    return { tableName: this.tableName, key: { pk: tenantPk(tenantId), sk: errorSk(invoiceId) } };
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
      refusal?: SyncRefusal;
    },
    now: string,
  ): Promise<SyncError> {
    const existing = await this.get(tenantId, invoiceId);
    // An admin accepted or dismissed exactly this disagreement: it stays resolved.
    const resolved = existing?.state === 'accepted' || existing?.state === 'dismissed';
    if (
      existing &&
      resolved &&
      existing.kind === entry.kind &&
      sameDiff(existing.diff, entry.diff ?? [])
    ) {
      return existing;
    }
    const stillOpen = existing?.state === 'open';
    const error: SyncError = {
      tenantId,
      id: invoiceId,
      invoiceId,
      docNumber: entry.docNumber,
      kind: entry.kind,
      message: entry.message,
      ...(entry.refusal ? { refusal: entry.refusal } : {}),
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
   * Marks an open entry accepted (QBO's values stand) or dismissed, with who, when and why.
   *
   * @param tenantId - the tenant
   * @param invoiceId - TradelyHQ's invoice id
   * @param resolution - the new state and its record
   * @returns the entry, or `undefined` when there is no open one
   */
  async resolve(
    tenantId: string,
    invoiceId: string,
    resolution: { state: 'accepted' | 'dismissed'; by: string; at: string; reason: string | null },
  ): Promise<SyncError | undefined> {
    const existing = await this.get(tenantId, invoiceId);
    if (existing?.state !== 'open') return undefined;
    const resolved: SyncError = {
      ...existing,
      state: resolution.state,
      resolvedBy: resolution.by,
      resolvedAt: resolution.at,
      resolution: resolution.reason,
    };
    await documentClient.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: tenantPk(tenantId), sk: errorSk(invoiceId), ...resolved },
      }),
    );
    return resolved;
  }

  /**
   * Lists a tenant's entries, a page at a time.
   *
   * @param tenantId - the tenant
   * @param options - state and kind filters, page size, cursor of the previous page
   */
  async list(
    tenantId: string,
    options: { state?: SyncError['state']; kind?: SyncErrorKind; limit: number; cursor?: string },
  ): Promise<{ items: SyncError[]; cursor: string | null }> {
    const filters: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> & { ':prefix': string } = { ':prefix': 'SYNCERROR#' };
    if (options.state) {
      filters.push('#state = :state');
      names['#state'] = 'state';
      values[':state'] = options.state;
    }
    if (options.kind) {
      filters.push('#kind = :kind');
      names['#kind'] = 'kind';
      values[':kind'] = options.kind;
    }
    const page = await pageOf<Record<string, unknown>>(this.tableName, {
      tenantId,
      filters,
      names,
      values,
      ...options,
    });
    return { ...page, items: page.items.map(withoutKeys) };
  }

  /**
   * How many of the tenant's entries are open (what its Sync Errors panel shows by default).
   *
   * @param tenantId - the tenant
   */
  async countOpen(tenantId: string): Promise<number> {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await documentClient.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          FilterExpression: '#state = :open',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':pk': tenantPk(tenantId),
            ':prefix': 'SYNCERROR#',
            ':open': 'open',
          },
          Select: 'COUNT',
          ExclusiveStartKey: startKey,
        }),
      );
      count += out.Count ?? 0;
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return count;
  }

  /**
   * Closes the invoice's entry if it is open (QBO and TradelyHQ agree again).
   *
   * @param tenantId - the tenant
   * @param invoiceId - TradelyHQ's invoice id
   * @param kinds - close only entries of these kinds; omitted: any kind
   * @param ahead - items read ahead, if the entry is among them
   */
  async close(
    tenantId: string,
    invoiceId: string,
    kinds?: readonly SyncErrorKind[],
    ahead: ReadAhead = ReadAhead.none,
  ): Promise<void> {
    const existing = await this.get(tenantId, invoiceId, ahead);
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

/** Two diffs say the same (DynamoDB does not keep the order of a map's keys). */
function sameDiff(a: readonly DiffEntry[], b: readonly DiffEntry[]): boolean {
  const text = (d: readonly DiffEntry[]) =>
    d.map((e) => JSON.stringify([e.field, e.tradelyhq, e.quickbooks])).join('\n');
  return text(a) === text(b);
}
