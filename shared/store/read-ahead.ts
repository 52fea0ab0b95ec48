import { BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamo.ts';

/** One item of a table, by its key. */
export interface ItemRef {
  readonly tableName: string;
  readonly key: { readonly pk: string; readonly sk: string };
}

/** BatchGetItem's limit of keys per request. */
const MAX_KEYS = 100;

const id = (ref: ItemRef) => `${ref.tableName}\n${ref.key.pk}\n${ref.key.sk}`;

/**
 * Items a use case knows it will read, read together in one strongly consistent `BatchGetItem`
 * (one request instead of one `GetItem` each, the same read units). Each item stands in for the
 * next read of it through {@link readItem} once: a later read of the same item goes to the
 * table again, so a use case that re-reads on purpose (after a conditional write failed, to see a
 * reconnect) still sees the newest item.
 */
export class ReadAhead {
  private constructor(private readonly items: Map<string, Record<string, unknown> | undefined>) {}

  /** Nothing read ahead: every read goes to the table. */
  static readonly none = new ReadAhead(new Map());

  /**
   * Reads the items (absent ones are remembered as absent).
   *
   * @param refs - the items, in any tables
   */
  static async of(refs: readonly ItemRef[]): Promise<ReadAhead> {
    const unique = [...new Map(refs.map((r) => [id(r), r])).values()];
    const items = new Map<string, Record<string, unknown> | undefined>(
      unique.map((r) => [id(r), undefined]),
    );
    for (let i = 0; i < unique.length; i += MAX_KEYS) {
      let pending: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: true }> = {};
      for (const ref of unique.slice(i, i + MAX_KEYS)) {
        pending[ref.tableName] ??= { Keys: [], ConsistentRead: true };
        pending[ref.tableName]?.Keys.push({ ...ref.key });
      }
      while (Object.keys(pending).length > 0) {
        const out = await documentClient.send(new BatchGetCommand({ RequestItems: pending }));
        for (const [tableName, rows] of Object.entries(out.Responses ?? {})) {
          for (const row of rows) {
            items.set(id({ tableName, key: { pk: String(row.pk), sk: String(row.sk) } }), row);
          }
        }
        // Keys DynamoDB did not get to this time (throttling, size) are asked for again.
        pending = (out.UnprocessedKeys ?? {}) as typeof pending;
      }
    }
    return new ReadAhead(items);
  }

  /**
   * The item as read ahead, once; `undefined` when it was not read ahead (or already handed out).
   *
   * @param ref - the item
   */
  take(ref: ItemRef): { readonly item: Record<string, unknown> | undefined } | undefined {
    const key = id(ref);
    if (!this.items.has(key)) return undefined;
    const item = this.items.get(key);
    this.items.delete(key);
    return { item };
  }
}

/**
 * One item, strongly consistent: from `ahead` if it was read ahead there, else by `GetItem`.
 *
 * @param ref - the item
 * @param ahead - items read ahead
 */
export async function readItem(
  ref: ItemRef,
  ahead: ReadAhead = ReadAhead.none,
): Promise<Record<string, unknown> | undefined> {
  const early = ahead.take(ref);
  if (early) return early.item;
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: ref.tableName, Key: ref.key, ConsistentRead: true }),
  );
  return Item;
}
