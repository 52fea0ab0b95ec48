/**
 * The runbook's commands (docs/runbook.md), against the local stack or AWS:
 *
 *   npm run ops -- health                                   [--local URL | --aws]
 *   npm run ops -- redrive push|changes|reconcile
 *   npm run ops -- reconcile <tenantId> [--since <ISO-8601>]
 *   npm run ops -- reconnect-prompt <tenantId> [--reason "…"]
 *
 * Local: `--local http://127.0.0.1:3000` (the default) calls the running `npm start`, whose queues
 * live in its process. AWS: `--aws` with the stack's outputs in the environment (SYNC_TABLE_NAME,
 * RECONCILE_QUEUE_URL, and <QUEUE>_QUEUE_ARN / <QUEUE>_DLQ_ARN for redrive) and credentials that
 * may read the table and send to the queues.
 */
import { parseArgs } from 'node:util';
import { SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { awsClient } from '#shared/adapters/aws/clients.ts';
import { requiredEnv } from '#shared/config/env.ts';
import { runOpsCommand } from '#shared/use-cases/ops.ts';
import { services } from '#shared/wiring/services.ts';

const USAGE =
  'usage: npm run ops -- health | redrive <push|changes|reconcile> | reconcile <tenantId> [--since ISO] | reconnect-prompt <tenantId> [--reason text]  [--local URL | --aws]';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    local: { type: 'string' },
    aws: { type: 'boolean', default: false },
    since: { type: 'string' },
    reason: { type: 'string' },
  },
});
const [command, argument] = positionals;

/** The command's input, as both sides take it. */
function input(): Record<string, unknown> {
  switch (command) {
    case 'health':
      return {};
    case 'redrive':
      return { queue: argument };
    case 'reconcile':
      return { tenantId: argument, ...(values.since ? { since: values.since } : {}) };
    case 'reconnect-prompt':
      return { tenantId: argument, ...(values.reason ? { reason: values.reason } : {}) };
    default:
      throw new Error(USAGE);
  }
}

async function local(url: string): Promise<unknown> {
  const res = await fetch(`${url}/_local/ops/${command}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input()),
  });
  const body = (await res.json()) as { message?: string };
  if (!res.ok) throw new Error(body.message ?? `HTTP ${res.status}`);
  return body;
}

/** AWS's redrive: an SQS message move task from the queue's dead-letter queue back into it. */
async function redriveOnSqs(queue: string) {
  const name = queue.toUpperCase();
  const out = await awsClient(SQSClient).send(
    new StartMessageMoveTaskCommand({
      SourceArn: requiredEnv(`${name}_DLQ_ARN`),
      DestinationArn: requiredEnv(`${name}_QUEUE_ARN`),
    }),
  );
  return { taskHandle: out.TaskHandle };
}

/** The command against AWS: the composition root's services, on the AWS adapters. */
function aws(): Promise<unknown> {
  return runOpsCommand(services(), redriveOnSqs, command ?? '', input());
}

try {
  if (!command || (command !== 'health' && !argument)) throw new Error(USAGE);
  const result = values.aws ? await aws() : await local(values.local ?? 'http://127.0.0.1:3000');
  console.log(JSON.stringify(result, null, 2));
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
}
