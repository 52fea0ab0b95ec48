import { mkdirSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import dynalite from 'dynalite';
import { foreignRequest } from '#emulator/same-host.ts';
import { withTransactions } from './dynalite-transactions.ts';
import type { LocalDynamoDb } from './dynamodb-local.ts';

/**
 * Starts the embedded DynamoDB, `dynalite` (pure Node, on LevelDB), in this process on a free
 * loopback port: the store `npm start` and `npm test` use when Java is not there for DynamoDB Local.
 * It speaks the same HTTP API to the same SDK; `docs/local-dynamodb.md` lists where it differs
 * from DynamoDB Local and why the stack does not care.
 *
 * @param options - `dataDir`: keep the database (a LevelDB folder) there between runs; omitted: in memory
 */
export async function startEmbeddedDynamoDb(
  options: { dataDir?: string } = {},
): Promise<LocalDynamoDb> {
  const path = options.dataDir ? resolve(options.dataDir) : undefined;
  if (path) mkdirSync(path, { recursive: true });
  // Tables and new indexes are ACTIVE at once, as in DynamoDB Local (dynalite's default keeps them
  // CREATING, UPDATING or DELETING 500 ms).
  const server = dynalite({
    ...(path ? { path } : {}),
    createTableMs: 0,
    updateTableMs: 0,
    deleteTableMs: 0,
  });
  // Only the stack on this machine may call it: no page of any site (dynalite answers CORS with
  // `*`), no host name rebound to 127.0.0.1. Its own handler runs only for requests that pass.
  // It also gains DynamoDB's transactions, which dynalite lacks (see dynalite-transactions.ts).
  const [dynamoHandler] = server.listeners('request') as RequestListener[];
  if (!dynamoHandler) throw new Error('dynalite registered no request handler');
  const port = () => (server.address() as AddressInfo).port;
  const handler = withTransactions(dynamoHandler, () => `http://127.0.0.1:${port()}`);
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    if (!foreignRequest(req, port(), { sameOrigin: false })) return handler(req, res);
    res.writeHead(403).end();
  });
  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(0, '127.0.0.1', () => listening());
  });
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= new Promise<void>((done, failed) => {
      // close() waits for open requests and then closes the database, so LevelDB is left whole.
      server.close((err) => (err ? failed(err) : done()));
      server.closeIdleConnections();
    });
    return stopped;
  };
  return { endpoint: `http://127.0.0.1:${port()}`, stop };
}
