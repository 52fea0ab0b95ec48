import OAuthClient from 'intuit-oauth';
import type { LOCAL_AWS } from '#local/dynamodb-local.ts';
import { ENV } from '#shared/config/names.ts';
import { syncStateTable, tenantProviderKeysTable } from '#shared/store/tables.ts';

/**
 * Points the AWS SDK at a local DynamoDB and gives handlers the configuration they read at load,
 * as the local runtime does, with the tests' fast timings. Used by every test worker
 * (`env.ts`) and by `npm run soak`, before any handler is loaded.
 *
 * @param dynamoEndpoint - the local DynamoDB's endpoint
 * @param aws - the local credentials and region
 */
export function applyTestEnvironment(dynamoEndpoint: string, aws: typeof LOCAL_AWS): void {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamoEndpoint;
  process.env.AWS_REGION = aws.region;
  process.env.AWS_ACCESS_KEY_ID = aws.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = aws.secretAccessKey;
  process.env[ENV.syncTable] = syncStateTable.localName;
  process.env[ENV.keysTable] = tenantProviderKeysTable.localName;
  process.env.TENANT_CLAIM = 'tenant_id';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
  // Local queues run their delays (backoff, 429 waits, visibility) 200 times faster in tests.
  process.env.LOCAL_QUEUE_TIME_SCALE = '0.005';
  // QBO calls give up after 1 s (the emulator holds a "timeout" fault for 3 s), and a 429 pauses
  // the company for 1 s instead of QBO's 60.
  process.env.QBO_TIMEOUT_MS = '1000';
  process.env.QBO_429_PAUSE_SECONDS = '1';
  // Scheduled reconciles start at once (no spreading jitter) in tests.
  process.env.RECONCILE_JITTER_SECONDS = '0';
  // The emulator's tests drive Intuit's own intuit-oauth client, which retries token calls on 5xx
  // and network errors after 1, 2 and 4 s; the same retries, 10 ms apart, keep them fast.
  OAuthClient.retryConfig.retryDelay = 10;
}
