/**
 * `npm start`: the whole stack on this machine. DynamoDB (data kept under `.data/` unless
 * `--in-memory`), the same tables as the CDK stack, and the API's routes served by the same Lambda
 * handlers on http://127.0.0.1:$PORT (default 3000). Ctrl-C stops everything, Java included.
 *
 * DynamoDB is DynamoDB Local when Java 17+ is on PATH, else the embedded store (dynalite, pure
 * Node); `--dynamodb=local|embedded` (or `LOCAL_DYNAMODB_STORE`) chooses, and the banner says which.
 *
 *   npm start -- [--port 3000] [--in-memory] [--data-dir .data] [--dynamodb local|embedded]
 */

// First: it sets what other modules read when they load.
import './local/env-defaults.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localSchedules } from '#shared/adapters/local/local-schedule-registry.ts';
import { routes } from '#shared/api/routes.ts';
import { ENV } from '#shared/config/names.ts';
import type { ApiHandler } from '#shared/http/api-handler.ts';
import { syncStateTable, tenantProviderKeysTable } from '#shared/store/tables.ts';
import { services, useLocalAdapters } from '#shared/wiring/services.ts';
import { PortInUseError, startLocalApi } from './local/api-server.ts';
import { ensureTables, LOCAL_AWS, StoreUnavailableError } from './local/dynamodb-local.ts';
import {
  chooseStore,
  type DynamoDbStore,
  STORE_DATA_FOLDER,
  STORE_ENV,
  STORE_LABEL,
  startStore,
} from './local/dynamodb-store.ts';
import { IntuitSetupError, setUpIntuit } from './local/intuit-setup.ts';
import { localAdapters } from './local/local-adapters.ts';
import { restoreSchedules } from './local/restore-schedules.ts';
import { startLocalWorkers } from './local/workers.ts';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    'in-memory': { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: '.data' },
    dynamodb: { type: 'string' },
  },
});

async function main(): Promise<void> {
  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a port number, not "${args.port}"`);
  }
  // Handlers read their configuration at load, exactly as in Lambda; set it before any is loaded.
  useLocalAdapters(localAdapters);
  process.env.AWS_REGION ??= LOCAL_AWS.region;
  process.env.AWS_ACCESS_KEY_ID ??= LOCAL_AWS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_AWS.secretAccessKey;
  process.env[ENV.syncTable] = syncStateTable.localName;
  process.env[ENV.keysTable] = tenantProviderKeysTable.localName;

  const handlers = new Map<string, Promise<ApiHandler>>();
  const loadHandler = (name: string) => {
    let loaded = handlers.get(name);
    if (!loaded) {
      loaded = import(`../functions/${name}/handler.ts`).then(
        (m: { handler: ApiHandler }) => m.handler,
      );
      handlers.set(name, loaded);
    }
    return loaded;
  };

  const dataDir = args['in-memory'] ? undefined : args['data-dir'];
  // LOCAL_DYNAMODB_ENDPOINT: use a DynamoDB that is already running (the cost benchmark puts a
  // meter in front of one) instead of starting one.
  const external = process.env.LOCAL_DYNAMODB_ENDPOINT;
  const choice = external
    ? undefined
    : args.dynamodb !== undefined
      ? chooseStore(args.dynamodb, '--dynamodb')
      : chooseStore(process.env[STORE_ENV], STORE_ENV);
  const info: Record<string, string> = {};
  // Bind the port first: a busy port should fail at once, before Java starts.
  const api = await startLocalApi({
    port,
    routes,
    loadHandler,
    tenantClaim: process.env[ENV.tenantClaim] ?? 'tenant_id',
    info,
    console: true,
    startNotReady: true,
    accessLog: (line) => console.log(line),
  });
  const cleanups: (() => Promise<void>)[] = [() => api.close()];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const intuit = await setUpIntuit({ apiUrl: api.url, apiPort: port, dataDir });
    cleanups.push(() => intuit.close());
    if (intuit.emulatorUrl) info.emulatorUrl = intuit.emulatorUrl;
    info.intuit = intuit.description;
    process.env[ENV.portalUrl] ??= `${api.url}/`;
    process.env[ENV.returnUrls] ??= `${api.url}/`;
    process.env.LOCAL_MASTER_KEY_FILE ??= join(
      dataDir ?? mkdtempSync(join(tmpdir(), 'qbo-')),
      'local-master.key',
    );

    const dynamo = choice
      ? await startStore(choice.store, dataDir ? { dataDir } : {})
      : { endpoint: String(external), stop: async () => {} };
    cleanups.push(() => dynamo.stop());
    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
    await ensureTables(dynamo.endpoint, [syncStateTable, tenantProviderKeysTable]);
    cleanups.push(async () => localSchedules.stopAll());
    const restored = await restoreSchedules(services().connections, localSchedules);
    const stopWorkers = await startLocalWorkers();
    cleanups.push(async () => stopWorkers());
    info.dynamoEndpoint = dynamo.endpoint;
    info.restoredSchedules = String(restored);
    api.markReady();
  } catch (err) {
    await stopAll();
    throw err;
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await stopAll();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  console.log(
    [
      'TradelyHQ ↔ QuickBooks Online integration (local mode)',
      `  Console:   ${api.url}/ (the reference admin console)`,
      `  API:       ${api.url}`,
      `  Intuit:    ${info.intuit}`,
      `  DynamoDB:  ${info.dynamoEndpoint} (${storeLine(choice?.store, dataDir)})`,
      ...(choice ? [`  Store:     ${STORE_LABEL[choice.store]}, because ${choice.reason}`] : []),
      `  Try:       curl ${api.url}/health`,
      `  Token:     curl -X POST ${api.url}/_local/token -H 'content-type: application/json' -d '{"tenantId":"acme"}'`,
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
}

/** Where the store keeps its data, for the banner. */
function storeLine(store: DynamoDbStore | undefined, dataDir: string | undefined): string {
  if (!store) return 'LOCAL_DYNAMODB_ENDPOINT, already running';
  return dataDir ? `data in ${join(dataDir, STORE_DATA_FOLDER[store])}/` : 'in memory';
}

main().catch((err: unknown) => {
  const explained =
    err instanceof PortInUseError ||
    err instanceof StoreUnavailableError ||
    err instanceof IntuitSetupError;
  console.error(explained ? err.message : err);
  process.exit(1);
});
