/**
 * The deployable artifacts, not the sources: every function's bundle from the cloud assembly
 * (`npm run synth`: esbuild's ESM bundle with its source map, cdk-nag and Guard passed), loaded on
 * the Lambda runtime's Node.js with the environment the template gives it, and invoked with the
 * events AWS documents (`test/fixtures/aws-events.ts`) through a tenant's whole story: connect,
 * push, reconcile from its schedule, a payment by webhook, settings, disconnect. DynamoDB is the
 * run's DynamoDB, Intuit the emulator over HTTP, and the other AWS services a recording endpoint
 * (`test/support/aws-recorder.ts`): each step checks the answer and the AWS calls made, and the
 * messages a function sends are what the next one receives.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '#emulator/server.ts';
import { type FunctionName, functionEntries } from '#lib/functions.ts';
import { ensureTables } from '#local/dynamodb-local.ts';
import { scheduleName } from '#shared/ports/schedule-registry.ts';
import { documentClient } from '#shared/store/dynamo.ts';
import { OUTBOX_PREFIX } from '#shared/store/outbox-repository.ts';
import { syncStateTable, tenantProviderKeysTable } from '#shared/store/tables.ts';
import {
  dynamoStreamEvent,
  type HttpRequest,
  httpApiEvent,
  type QueuedMessage,
  scheduledEvent,
  schedulerTargetInput,
  sqsEvent,
} from '../fixtures/aws-events.ts';
import { pushExample } from '../fixtures/push-example.ts';
import { type AwsCall, type AwsRecorder, startAwsRecorder } from '../support/aws-recorder.ts';
import { ACCOUNT, type Assembly, REGION, synthesizedAssembly } from '../support/cloud-assembly.ts';
import { type LambdaInstance, startLambda } from '../support/lambda/runtime.ts';
import { resultOf } from '../support/local-stack.ts';
import { WEBHOOK_TOKEN } from '../support/secret-shapes.ts';

const TENANT = 'acme-bundles';
const INVOICE = 'inv_bundle_1';

let assembly: Assembly;
let aws: AwsRecorder;
let emulator: RunningEmulator;
let webhookSink: Server;
const running = new Map<FunctionName, LambdaInstance>();
/** The functions the current test used (their output is shown when it fails). */
const used = new Set<FunctionName>();
/** Every function that handled an event. */
const invoked = new Set<FunctionName>();

beforeAll(async () => {
  aws = await startAwsRecorder();
  assembly = await synthesizedAssembly(aws.url);
  const env = (name: FunctionName, key: string) => {
    const value = assembly.functions[name].environment[key];
    if (!value) throw new Error(`${name} has no ${key} in the template`);
    return value;
  };
  // The tables under their deployed names, with the key schema of shared/store/tables.ts.
  await ensureTables(inject('dynamoEndpoint'), [
    { ...syncStateTable, localName: env('push-worker', 'SYNC_TABLE_NAME') },
    { ...tenantProviderKeysTable, localName: env('push-worker', 'KEYS_TABLE_NAME') },
  ]);
  emulator = await startEmulator({
    port: 0,
    redirectUris: [env('connect-quickbooks', 'INTUIT_REDIRECT_URI')],
  });
  aws.putSecret(env('connect-quickbooks', 'INTUIT_SECRET_ARN'), {
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
  });
  aws.putSecret(env('quickbooks-webhook', 'WEBHOOK_SECRET_ARN'), {
    webhookVerifierTokens: [WEBHOOK_TOKEN],
  });
  // Intuit's webhook deliveries are taken from the emulator's log and handed to the receiver as
  // API Gateway would; this only answers them.
  webhookSink = createServer((_req, res) => res.writeHead(200).end());
  await new Promise<void>((ready) => webhookSink.listen(0, '127.0.0.1', ready));
  await admin('PUT', '/_admin/webhooks', {
    url: `http://127.0.0.1:${(webhookSink.address() as AddressInfo).port}/`,
    verifierToken: WEBHOOK_TOKEN,
    format: 'cloudevents',
  });
}, 600_000);

afterAll(async () => {
  for (const fn of running.values()) fn.close();
  await Promise.all([aws?.close(), emulator?.close()]);
  webhookSink?.close();
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') {
    for (const name of used) console.error(`--- ${name} ---\n${running.get(name)?.output()}`);
  }
  used.clear();
});

async function admin(method: string, path: string, body?: unknown) {
  const res = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json() as Promise<Record<string, unknown>>;
}

/** Invokes a function with an event, as its trigger would. */
async function invoke<T>(name: FunctionName, event: unknown): Promise<T> {
  invoked.add(name);
  return (await lambda(name)).invoke<T>(event);
}

/** The function's execution environment, started (cold) on first use. */
async function lambda(name: FunctionName): Promise<LambdaInstance> {
  used.add(name);
  let fn = running.get(name);
  if (!fn) {
    fn = await startLambda(assembly.functions[name], {
      aws: aws.url,
      dynamodb: inject('dynamoEndpoint'),
      credentials: inject('localAws'),
      region: inject('localAws').region,
      // The one setting the stack does not give: Intuit's hosts are the emulator's here.
      extra: { INTUIT_OAUTH_BASE_URL: emulator.url, QBO_API_BASE_URL: emulator.url },
    });
    running.set(name, fn);
  }
  return fn;
}

/**
 * Hands the relay the outbox's items as the table's stream would (new images), and answers the
 * AWS calls it made.
 */
async function relayOutbox(): Promise<string[]> {
  const table = envOf('event-relay', 'SYNC_TABLE_NAME');
  const { Items = [] } = await documentClient.send(
    new ScanCommand({
      TableName: table,
      FilterExpression: 'begins_with(sk, :outbox)',
      ExpressionAttributeValues: { ':outbox': OUTBOX_PREFIX },
    }),
  );
  const stream = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}/stream/2026-01-01T00:00:00.000`;
  await invoke('event-relay', dynamoStreamEvent(stream, Items as Record<string, string>[]));
  return summary(aws.take());
}

/** What each AWS call was about: its action and target, e.g. `sqs.SendMessage <queue URL>`. */
function summary(calls: AwsCall[]): string[] {
  return calls.map(({ service, action, input }) => {
    const entries = input.Entries as { EventBusName: string; DetailType: string }[] | undefined;
    const target =
      input.QueueUrl ??
      input.KeyId ??
      input.SecretId ??
      (service === 'scheduler' ? `${input.GroupName}/${input.Name}` : undefined) ??
      entries?.map((e) => `${e.EventBusName}:${e.DetailType}`).join(',');
    return `${service}.${action} ${target}`;
  });
}

interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends an HTTP API request to a route's function as API Gateway would, with a tenant's JWT, having
 * come through the edge (CloudFront's headers added).
 */
async function route(name: FunctionName, request: HttpRequest, tenantId = TENANT) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    sub: 'admin-7',
    iss: 'https://auth.dev.tradelyhq.example/',
    aud: ['tradelyhq-quickbooks-api'],
    iat: now,
    exp: now + 3600,
    tenant_id: tenantId,
    scope: 'quickbooks.admin quickbooks.push',
  };
  const headers = { ...assembly.edgeHeaders, ...request.headers };
  const event = httpApiEvent({ claims, ...request, headers });
  const answer = await invoke<HttpAnswer>(name, event);
  return { ...answer, json: () => JSON.parse(answer.body) as Record<string, unknown> };
}

/** Delivers messages to a queue worker as its event source mapping would, in one batch. */
async function deliver(name: FunctionName, messages: QueuedMessage[]) {
  const queue = assembly.functions[name].queue;
  if (!queue) throw new Error(`${name} reads no queue`);
  // Without it, Lambda ignores the answer and retries the whole batch.
  expect(queue.functionResponseTypes).toEqual(['ReportBatchItemFailures']);
  const event = sqsEvent(queue.arn, messages);
  const answer = await invoke<{ batchItemFailures: { itemIdentifier: string }[] }>(name, event);
  const failed = new Set(answer.batchItemFailures.map((f) => f.itemIdentifier));
  return { answer, failed: event.Records.map((r) => failed.has(r.messageId)) };
}

/** The messages a function sent to a queue, as that queue delivers them. */
function sent(calls: AwsCall[], queueUrl: string | undefined): QueuedMessage[] {
  return calls
    .filter((c) => c.action === 'SendMessage' && c.input.QueueUrl === queueUrl)
    .map(({ input }) => ({
      body: String(input.MessageBody),
      ...(input.MessageGroupId ? { groupId: String(input.MessageGroupId) } : {}),
      ...(input.MessageDeduplicationId
        ? { deduplicationId: String(input.MessageDeduplicationId) }
        : {}),
      ...(input.MessageAttributes
        ? { attributes: input.MessageAttributes as QueuedMessage['attributes'] }
        : {}),
    }));
}

const queueUrl = (name: FunctionName) => assembly.functions[name].queue?.url;
const envOf = (name: FunctionName, key: string) => assembly.functions[name].environment[key];
/** What every story step shares: the company, the messages in flight, the schedule's input. */
const story = {
  realmId: '',
  qboInvoiceId: '',
  grantJobs: [] as QueuedMessage[],
  scheduleInput: '',
};

describe('Deployed bundles: loaded on the Lambda runtime, invoked with AWS event shapes', () => {
  it('loads every bundle on Node.js 24 with source maps on; a cold start reads only its own secret', async () => {
    for (const [name, spec] of functionEntries()) {
      const fn = assembly.functions[name];
      expect(fn.runtime).toBe('nodejs24.x');
      const { runtime } = await lambda(name);
      expect(runtime, name).toMatchObject({
        sourceMaps: true,
        node: expect.stringMatching(/^v24\./),
      });
      // What its row grants is what its cold start reads (a top-level await): the Intuit app's
      // secret, or the webhook verifier tokens; nothing else calls AWS before its first event.
      const secret = spec.intuitApp
        ? envOf(name, 'INTUIT_SECRET_ARN')
        : spec.webhookSecret
          ? envOf(name, 'WEBHOOK_SECRET_ARN')
          : undefined;
      expect(summary(aws.take()), name).toEqual(
        secret ? [`secretsmanager.GetSecretValue ${secret}`] : [],
      );
    }
    const answer = await route('health', { method: 'GET', route: '/health' });
    expect(answer).toMatchObject({ statusCode: 200 });
    expect(answer.json()).toEqual({ status: 'ok' });
    expect(aws.take()).toEqual([]);
    // Straight at the API's own endpoint, around the edge's per-client limits: refused unread.
    expect(Object.keys(assembly.edgeHeaders)).toEqual(['x-tradelyhq-origin']);
    const direct = await invoke<HttpAnswer>(
      'quickbooks-webhook',
      httpApiEvent({ method: 'POST', route: '/webhooks/quickbooks', body: '[]' }),
    );
    expect(direct.statusCode).toBe(403);
    expect(JSON.parse(direct.body)).toMatchObject({ code: 'not_through_edge' });
    expect(aws.take()).toEqual([]);
  });

  it('connects a tenant: connect, Intuit consent, the public callback, the confirm', async () => {
    story.realmId = String(
      (await admin('POST', '/_admin/companies', { name: 'Bundle Plumbing' })).realmId,
    );
    const status = await route('get-connection', {
      method: 'GET',
      route: '/integrations/quickbooks',
    });
    expect(status.statusCode).toBe(200);
    expect(status.json()).toMatchObject({ status: 'disconnected', realmId: null });

    const started = await route('connect-quickbooks', {
      method: 'POST',
      route: '/integrations/quickbooks/connect',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(started.statusCode).toBe(200);
    expect(aws.take()).toEqual([]);
    const consent = new URL(String(started.json().authorizeUrl));
    expect(consent.searchParams.get('redirect_uri')).toBe(
      envOf('connect-quickbooks', 'INTUIT_REDIRECT_URI'),
    );
    consent.searchParams.set('auto_approve', story.realmId);
    const toCallback = new URL(
      (await fetch(consent, { redirect: 'manual' })).headers.get('location') ?? '',
    );

    const callback = await route('quickbooks-callback', {
      method: 'GET',
      route: '/oauth/quickbooks/callback',
      query: toCallback.search.slice(1),
    });
    expect(callback.statusCode).toBe(302);
    const back = new URL(callback.headers.location ?? '');
    expect(`${back.origin}${back.pathname}`).toBe(envOf('quickbooks-callback', 'PORTAL_URL'));
    expect(resultOf(back).get('quickbooks')).toBe('confirm');
    const calls = aws.take();
    const tokenKey = envOf('quickbooks-callback', 'TOKEN_KEY_ARN');
    expect(summary(calls)).toEqual([
      `kms.GenerateDataKey ${tokenKey}`,
      `sqs.SendMessage ${queueUrl('grant-worker')}`,
    ]);
    expect(calls[0]?.input.EncryptionContext).toMatchObject({ tenantId: TENANT });
    story.grantJobs.push(...sent(calls, queueUrl('grant-worker')));

    const confirmed = await route('confirm-quickbooks', {
      method: 'POST',
      route: '/integrations/quickbooks/confirm',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ confirmation: resultOf(back).get('confirmation') }),
    });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json()).toMatchObject({ status: 'connected', realmId: story.realmId });
    const confirmCalls = aws.take();
    const schedule = `${envOf('confirm-quickbooks', 'SCHEDULE_GROUP')}/${scheduleName(TENANT)}`;
    // It adopts the sealed grant as it is (no key use), and creates the tenant's schedule: an
    // update first, which Scheduler refuses for a schedule it does not hold.
    expect(summary(confirmCalls)).toEqual([
      `scheduler.UpdateSchedule ${schedule}`,
      `scheduler.CreateSchedule ${schedule}`,
    ]);
    const created = confirmCalls.find((c) => c.action === 'CreateSchedule')?.input as {
      Target: { Arn: string; RoleArn: string; Input: string };
    };
    expect(created.Target).toMatchObject({
      Arn: assembly.functions['reconcile-worker'].queue?.arn,
      RoleArn: envOf('confirm-quickbooks', 'SCHEDULER_ROLE_ARN'),
    });
    story.scheduleInput = created.Target.Input;
    story.grantJobs.push(...sent(confirmCalls, queueUrl('grant-worker')));
  });

  it('pushes an invoice: the route queues it, the FIFO worker creates it in QBO', async () => {
    const accepted = await route('push-invoice', {
      method: 'POST',
      route: '/invoices/{invoiceId}/push',
      pathParameters: { invoiceId: INVOICE },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(pushExample),
    });
    expect(accepted.statusCode).toBe(202);
    expect(accepted.json()).toMatchObject({ status: 'queued' });
    const calls = aws.take();
    expect(summary(calls)).toEqual([`sqs.SendMessage ${queueUrl('push-worker')}`]);
    // Its event waits in the outbox, written with the invoice; the table's stream delivers it.
    expect(await relayOutbox()).toEqual([
      `events.PutEvents ${envOf('event-relay', 'EVENT_BUS_NAME')}:invoice.queued`,
    ]);
    const [push] = sent(calls, queueUrl('push-worker'));
    expect(push).toMatchObject({
      groupId: expect.any(String),
      deduplicationId: expect.any(String),
    });

    // One batch: the push, then two messages of another group, the first one malformed. The
    // FIFO processor fails the malformed one and the rest of its group, and only those.
    const other = { groupId: 'other-tenant', deduplicationId: 'x' };
    const { answer, failed } = await deliver('push-worker', [
      push as QueuedMessage,
      { ...other, body: '{"tenantId":"other-tenant"}' },
      { ...other, body: push?.body ?? '', deduplicationId: 'y' },
    ]);
    expect(failed).toEqual([false, true, true]);
    expect(answer.batchItemFailures).toHaveLength(2);
    // The tenant's tokens are opened (under their encryption context) for the QBO calls.
    const workerCalls = aws.take();
    expect(summary(workerCalls)).toEqual([`kms.Decrypt ${envOf('push-worker', 'TOKEN_KEY_ARN')}`]);
    expect(workerCalls[0]?.input.EncryptionContext).toMatchObject({ tenantId: TENANT });
    expect(await relayOutbox()).toEqual([
      `events.PutEvents ${envOf('event-relay', 'EVENT_BUS_NAME')}:invoice.pushed`,
    ]);

    const sync = await route('get-invoice-sync', {
      method: 'GET',
      route: '/invoices/{invoiceId}/sync',
      pathParameters: { invoiceId: INVOICE },
    });
    expect(sync.json()).toMatchObject({ status: 'pushed' });
    story.qboInvoiceId = String(sync.json().qboInvoiceId);
    const listed = await route('list-invoices', {
      method: 'GET',
      route: '/invoices',
      query: 'status=pushed&limit=10',
    });
    expect(listed.json()).toMatchObject({ invoices: [{ invoiceId: INVOICE }] });
    expect(aws.take()).toEqual([]);
  });

  it("reconciles from the schedule's own target input, spreading its start, and the panel acts on what it finds", async () => {
    await admin('PATCH', `/_admin/companies/${story.realmId}/invoices/${story.qboInvoiceId}`, {
      CustomerMemo: { value: 'Thanks for your business' },
    });
    const body = schedulerTargetInput(story.scheduleInput, new Date());
    // First receive: the run is postponed by a random few minutes (its own visibility).
    const first = await deliver('reconcile-worker', [{ body }]);
    expect(first.failed).toEqual([true]);
    const [postponed] = aws.take();
    expect(postponed).toMatchObject({
      action: 'ChangeMessageVisibility',
      input: { QueueUrl: queueUrl('reconcile-worker') },
    });
    expect(Number(postponed?.input.VisibilityTimeout)).toBeLessThanOrEqual(600);
    // Received again: it runs, and finds QBO's memo.
    expect((await deliver('reconcile-worker', [{ body, receiveCount: 2 }])).failed).toEqual([
      false,
    ]);
    const panel = await route('list-sync-errors', { method: 'GET', route: '/sync-errors' });
    const [memo] = panel.json().errors as { id: string; diff: { field: string }[] }[];
    expect(memo?.diff).toEqual([expect.objectContaining({ field: 'memo' })]);
    const accepted = await route('accept-sync-error', {
      method: 'POST',
      route: '/sync-errors/{id}/accept',
      pathParameters: { id: memo?.id ?? '' },
    });
    expect(accepted.json()).toMatchObject({ state: 'accepted', resolvedBy: 'admin-7' });

    await admin('PATCH', `/_admin/companies/${story.realmId}/invoices/${story.qboInvoiceId}`, {
      DueDate: '2027-03-31',
    });
    const requested = await route('request-reconcile', { method: 'POST', route: '/reconcile' });
    expect(requested.statusCode, requested.body).toBe(202);
    const manual = sent(aws.take(), queueUrl('reconcile-worker'));
    expect(manual).toHaveLength(1);
    expect((await deliver('reconcile-worker', manual)).failed).toEqual([false]);
    const listed = await route('list-sync-errors', { method: 'GET', route: '/sync-errors' });
    const [dueDate] = listed.json().errors as { id: string; diff: { field: string }[] }[];
    // QBO's invoice changed again since the memo was accepted: both fields differ now.
    expect(dueDate?.diff).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'dueDate' })]),
    );
    const resync = await route('resync-invoice', {
      method: 'POST',
      route: '/sync-errors/{id}/resync',
      pathParameters: { id: dueDate?.id ?? '' },
    });
    expect(resync.statusCode).toBe(202);
    const repush = sent(aws.take(), queueUrl('push-worker'));
    expect(repush).toHaveLength(1);
    expect((await deliver('push-worker', repush)).failed).toEqual([false]);
    const after = await route('list-sync-errors', { method: 'GET', route: '/sync-errors' });
    expect(after.json()).toMatchObject({ errors: [] });
    aws.take();
    const unknown = await route('dismiss-sync-error', {
      method: 'POST',
      route: '/sync-errors/{id}/dismiss',
      pathParameters: { id: 'inv_never_pushed' },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'Agreed with the customer' }),
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'sync_error_not_found' });
  });

  it("takes Intuit's webhook with a base64-encoded body, and the change worker marks the invoice paid", async () => {
    await admin('POST', `/_admin/companies/${story.realmId}/payments`, {
      invoiceId: story.qboInvoiceId,
      amount: 934,
    });
    await emulator.webhooksIdle();
    const { deliveries } = (await admin('GET', '/_admin/webhooks/deliveries')) as unknown as {
      deliveries: { body: string; signature: string; events: { name: string }[] }[];
    };
    const payment = deliveries.findLast((d) => d.events.some((e) => e.name === 'Payment'));
    const webhook = (signature: string) =>
      route('quickbooks-webhook', {
        method: 'POST',
        route: '/webhooks/quickbooks',
        headers: { 'content-type': 'application/cloudevents+json', 'intuit-signature': signature },
        body: payment?.body ?? '',
        base64: true,
      });
    const forged = await webhook(Buffer.from('forged').toString('base64'));
    expect(forged.statusCode).toBe(401);
    const received = await webhook(payment?.signature ?? '');
    expect(received.statusCode).toBe(200);
    const calls = aws.take();
    // One message per entity change Intuit names: the payment, the invoice it paid (and the
    // re-push's update, when Intuit's batch window caught it too).
    expect(summary(calls)).toEqual(
      payment?.events.map(() => `sqs.SendMessage ${queueUrl('change-worker')}`),
    );
    const { failed } = await deliver('change-worker', sent(calls, queueUrl('change-worker')));
    expect(failed).toEqual(calls.map(() => false));
    // It opens the tenant's tokens, and puts nothing on the bus itself.
    expect(summary(aws.take()).filter((call) => call.startsWith('events.'))).toEqual([]);
    // The panel's re-sync in the reconcile step re-pushed it: that event first, in order.
    const bus = envOf('event-relay', 'EVENT_BUS_NAME');
    expect(await relayOutbox()).toEqual([
      `events.PutEvents ${bus}:invoice.pushed,${bus}:invoice.paid`,
    ]);
    const sync = await route('get-invoice-sync', {
      method: 'GET',
      route: '/invoices/{invoiceId}/sync',
      pathParameters: { invoiceId: INVOICE },
    });
    expect(sync.json()).toMatchObject({ status: 'paid' });
  });

  it('moves the schedule with the settings, lists income accounts and tax codes, and the watchdog counts', async () => {
    const settings = await route('update-settings', {
      method: 'PUT',
      route: '/integrations/quickbooks/settings',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ timezone: 'America/Chicago' }),
    });
    expect(settings.statusCode).toBe(200);
    const [moved] = aws.take();
    expect(moved).toMatchObject({
      action: 'UpdateSchedule',
      input: { ScheduleExpressionTimezone: 'America/Chicago' },
    });
    const accounts = await route('list-income-accounts', {
      method: 'GET',
      route: '/integrations/quickbooks/accounts',
    });
    expect(accounts.statusCode).toBe(200);
    expect((accounts.json().accounts as unknown[]).length).toBeGreaterThan(0);
    expect(summary(aws.take())).toEqual([
      `kms.Decrypt ${envOf('list-income-accounts', 'TOKEN_KEY_ARN')}`,
    ]);
    const taxCodes = await route('list-tax-codes', {
      method: 'GET',
      route: '/integrations/quickbooks/tax-codes',
    });
    expect(taxCodes.statusCode).toBe(200);
    expect(Array.isArray(taxCodes.json().taxCodes)).toBe(true);
    // TaxCodes and TaxRates are read at once and share one opening of the token.
    expect(summary(aws.take())).toEqual([
      `kms.Decrypt ${envOf('list-tax-codes', 'TOKEN_KEY_ARN')}`,
    ]);
    const fleet = await invoke(
      'fleet-watchdog',
      scheduledEvent('arn:aws:events:us-east-1:123456789012:rule/fleet-watchdog'),
    );
    expect(fleet).toMatchObject({ connected: 1, reconnectRequired: 0, openSyncErrors: 0 });
    expect(aws.take()).toEqual([]);
    // The relay's sweep, from its rule: the stream delivered everything, nothing is left.
    const sweep = await invoke(
      'event-relay',
      scheduledEvent('arn:aws:events:us-east-1:123456789012:rule/event-relay-sweep'),
    );
    expect(sweep).toEqual({ swept: 0 });
    expect(aws.take()).toEqual([]);
  });

  it("disconnects: Intuit's Disconnect URL and the admin's disconnect queue grant jobs, and the grant worker does them", async () => {
    const notice = await route('quickbooks-disconnected', {
      method: 'GET',
      route: '/oauth/quickbooks/disconnected',
      query: `realmId=${story.realmId}`,
    });
    expect(notice.statusCode).toBe(302);
    const disconnected = await route('disconnect-quickbooks', {
      method: 'DELETE',
      route: '/integrations/quickbooks',
    });
    expect(disconnected.statusCode).toBe(200);
    const calls = aws.take();
    const schedule = `${envOf('disconnect-quickbooks', 'SCHEDULE_GROUP')}/${scheduleName(TENANT)}`;
    expect(summary(calls)).toEqual(
      expect.arrayContaining([
        `sqs.SendMessage ${queueUrl('grant-worker')}`,
        `scheduler.DeleteSchedule ${schedule}`,
      ]),
    );
    story.grantJobs.push(...sent(calls, queueUrl('grant-worker')));
    const { failed } = await deliver('grant-worker', story.grantJobs);
    expect(failed).toEqual(story.grantJobs.map(() => false));
    const status = await route('get-connection', {
      method: 'GET',
      route: '/integrations/quickbooks',
    });
    expect(status.json()).toMatchObject({
      status: 'disconnected',
      revokedAtIntuit: true,
    });
  });

  it('invoked every function of the stack with its event', () => {
    expect([...invoked].sort()).toEqual(
      functionEntries()
        .map(([name]) => name)
        .sort(),
    );
  });
});
