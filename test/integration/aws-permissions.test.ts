/**
 * The IAM rehearsal: every function runs its real paths in AWS mode (the AWS adapters, each
 * function with exactly the environment the synthesized template gives it, DynamoDB on the run's
 * DynamoDB, documented answers for SQS, KMS, Scheduler, EventBridge and Secrets Manager, QBO and
 * Intuit OAuth from the emulator), every AWS call is recorded with the function that made it, and
 * each is evaluated against that function's role and the key and queue policies of the template
 * with an IAM policy evaluator. Any denial fails; every grant no call used is reported, and must
 * be one this file explains.
 */
import { readFileSync } from 'node:fs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { CfnElement } from 'aws-cdk-lib';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { functionEntries } from '#lib/functions.ts';
import { lambdaContext } from '#local/api-gateway-event.ts';
import { type LocalApi, startLocalApi } from '#local/api-server.ts';
import { ensureTables } from '#local/dynamodb-local.ts';
import { routes } from '#shared/api/routes.ts';
import type { ApiHandler } from '#shared/http/api-handler.ts';
import { documentClient } from '#shared/store/dynamo.ts';
import { OUTBOX_PREFIX } from '#shared/store/outbox-repository.ts';
import { syncStateTable, tenantProviderKeysTable } from '#shared/store/tables.ts';
import { dynamoStreamEvent } from '../fixtures/aws-events.ts';
import { type IntuitWorld, startIntuitWorld } from '../support/intuit.ts';
import { newTenantId } from '../support/local-api.ts';
import { resultOf } from '../support/local-stack.ts';
import {
  type AwsCallRecorder,
  recordAwsCalls,
  type SentMessage,
} from '../support/rehearsal/aws-calls.ts';
import {
  type DeployedFunction,
  type DeployedStack,
  deployedFunctions,
  evaluate,
  type PermissionRequest,
  type PolicyDocument,
  permissionRequests,
  queueArn,
  type UnusedGrant,
  unusedGrants,
} from '../support/rehearsal/permissions.ts';
import { resolveTemplate } from '../support/rehearsal/template.ts';
import { buildStack } from '../support/stack.ts';

const { stack, template } = buildStack();
const resolved = resolveTemplate(stack, template.toJSON() as never);
const deployed: DeployedStack = {
  template: resolved,
  functions: deployedFunctions(
    resolved,
    Object.fromEntries(
      functionEntries().map(([name]) => [
        name,
        stack.getLogicalId(stack.functions[name].node.defaultChild as CfnElement),
      ]),
    ),
  ),
};
const functions = Object.values(deployed.functions);
const templateVariables = new Set(functions.flatMap((f) => Object.keys(f.environment)));
/** The test's own settings win over the template's for these (quiet logs, no source-map flag). */
// EDGE_ORIGIN_SECRET: the requests here come straight to the functions, not through CloudFront,
// which would add the header (test/e2e/deployed-bundles.test.ts sends it); it grants nothing.
const TEST_OWNS = new Set(['POWERTOOLS_LOG_LEVEL', 'NODE_OPTIONS', 'EDGE_ORIGIN_SECRET']);
const envOf = (variable: string) =>
  functions.map((f) => f.environment[variable]).find((v) => v !== undefined) as string;

/**
 * The actions aws-cdk-lib grants together (TableV2 `grantReadData` / `grantReadWriteData` with
 * the table key's use, Queue `grantSendMessages` / `grantConsumeMessages` with the queue key's,
 * Secret `grantRead`): a row of `lib/functions.ts` says "read" or "readwrite", "sends to", "the
 * Intuit app", and gets the whole bundle. An unused action of a bundle whose other actions the
 * function needs is reported, not failed; a statement none of whose actions is needed, or an
 * unused action the stack grants by hand, fails.
 */
const CDK_BUNDLES = new Set(
  [
    'dynamodb:BatchGetItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:ConditionCheckItem',
    'dynamodb:DeleteItem',
    'dynamodb:DescribeTable',
    'dynamodb:GetItem',
    'dynamodb:GetRecords',
    'dynamodb:GetShardIterator',
    'dynamodb:PutItem',
    'dynamodb:Query',
    'dynamodb:Scan',
    'dynamodb:UpdateItem',
    'kms:Decrypt',
    'kms:DescribeKey',
    'kms:Encrypt',
    'kms:GenerateDataKey*',
    'kms:ReEncrypt*',
    'sqs:ChangeMessageVisibility',
    'sqs:GetQueueAttributes',
    'sqs:GetQueueUrl',
    'secretsmanager:DescribeSecret',
  ].map((a) => a.toLowerCase()),
);

/**
 * Grants the rehearsal does not reach, each with why it stays. Adding to this list needs the same
 * care as adding a grant.
 */
const NOT_REHEARSED: Readonly<Record<string, string>> = {
  'confirm-quickbooks kms:GenerateDataKey':
    'A refresh during the QBO catch-up that follows connecting stores a new token pair; it needs ' +
    'QBO to refuse an access token minted minutes before (the confirmation lasts 10 minutes), ' +
    'which the emulator cannot be made to do.',
  'quickbooks-webhook kms:GenerateDataKey':
    "DynamoDB's documented key policy for a table's customer managed key gives the table's " +
    'users GenerateDataKey* as well as Decrypt (aws-cdk-lib grants writers the same); the ' +
    'rehearsal models only the Decrypt that reading and writing items is documented to need.',
  'event-relay dynamodb:ListStreams':
    "aws-cdk-lib's TableV2 grantStreamRead adds ListStreams on the stream's ARN. ListStreams " +
    'only takes `*`, so this grant allows nothing; the event source mapping is given the ' +
    "stream's ARN and needs no listing (DescribeStream, GetRecords, GetShardIterator are used).",
};

/** The table (or queue, key, …) a grant's resource belongs to: an index wildcard is its table's. */
const family = (resource: string) => resource.replace(/\/index\/.*$/, '');

/** Item writes: a bundle's writes are explained only for a function that writes the table. */
const WRITES = new Set(
  ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'].map(
    (a) => a.toLowerCase(),
  ),
);

/**
 * An unused grant that is part of an aws-cdk-lib grant bundle the function needs (another action
 * of its statement, or another grant on the same table, queue or key, was used; for a table
 * write, another write), or one listed in {@link NOT_REHEARSED}.
 */
function isExplained(u: UnusedGrant, requests: readonly PermissionRequest[]): boolean {
  if (NOT_REHEARSED[`${u.fn} ${u.action}`]) return true;
  const action = u.action.toLowerCase();
  if (!CDK_BUNDLES.has(action)) return false;
  const used = requests.filter(
    (r) =>
      r.fn === u.fn &&
      family(r.resource) === family(u.resource) &&
      (!WRITES.has(action) || WRITES.has(r.action.toLowerCase())),
  );
  return used.length > 0 || (u.statementUsed && !WRITES.has(action));
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((i) => !test(i))];
}

const WEBHOOK_TOKEN = `rehearsal-${crypto.randomUUID()}`;

let world: IntuitWorld;
let api: LocalApi;
let recorder: AwsCallRecorder;
/** A Lambda handler, whatever its event. */
type Handler = (event: unknown, context: unknown) => Promise<unknown>;
const handlers = new Map<string, Handler>();
const delivered = new Set<string>();
let running: Promise<unknown> = Promise.resolve();

/** Gives the process exactly the function's environment from the template. */
function useEnvironmentOf(name: string): void {
  for (const variable of templateVariables) delete process.env[variable];
  for (const [variable, value] of Object.entries(deployed.functions[name]?.environment ?? {})) {
    if (!TEST_OWNS.has(variable)) process.env[variable] = value;
  }
}

/**
 * Invokes a function as Lambda would: in its own environment, its handler loaded in its own module
 * graph on first use (as each function is its own bundle), every AWS call recorded as its own.
 */
function invoke(name: string, event: unknown, context: unknown = lambdaContext(name)) {
  // One invocation at a time: the environment is the process's (a webhook the emulator sends on
  // its own must wait for the invocation in progress).
  const run = running.then(() => invokeNow(name, event, context));
  running = run.catch(() => undefined);
  return run;
}

function invokeNow(name: string, event: unknown, context: unknown) {
  return recorder.as(name, async () => {
    useEnvironmentOf(name);
    let handler = handlers.get(name);
    if (!handler) {
      vi.resetModules();
      handler = ((await import(`../../functions/${name}/handler.ts`)) as { handler: Handler })
        .handler;
      handlers.set(name, handler);
    }
    return handler(event, context);
  });
}

const queueArnOf = (url: string) => queueArn(resolved, url);

/** An SQS event of one message, as the event source mapping hands it to the consumer. */
function sqsEvent(message: SentMessage, receiveCount: number): SQSEvent {
  const { input } = message;
  const now = String(Date.now());
  return {
    Records: [
      {
        messageId: message.messageId,
        receiptHandle: `AQEB${message.messageId}`,
        body: input.MessageBody,
        attributes: {
          ApproximateReceiveCount: String(receiveCount),
          SentTimestamp: now,
          SenderId: 'AROAEXAMPLE:rehearsal',
          ApproximateFirstReceiveTimestamp: now,
          ...(input.MessageGroupId
            ? {
                MessageGroupId: input.MessageGroupId,
                MessageDeduplicationId: input.MessageDeduplicationId,
                SequenceNumber: '18849496460467696128',
              }
            : {}),
        },
        messageAttributes: Object.fromEntries(
          Object.entries(
            (input.MessageAttributes ?? {}) as Record<string, { StringValue: string }>,
          ).map(([k, v]) => [
            k,
            {
              stringValue: v.StringValue,
              dataType: 'String',
              stringListValues: [],
              binaryListValues: [],
            },
          ]),
        ),
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: queueArnOf(message.queueUrl),
        awsRegion: resolved.region,
      },
    ],
  };
}

/**
 * Hands every message sent so far to its queue's consumer, until no queue has one left. A message
 * sent with a delay waits, unless `delayed` (then those already sent go once: a job that puts
 * itself back with a delay is not run again).
 */
/** The outbox's items in the table, as the stream would show them. */
async function outboxItems(): Promise<Record<string, string>[]> {
  const { Items = [] } = await documentClient.send(
    new ScanCommand({
      TableName: envOf('SYNC_TABLE_NAME'),
      FilterExpression: 'begins_with(sk, :outbox)',
      ExpressionAttributeValues: { ':outbox': OUTBOX_PREFIX },
    }),
  );
  return Items as Record<string, string>[];
}

async function drain(delayed = false): Promise<void> {
  const before = new Set(recorder.aws.messages.map((m) => m.messageId));
  const due = (m: SentMessage) =>
    !delivered.has(m.messageId) && (!m.input.DelaySeconds || (delayed && before.has(m.messageId)));
  for (let round = 0; round < 20; round++) {
    const pending = recorder.aws.messages.filter(due);
    if (pending.length === 0) return;
    for (const message of pending) {
      delivered.add(message.messageId);
      const consumer = functions.find((f) => f.polls.includes(queueArnOf(message.queueUrl)));
      if (consumer) await invoke(consumer.name, sqsEvent(message, 1));
    }
  }
  throw new Error('The queues never emptied');
}

async function call(tenantId: string, method: string, path: string, body?: unknown) {
  return fetch(`${api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await api.issuer.mint(tenantId)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Waits until the emulator's webhook for a change reached the receiver, then runs the queues. */
async function afterWebhook(change: () => Promise<Response>): Promise<void> {
  const queued = () =>
    recorder.calls.filter((c) => c.fn === 'quickbooks-webhook' && c.operation === 'SendMessage')
      .length;
  const before = queued();
  expect((await change()).ok).toBe(true);
  await vi.waitFor(
    () => {
      if (queued() <= before) throw new Error('no webhook yet');
    },
    { timeout: 10_000, interval: 50 },
  );
  await drain();
}

async function openErrorId(tenantId: string): Promise<string> {
  const res = await call(tenantId, 'GET', '/sync-errors?state=open');
  const body = (await res.json()) as { errors: { id: string }[] };
  const id = body.errors?.[0]?.id;
  if (!id) throw new Error(`no open sync error: ${JSON.stringify(body)}`);
  return id;
}

/**
 * Connects a tenant to a company through the real flow: connect → Intuit's consent → callback (at
 * the API's address in the template) → the queues (the grant's expiry job finds it pending and
 * waits on) → confirm. Returns the confirm's status.
 */
async function connectFlow(tenantId: string, realmId: string): Promise<number> {
  const confirmation = await consentFlow(tenantId, realmId);
  const confirmed = await call(tenantId, 'POST', '/integrations/quickbooks/confirm', {
    confirmation,
  });
  await drain();
  return confirmed.status;
}

/** The flow up to the callback, whose pending grant waits to be confirmed: its confirmation. */
async function consentFlow(tenantId: string, realmId: string): Promise<string | null> {
  const started = await call(tenantId, 'POST', '/integrations/quickbooks/connect');
  const { authorizeUrl } = (await started.json()) as { authorizeUrl: string };
  const consent = new URL(authorizeUrl);
  consent.searchParams.set('auto_approve', realmId);
  const consented = await fetch(consent, { redirect: 'manual' });
  const toCallback = new URL(consented.headers.get('location') ?? 'http://invalid/');
  const back = await fetch(`${api.url}${toCallback.pathname}${toCallback.search}`, {
    redirect: 'manual',
  });
  await drain(true);
  return resultOf(back.headers.get('location') ?? '').get('confirmation');
}

/** Intuit's access tokens last an hour: the next QBO call of any function refreshes them. */
const expireAccessTokens = () => world.admin('POST', '/_admin/clock', { advanceSeconds: 3700 });

/** Runs every function's paths: the whole product story, in AWS mode. */
async function rehearse(): Promise<void> {
  const tenantId = newTenantId('iam');
  const realmId = await world.newCompany('Rehearsal Plumbing');
  expect((await fetch(`${api.url}/health`)).status).toBe(200);
  expect(await connectFlow(tenantId, realmId)).toBe(200);
  expect((await call(tenantId, 'GET', '/integrations/quickbooks')).status).toBe(200);
  const settings = { timezone: 'America/Chicago' };
  expect((await call(tenantId, 'PUT', '/integrations/quickbooks/settings', settings)).status).toBe(
    200,
  );
  // A schedule gone from Scheduler is created again.
  recorder.aws.schedules.clear();
  const moved = { timezone: 'America/Denver' };
  expect((await call(tenantId, 'PUT', '/integrations/quickbooks/settings', moved)).status).toBe(
    200,
  );
  await expireAccessTokens();
  expect((await call(tenantId, 'GET', '/integrations/quickbooks/accounts')).status).toBe(200);
  await expireAccessTokens();
  expect((await call(tenantId, 'GET', '/integrations/quickbooks/tax-codes')).status).toBe(200);
  // A tax code map is checked against the company's codes, read from QBO (an empty one too).
  await expireAccessTokens();
  const taxCodeMap = { taxCodeMap: {} };
  expect(
    (await call(tenantId, 'PUT', '/integrations/quickbooks/settings', taxCodeMap)).status,
  ).toBe(200);
  // A Disconnect notice for a company whose grant is alive: the check refreshes it.
  const notice = `${api.url}/oauth/quickbooks/disconnected?realmId=${realmId}`;
  await expireAccessTokens();
  expect((await fetch(notice, { redirect: 'manual' })).status).toBe(302);
  await drain();

  // Authorize & Send, then the push worker; a second invoice meets a QBO 503 and is postponed.
  const invoice = JSON.parse(readFileSync('test/fixtures/push-example.json', 'utf8'));
  await expireAccessTokens();
  expect((await call(tenantId, 'POST', '/invoices/inv_1/push', invoice)).status).toBe(202);
  await drain();
  const sync = await call(tenantId, 'GET', '/invoices/inv_1/sync');
  const { qboInvoiceId } = (await sync.json()) as { qboInvoiceId: string };
  expect(qboInvoiceId).toBeTruthy();
  expect((await call(tenantId, 'GET', '/invoices')).status).toBe(200);
  await world.admin('POST', `/_admin/companies/${realmId}/faults`, { kind: '503', count: 1 });
  const second = { ...invoice, docNumber: 'INV-1002' };
  expect((await call(tenantId, 'POST', '/invoices/inv_2/push', second)).status).toBe(202);
  await drain();
  const postponed = recorder.aws.messages.find((m) => m.input.MessageBody.includes('"inv_2"'));
  if (!postponed) throw new Error('inv_2 was never queued');
  await invoke('push-worker', sqsEvent(postponed, 2));
  const secondSync = await call(tenantId, 'GET', '/invoices/inv_2/sync');
  const secondQboId = ((await secondSync.json()) as { qboInvoiceId: string }).qboInvoiceId;
  expect(secondQboId).toBeTruthy();

  // QuickBooks changes, through signed webhooks: hand-edits that open sync errors (accepted,
  // dismissed, re-synced), a payment, then an edit whose re-read meets a 503 (postponed).
  const invoicePath = `/_admin/companies/${realmId}/invoices/${qboInvoiceId}`;
  await expireAccessTokens();
  await afterWebhook(() => world.admin('PATCH', invoicePath, { DueDate: '2027-01-15' }));
  const errorPath = async (action: string) =>
    `/sync-errors/${await openErrorId(tenantId)}/${action}`;
  expect((await call(tenantId, 'POST', await errorPath('accept'))).status).toBe(200);
  await afterWebhook(() => world.admin('PATCH', invoicePath, { DueDate: '2027-01-20' }));
  const reason = { reason: 'Known difference' };
  expect((await call(tenantId, 'POST', await errorPath('dismiss'), reason)).status).toBe(200);
  await afterWebhook(() => world.admin('PATCH', invoicePath, { DueDate: '2027-01-31' }));
  expect((await call(tenantId, 'POST', await errorPath('resync'))).status).toBe(202);
  await drain();
  await afterWebhook(() =>
    world.admin('POST', `/_admin/companies/${realmId}/payments`, { invoiceId: qboInvoiceId }),
  );
  await world.admin('POST', `/_admin/companies/${realmId}/faults`, { kind: '503', count: 1 });
  await afterWebhook(() => world.admin('PATCH', invoicePath, { DueDate: '2027-02-15' }));
  expect((await call(tenantId, 'GET', '/sync-errors')).status).toBe(200);

  // From here on QBO sends no webhooks: the reconcile, run now, finds a void by itself; then
  // the nightly schedule's message, whose start is spread by a delay.
  await world.admin('DELETE', '/_admin/webhooks');
  await world.admin('POST', `${invoicePath}/void`);
  await expireAccessTokens();
  expect((await call(tenantId, 'POST', '/reconcile')).status).toBe(202);
  await drain();
  const schedule = [...recorder.aws.schedules.values()][0];
  if (!schedule) throw new Error('confirm created no schedule');
  const scheduled: SentMessage = {
    queueUrl: envOf('RECONCILE_QUEUE_URL'),
    messageId: crypto.randomUUID(),
    input: {
      MessageBody: String(schedule.Target.Input).replace(
        '<aws.scheduler.scheduled-time>',
        new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      ),
    },
  };
  for (const receive of [1, 2]) await invoke('reconcile-worker', sqsEvent(scheduled, receive));
  // A consent nobody confirms, whose expiry job never ran: an hour later the watchdog's sweep
  // moves its grant to revoke and queues the revocation, which the grant worker carries out.
  await consentFlow(newTenantId('iam'), await world.newCompany('Abandoned Plumbing'));
  // The events so far wait in the outbox: the table's stream hands the relay some of them; the
  // sweep an hour later delivers the rest.
  const relay = deployed.functions['event-relay'];
  const streamArn = relay?.polls.find((arn) => arn.includes('/stream/')) as string;
  await invoke('event-relay', dynamoStreamEvent(streamArn, (await outboxItems()).slice(0, 2)));
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 3600_000);
  const ruleEvent = () => ({
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: resolved.account,
    time: new Date().toISOString(),
    region: resolved.region,
    resources: [],
    detail: {},
  });
  await invoke('fleet-watchdog', ruleEvent());
  await drain();
  await invoke('event-relay', ruleEvent());
  expect(await outboxItems()).toEqual([]);
  vi.useRealTimers();

  // Another tenant asks for the same company: refused, its grant given back (the grant queue).
  const other = newTenantId('iam');
  expect(await connectFlow(other, realmId)).toBe(409);

  // The company disconnects the app at Intuit: a push is parked, and the Disconnect URL's check
  // finds the grant dead; an invoice is paid meanwhile. The tenant reconnects (the parked push
  // goes again, the catch-up finds the payment), then the company
  // disconnects once more and the other tenant takes it over (the old holder's schedule goes).
  const revokeAtIntuit = async () => {
    await world.admin('POST', `/_admin/companies/${realmId}/revoke`);
    expect((await fetch(notice, { redirect: 'manual' })).status).toBe(302);
    await drain();
  };
  await revokeAtIntuit();
  await world.admin('POST', `/_admin/companies/${realmId}/payments`, { invoiceId: secondQboId });
  const third = { ...invoice, docNumber: 'INV-1003' };
  expect((await call(tenantId, 'POST', '/invoices/inv_3/push', third)).status).toBe(202);
  await drain();
  expect(await connectFlow(tenantId, realmId)).toBe(200);
  await revokeAtIntuit();
  expect(await connectFlow(other, realmId)).toBe(200);

  // The other tenant disconnects while Intuit is unreachable: the revocation is queued, and the
  // grant worker's attempt fails and is postponed.
  await world.emulator.close();
  expect((await call(other, 'DELETE', '/integrations/quickbooks')).status).toBe(200);
  await drain();
}

describe('IAM rehearsal: every AWS call of every function against its role', () => {
  let requests: PermissionRequest[];

  beforeAll(async () => {
    const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB as string;
    await ensureTables(endpoint, [
      { ...syncStateTable, localName: envOf('SYNC_TABLE_NAME') },
      { ...tenantProviderKeysTable, localName: envOf('KEYS_TABLE_NAME') },
    ]);
    world = await startIntuitWorld({ redirectUris: [envOf('INTUIT_REDIRECT_URI')] });
    recorder = recordAwsCalls(
      {
        [envOf('INTUIT_SECRET_ARN')]: JSON.stringify({
          clientId: world.emulator.clientId,
          clientSecret: world.emulator.clientSecret,
        }),
        [envOf('WEBHOOK_SECRET_ARN')]: JSON.stringify({ webhookVerifierTokens: [WEBHOOK_TOKEN] }),
      },
      resolved,
    );
    // AWS mode: nothing of local mode's settings; Intuit and QBO are the emulator.
    for (const local of ['RECONCILE_JITTER_SECONDS', 'LOCAL_MASTER_KEY_FILE']) {
      delete process.env[local];
    }
    process.env.INTUIT_OAUTH_BASE_URL = world.emulator.url;
    process.env.QBO_API_BASE_URL = world.emulator.url;
    api = await startLocalApi({
      port: 0,
      routes,
      tenantClaim: 'tenant_id',
      loadHandler: async (name) => (event, context) =>
        invoke(name, event, context) as ReturnType<ApiHandler>,
    });
    await world.admin('PUT', '/_admin/webhooks', {
      url: `${api.url}/webhooks/quickbooks`,
      verifierToken: WEBHOOK_TOKEN,
      format: 'cloudevents',
    });
    await rehearse();
    requests = permissionRequests(deployed, recorder.calls);
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await world?.emulator.close().catch(() => undefined);
  });

  it('runs every function', () => {
    expect(functions.map((f) => f.name).filter((n) => !handlers.has(n))).toEqual([]);
  });

  it('finds every call allowed by its role and the key and queue policies', async () => {
    const denials = await evaluate(deployed, requests);
    const refused = denials.map((d) => `${d.fn}: ${d.action} on ${d.resource} (${d.because})`);
    expect([...new Set(refused)]).toEqual([]);
  });

  it('reports the grants no path used, and fails on any that aws-cdk-lib’s grant bundles do not explain', () => {
    const unused = unusedGrants(deployed, requests);
    const [bundled, surplus] = partition(unused, (u) => isExplained(u, requests));
    console.info(
      `IAM rehearsal: ${recorder.calls.length} AWS calls, ${requests.length} distinct requests, ` +
        `all allowed; ${bundled.length} grants unused inside aws-cdk-lib's grant bundles or not reached ` +
        `(${[...new Set(bundled.map((u) => u.action))].sort().join(', ')}); ` +
        `${surplus.length} other grants unused${surplus.length ? ':' : '.'}\n` +
        surplus.map((u) => `  ${u.fn}: ${u.action} on ${u.resource}`).join('\n'),
    );
    expect(surplus.map((u) => `${u.fn}: ${u.action} on ${u.resource}`)).toEqual([]);
  });

  /** The stack with one action taken away from a function's role on the resources that match. */
  function withoutGrant(fn: string, action: string, resource: RegExp): DeployedStack {
    const target = deployed.functions[fn] as DeployedFunction;
    let removed = 0;
    const policies = target.policies.map(({ name, document }) => ({
      name,
      document: {
        ...document,
        Statement: document.Statement.flatMap((st) => {
          const actions = [st.Action].flat();
          const resources = [st.Resource].flat();
          const hit = resources.filter((r) => resource.test(r));
          if (st.Effect !== 'Allow' || !actions.includes(action) || hit.length === 0) return [st];
          removed++;
          const rest = actions.filter((a) => a !== action);
          const others = resources.filter((r) => !resource.test(r));
          return [
            ...(rest.length ? [{ ...st, Action: rest }] : []),
            ...(others.length ? [{ ...st, Action: [action], Resource: others }] : []),
          ];
        }),
      },
    }));
    expect(removed, `${fn} has no grant of ${action} on ${resource}`).toBeGreaterThan(0);
    return { ...deployed, functions: { ...deployed.functions, [fn]: { ...target, policies } } };
  }

  it.each([
    ['a queue send', 'push-invoice', 'sqs:SendMessage', /PipelinePush/],
    [
      'the queue key, for sending to an encrypted queue',
      'quickbooks-webhook',
      'kms:GenerateDataKey*',
      /queuekey/,
    ],
    ['a KMS action on the token key', 'push-worker', 'kms:Decrypt', /datatokenkey/],
    [
      'sealing a grant with the token key',
      'quickbooks-callback',
      'kms:GenerateDataKey',
      /datatokenkey/,
    ],
    ['a Scheduler action', 'confirm-quickbooks', 'scheduler:CreateSchedule', /schedule\//],
    ['passing the scheduler role', 'update-settings', 'iam:PassRole', /SchedulerRole/],
    ['a table write', 'push-invoice', 'dynamodb:PutItem', /table\/test-sync_state$/],
    ['a visibility change', 'push-worker', 'sqs:ChangeMessageVisibility', /PipelinePush/],
    ['the poller’s receive', 'change-worker', 'sqs:ReceiveMessage', /WebhooksChanges/],
    ['the Intuit secret', 'reconcile-worker', 'secretsmanager:GetSecretValue', /IntuitApp/],
  ])(
    'fails without %s, naming the function, the action and the resource',
    async (_what, fn, action, resource) => {
      const denials = await evaluate(withoutGrant(fn, action, resource), requests);
      expect(denials.length).toBeGreaterThan(0);
      for (const d of denials) {
        expect(d.fn).toBe(fn);
        expect(d.action.toLowerCase()).toMatch(
          new RegExp(`^${action.replace('*', '.*').toLowerCase()}$`),
        );
        expect(d.resource).toMatch(resource);
      }
    },
  );

  /**
   * What a public function could do with a tenant's data or tokens if its code were taken over:
   * every read and write of the tables on a tenant's partition (`TENANT#…`), every index, and
   * opening a token under a tenant's encryption context. The answer must be nothing.
   */
  async function tenantDataReachable(stack: DeployedStack): Promise<string[]> {
    const publicFunctions = [
      ...new Set(routes.filter((r) => r.auth === 'public').map((r) => r.handler)),
    ];
    const arn = (name: string) =>
      `arn:aws:dynamodb:${resolved.region}:${resolved.account}:table/${name}`;
    const tables = [envOf('SYNC_TABLE_NAME'), envOf('KEYS_TABLE_NAME')].map(arn);
    const indexes = [`${tables[0]}/index/byRealm`, `${tables[1]}/index/byDeadline`];
    const tokenKey = envOf('TOKEN_KEY_ARN');
    const actions = [
      'GetItem',
      'Query',
      'Scan',
      'PutItem',
      'UpdateItem',
      'DeleteItem',
      'BatchGetItem',
    ];
    const probes: PermissionRequest[] = publicFunctions.flatMap((fn) => [
      ...tables.flatMap((table) =>
        actions.map((action) => ({
          fn,
          action: `dynamodb:${action}`,
          resource: table,
          // A Scan names no partition: DynamoDB sends no leading key with it.
          context: action === 'Scan' ? {} : { 'dynamodb:LeadingKeys': ['TENANT#probe'] },
          because: "a tenant's data or token row",
        })),
      ),
      ...indexes.flatMap((index) =>
        ['Query', 'Scan'].map((action) => ({
          fn,
          action: `dynamodb:${action}`,
          resource: index,
          context: {},
          because: 'an index',
        })),
      ),
      {
        fn,
        action: 'kms:Decrypt',
        resource: tokenKey,
        context: {
          'kms:EncryptionContext:tenantId': 'probe',
          'kms:EncryptionContext:provider': 'quickbooks',
          'kms:EncryptionContextKeys': ['tenantId', 'provider'],
        },
        because: "opening a tenant's token",
      },
    ]);
    const denied = new Set(
      (await evaluate(stack, probes)).map((d) => JSON.stringify(d.fn + d.action + d.resource)),
    );
    return probes
      .filter((p) => !denied.has(JSON.stringify(p.fn + p.action + p.resource)))
      .map((p) => `${p.fn}: ${p.action} on ${p.resource} (${p.because})`);
  }

  it("lets no public function read or write a tenant's data or tokens", async () => {
    expect(await tenantDataReachable(deployed)).toEqual([]);
    // The rule bites: the callback as it was before (read and write on both tables) fails it.
    const callback = deployed.functions['quickbooks-callback'] as DeployedFunction;
    const widened = {
      name: 'widened',
      document: {
        Statement: [
          {
            Effect: 'Allow' as const,
            Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
            Resource: `arn:aws:dynamodb:${resolved.region}:${resolved.account}:table/${envOf('KEYS_TABLE_NAME')}`,
          },
        ],
      },
    };
    const before = {
      ...deployed,
      functions: {
        ...deployed.functions,
        'quickbooks-callback': { ...callback, policies: [...callback.policies, widened] },
      },
    };
    expect(await tenantDataReachable(before)).toEqual([
      expect.stringMatching(/^quickbooks-callback: dynamodb:GetItem on .*tenant_provider_keys/),
      expect.stringMatching(/^quickbooks-callback: dynamodb:PutItem on .*tenant_provider_keys/),
    ]);
  });

  it('fails when the token key policy leaves a token function out, or a call names no tenant', async () => {
    const keyId = Object.keys(resolved.resources).find((id) => id.startsWith('DataTokenKey'));
    const keyPolicy = resolved.resources[keyId as string]?.Properties.KeyPolicy as PolicyDocument;
    const only = keyPolicy.Statement.find((st) => st.Sid === 'OnlyTokenFunctionsUseTheKey');
    const roles = only?.Condition?.ArnNotEquals?.['aws:PrincipalArn'] as string[];
    const pushWorker = deployed.functions['push-worker']?.roleArn as string;
    roles.splice(roles.indexOf(pushWorker), 1);
    try {
      const denials = await evaluate(deployed, requests);
      expect(new Set(denials.map((d) => `${d.fn} ${d.action} ${d.result}`))).toEqual(
        new Set([
          'push-worker kms:Decrypt ExplicitlyDenied',
          'push-worker kms:GenerateDataKey ExplicitlyDenied',
        ]),
      );
    } finally {
      roles.push(pushWorker);
    }
    const opened = requests.find(
      (r) =>
        r.fn === 'push-worker' && r.action === 'kms:Decrypt' && /datatokenkey/.test(r.resource),
    ) as PermissionRequest;
    const { 'kms:EncryptionContext:provider': _provider, ...withoutProvider } = opened.context;
    const noTenant = {
      ...opened,
      context: { ...withoutProvider, 'kms:EncryptionContextKeys': ['tenantId'] },
    };
    expect(await evaluate(deployed, [opened])).toEqual([]);
    expect((await evaluate(deployed, [noTenant]))[0]?.result).toBe('ExplicitlyDenied');
  });

  it.each([
    ['a queue no path sends to', 'get-connection', ['sqs:SendMessage'], 'PUSH_QUEUE'],
    ['a table the function never touches', 'list-invoices', ['dynamodb:Scan'], 'KEYS_TABLE_NAME'],
    [
      'writes to a table the function only reads',
      'list-invoices',
      ['dynamodb:PutItem'],
      'SYNC_TABLE_NAME',
    ],
  ])('reports a grant of %s', (_what, fn, actions, target) => {
    const resource =
      target === 'PUSH_QUEUE'
        ? queueArnOf(envOf('PUSH_QUEUE_URL'))
        : `arn:aws:dynamodb:${resolved.region}:${resolved.account}:table/${envOf(target)}`;
    const target_ = deployed.functions[fn] as DeployedFunction;
    const extra = { Effect: 'Allow' as const, Action: actions, Resource: resource };
    const policies = [...target_.policies, { name: 'Extra', document: { Statement: [extra] } }];
    const widened = {
      ...deployed,
      functions: { ...deployed.functions, [fn]: { ...target_, policies } },
    };
    const surplus = unusedGrants(widened, requests).filter((u) => !isExplained(u, requests));
    expect(surplus).toEqual([{ fn, action: actions[0], resource, statementUsed: false }]);
  });
});
