/**
 * `npm start`: the whole stack on this machine. DynamoDB Local (data kept under `.data/` unless
 * `--in-memory`), the same tables as the CDK stack, and the API's routes served by the same Lambda
 * handlers on http://127.0.0.1:$PORT (default 3000). Ctrl-C stops everything, Java included.
 *
 *   npm start -- [--port 3000] [--in-memory] [--data-dir .data]
 */
import { parseArgs } from 'node:util';
import { routes } from '#shared/api/routes.ts';
import type { ApiHandler } from '#shared/http/api-handler.ts';
import { syncStateTable, TABLE_ENV, tenantProviderKeysTable } from '#shared/store/tables.ts';
import { PortInUseError, startLocalApi } from './local/api-server.ts';
import { ensureTables, LOCAL_AWS, startDynamoDbLocal } from './local/dynamodb-local.ts';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    'in-memory': { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: '.data' },
  },
});

async function main(): Promise<void> {
  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a port number, not "${args.port}"`);
  }
  // Handlers read their configuration at load, exactly as in Lambda; set it before any is loaded.
  process.env.TENANT_CLAIM ??= 'tenant_id';
  process.env.POWERTOOLS_SERVICE_NAME ??= 'tradelyhq-quickbooks';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'INFO';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // Node 20 here, 24 in Lambda
  process.env.AWS_REGION ??= LOCAL_AWS.region;
  process.env.AWS_ACCESS_KEY_ID ??= LOCAL_AWS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_AWS.secretAccessKey;
  process.env[TABLE_ENV.syncState] = syncStateTable.localName;
  process.env[TABLE_ENV.tenantProviderKeys] = tenantProviderKeysTable.localName;

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

  // Bind the port first: a busy port should fail at once, before Java starts.
  const api = await startLocalApi({
    port,
    routes,
    loadHandler,
    tenantClaim: process.env.TENANT_CLAIM,
  });
  const dataDir = args['in-memory'] ? undefined : `${args['data-dir']}/dynamodb`;
  const dynamo = await startDynamoDbLocal({ dataDir }).catch(async (err) => {
    await api.close();
    throw err;
  });
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  await ensureTables(dynamo.endpoint, [syncStateTable, tenantProviderKeysTable]);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await api.close();
    await dynamo.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  console.log(
    [
      'TradelyHQ ↔ QuickBooks Online integration (local mode)',
      `  API:       ${api.url}`,
      `  DynamoDB:  ${dynamo.endpoint} (${dataDir ? `data in ${dataDir}` : 'in memory'})`,
      `  Try:       curl ${api.url}/health`,
      `  Token:     curl -X POST ${api.url}/_local/token -d '{"tenantId":"acme"}'`,
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof PortInUseError ? err.message : err);
  process.exit(1);
});
