import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  type PutItemCommandInput,
  type TransactGetItemsInput,
  type TransactWriteItem,
  type TransactWriteItemsInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

/** An item or a key, in DynamoDB's JSON. */
type Item = Record<string, AttributeValue>;

/** DynamoDB keeps a `ClientRequestToken` for 10 minutes (TransactWriteItems, API Reference). */
const IDEMPOTENCY_WINDOW_MS = 10 * 60_000;
/** DynamoDB's limit of actions in one transaction. */
const MAX_ACTIONS = 100;

/**
 * Many readers or one writer, first come first served: ordinary requests share it, a transaction
 * holds it alone, so no request sees a transaction half applied or writes in its middle.
 */
class ReadWriteLock {
  private readers = 0;
  private writing = false;
  private readonly waiting: { readonly exclusive: boolean; readonly go: () => void }[] = [];

  async run<T>(exclusive: boolean, work: () => Promise<T>): Promise<T> {
    await new Promise<void>((go) => {
      this.waiting.push({ exclusive, go });
      this.drain();
    });
    try {
      return await work();
    } finally {
      if (exclusive) this.writing = false;
      else this.readers -= 1;
      this.drain();
    }
  }

  private drain(): void {
    for (let next = this.waiting[0]; next; next = this.waiting[0]) {
      if (this.writing || (next.exclusive && this.readers > 0)) return;
      this.waiting.shift();
      if (next.exclusive) this.writing = true;
      else this.readers += 1;
      next.go();
      if (next.exclusive) return;
    }
  }
}

/** A refusal of the whole call, answered as DynamoDB answers it. */
class TransactionError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * DynamoDB's transactions for the embedded store. dynalite has no TransactWriteItems or
 * TransactGetItems (its readme's TODO list), and no DynamoDB emulator on npm that runs without
 * Java has them, so they are written here, in front of dynalite's own handler, out of the
 * operations it has:
 *
 * - every request shares a lock that a transaction takes alone (isolation);
 * - a TransactWriteItems reads each item it names, then applies its actions one by one as the
 *   single operations they are (PutItem, UpdateItem, DeleteItem; a ConditionCheck is a write of
 *   the item as it is, or a delete of an absent one, under the condition), and when one is refused
 *   puts back every item it had changed, and answers `TransactionCanceledException` with a
 *   `CancellationReasons` entry per action (atomicity);
 * - a repeated `ClientRequestToken` within 10 minutes succeeds without applying anything again,
 *   or answers `IdempotentParameterMismatchException` for other parameters, as DynamoDB does (the
 *   AWS SDK fills the token in, and its retries resend it);
 * - two actions on one item are refused with `ValidationException`.
 *
 * What differs from DynamoDB (and DynamoDB Local): the actions after a refused one are not
 * evaluated, so their reasons read `None`; a refusal for another reason than a condition (a
 * `ValidationException` of one action) is answered as that action's error.
 *
 * @param dynalite - dynalite's request handler
 * @param endpoint - the store's own URL (its actions are sent to it, past the lock)
 */
export function withTransactions(
  dynalite: RequestListener,
  endpoint: () => string,
): RequestListener {
  const lock = new ReadWriteLock();
  // The transaction's own actions pass the lock (it holds it); nobody else knows this header.
  const inside = randomUUID();
  let client: DynamoDBClient | undefined;
  const actions = () => {
    if (!client) {
      client = new DynamoDBClient({
        endpoint: endpoint(),
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 1,
      });
      client.middlewareStack.add(
        (next) => async (args) => {
          (args.request as { headers: Record<string, string> }).headers['x-transaction'] = inside;
          return next(args);
        },
        { step: 'build' },
      );
    }
    return client;
  };
  const transactions = new Transactions(actions);

  return (req, res) => {
    if (req.headers['x-transaction'] === inside) return dynalite(req, res);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.slice(target.indexOf('.') + 1);
    if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
      void lock.run(true, () => transactions.answer(operation, req, res));
      return;
    }
    void lock.run(false, () => {
      const done = new Promise<void>((finished) => res.once('close', finished));
      dynalite(req, res);
      return done;
    });
  };
}

/** The two transaction operations over a client of the store itself. */
class Transactions {
  private readonly tokens = new Map<string, { readonly digest: string; readonly at: number }>();
  private readonly keyNames = new Map<string, string[]>();

  constructor(private readonly client: () => DynamoDBClient) {}

  async answer(operation: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    try {
      const input = JSON.parse(body) as TransactWriteItemsInput & TransactGetItemsInput;
      const output =
        operation === 'TransactGetItems' ? await this.get(input) : await this.write(input, body);
      reply(res, 200, output);
    } catch (err) {
      if (err instanceof TransactionError) {
        reply(res, 400, { __type: prefixed(err.type), message: err.message, ...err.extra });
      } else if (err instanceof DynamoDBServiceException) {
        reply(res, err.$metadata.httpStatusCode ?? 400, {
          __type: prefixed(err.name),
          message: err.message,
        });
      } else {
        reply(res, 500, { __type: prefixed('InternalServerError'), message: String(err) });
      }
    }
  }

  private async get(input: TransactGetItemsInput): Promise<unknown> {
    const gets = input.TransactItems ?? [];
    checkCount(gets.length);
    const responses = [];
    for (const { Get } of gets) {
      if (!Get) throw validation('Each TransactGetItem must name a Get');
      const { Item } = await this.client().send(
        new GetItemCommand({ ...Get, ConsistentRead: true }),
      );
      responses.push(Item ? { Item } : {});
    }
    return { Responses: responses };
  }

  private async write(input: TransactWriteItemsInput, body: string): Promise<unknown> {
    const items = input.TransactItems ?? [];
    checkCount(items.length);
    if (this.repeated(input.ClientRequestToken, body)) return {};
    const targets = await Promise.all(items.map((item) => this.target(item)));
    const seen = new Set(targets.map((t) => `${t.table} ${JSON.stringify(t.key)}`));
    if (seen.size < targets.length) {
      throw validation('Transaction request cannot include multiple operations on one item');
    }
    const before: (Item | undefined)[] = [];
    for (const { table, key } of targets) {
      const { Item } = await this.client().send(
        new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
      );
      before.push(Item);
    }
    for (const [i, item] of items.entries()) {
      try {
        await this.apply(item, before[i]);
      } catch (err) {
        await this.restore(targets.slice(0, i + 1), before);
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        const wanted = Object.values(item)[0] as { ReturnValuesOnConditionCheckFailure?: string };
        const reasons = items.map((_, j) =>
          j === i
            ? {
                Code: 'ConditionalCheckFailed',
                Message: 'The conditional request failed',
                ...(wanted?.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && before[i]
                  ? { Item: before[i] }
                  : {}),
              }
            : { Code: 'None' },
        );
        throw new TransactionError(
          'TransactionCanceledException',
          `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons
            .map((r) => r.Code)
            .join(', ')}]`,
          { CancellationReasons: reasons },
        );
      }
    }
    if (input.ClientRequestToken) {
      this.tokens.set(input.ClientRequestToken, { digest: digestOf(body), at: Date.now() });
    }
    return {};
  }

  /** Has this token been used within the window: for this request (true) or another (throws)? */
  private repeated(token: string | undefined, body: string): boolean {
    const now = Date.now();
    for (const [t, { at }] of this.tokens)
      if (now - at > IDEMPOTENCY_WINDOW_MS) this.tokens.delete(t);
    const used = token === undefined ? undefined : this.tokens.get(token);
    if (!used) return false;
    if (used.digest === digestOf(body)) return true;
    throw new TransactionError(
      'IdempotentParameterMismatchException',
      'The request uses the same client token as a previous, but non-identical request.',
    );
  }

  /** Applies one action as the single operation it is. */
  private async apply(item: TransactWriteItem, current: Item | undefined): Promise<void> {
    const client = this.client();
    if (item.Put) await client.send(new PutItemCommand(withoutReturn(item.Put)));
    else if (item.Update) await client.send(new UpdateItemCommand(withoutReturn(item.Update)));
    else if (item.Delete) await client.send(new DeleteItemCommand(withoutReturn(item.Delete)));
    else if (item.ConditionCheck) {
      const { Key, TableName, ...condition } = withoutReturn(item.ConditionCheck);
      // The item written back as it is, or an absent one deleted: only the condition is at work.
      await this.putBack(TableName, Key, current, condition);
    } else {
      throw validation(
        'Each TransactWriteItem must name one of Put, Update, Delete, ConditionCheck',
      );
    }
  }

  /** Puts each item back as it was before the transaction. */
  private async restore(
    targets: readonly { table: string; key: Item }[],
    before: readonly (Item | undefined)[],
  ): Promise<void> {
    for (const [i, { table, key }] of targets.entries()) await this.putBack(table, key, before[i]);
  }

  /** Writes an item as it was (deletes it when it was absent), under a condition if given. */
  private async putBack(
    table: string | undefined,
    key: Item | undefined,
    item: Item | undefined,
    condition: Pick<
      PutItemCommandInput,
      'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    > = {},
  ): Promise<void> {
    if (item)
      await this.client().send(new PutItemCommand({ TableName: table, Item: item, ...condition }));
    else
      await this.client().send(new DeleteItemCommand({ TableName: table, Key: key, ...condition }));
  }

  /** The table and key an action is about. */
  private async target(item: TransactWriteItem): Promise<{ table: string; key: Item }> {
    const action = item.Put ?? item.Update ?? item.Delete ?? item.ConditionCheck;
    if (!action?.TableName) {
      throw validation(
        'Each TransactWriteItem must name one of Put, Update, Delete, ConditionCheck',
      );
    }
    const table = action.TableName;
    if ('Key' in action && action.Key) return { table, key: action.Key };
    const names = await this.keyNamesOf(table);
    const whole = (action as { Item: Item }).Item;
    return { table, key: Object.fromEntries(names.map((n) => [n, whole[n] as AttributeValue])) };
  }

  private async keyNamesOf(table: string): Promise<string[]> {
    let names = this.keyNames.get(table);
    if (!names) {
      const { Table } = await this.client().send(new DescribeTableCommand({ TableName: table }));
      names = (Table?.KeySchema ?? []).map((k) => k.AttributeName ?? '');
      this.keyNames.set(table, names);
    }
    return names;
  }
}

/** An action without `ReturnValuesOnConditionCheckFailure`, which its single operation lacks. */
function withoutReturn<T extends { ReturnValuesOnConditionCheckFailure?: unknown }>(
  action: T,
): Omit<T, 'ReturnValuesOnConditionCheckFailure'> {
  const { ReturnValuesOnConditionCheckFailure: _, ...rest } = action;
  return rest;
}

function checkCount(count: number): void {
  if (count < 1 || count > MAX_ACTIONS) {
    throw validation(
      `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length between 1 and ${MAX_ACTIONS}`,
    );
  }
}

const validation = (message: string) => new TransactionError('ValidationException', message);
const prefixed = (type: string) => `com.amazonaws.dynamodb.v20120810#${type}`;
const digestOf = (body: string) => {
  const { ClientRequestToken: _, ...rest } = JSON.parse(body) as Record<string, unknown>;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
};

function reply(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(json),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(json);
}
