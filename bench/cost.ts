import { invoice } from './push.ts';
import type { DynamoMeter } from './support/dynamo-meter.ts';
import { type BenchStack, inParallel, round } from './support/stack.ts';

/**
 * Published on-demand prices, US East (N. Virginia), as of November 2026: Lambda (Arm),
 * aws.amazon.com/lambda/pricing; API Gateway HTTP APIs, aws.amazon.com/api-gateway/pricing; SQS,
 * aws.amazon.com/sqs/pricing; DynamoDB on-demand (after the November 2024 reduction),
 * aws.amazon.com/dynamodb/pricing; EventBridge custom events, aws.amazon.com/eventbridge/pricing;
 * CloudWatch Logs standard ingestion, aws.amazon.com/cloudwatch/pricing. Free tiers ignored.
 */
export const PRICES_USD = {
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  httpApiPerMillionRequests: 1.0,
  sqsFifoPerMillionRequests: 0.5,
  sqsStandardPerMillionRequests: 0.4,
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
  eventBridgePerMillionEvents: 1.0,
  logsPerGbIngested: 0.5,
};

/**
 * This benchmark on main just before issue 19's changes (the QBO-shaped limiter in, nothing else of
 * the issue): `npm run bench -- cost`, 2026-12-02 16:37 UTC, main at 720ecf5, same machine.
 */
export const BEFORE_ISSUE_19 = {
  dynamoRequestsPerInvoice: 45.0,
  dynamoUsdPer1000: 0.0163,
  usdPer1000: 0.0361,
};

/** Every function's memory (`AppFunction`'s default). */
const MEMORY_GB = 256 / 1024;

interface QueueStats {
  sent: number;
  receives: number;
  deleted: number;
  visibilityChanges: number;
  consumerMs: number;
}

interface Usage {
  queues: Record<'push' | 'changes' | 'reconcile', QueueStats>;
  invocations: Record<string, { count: number; ms: number }>;
  events: number;
  logBytes: number;
}

async function usage(stack: BenchStack): Promise<Usage> {
  const get = async <T>(path: string) =>
    (await (await fetch(`${stack.apiUrl}${path}`)).json()) as T;
  const queues = await get<Record<string, { stats: QueueStats }>>('/_local/queues');
  return {
    queues: {
      push: queues.push?.stats as QueueStats,
      changes: queues.changes?.stats as QueueStats,
      reconcile: queues.reconcile?.stats as QueueStats,
    },
    invocations: await get('/_local/invocations'),
    events: (await get<{ events: unknown[] }>('/_local/events')).events.length,
    logBytes: stack.logBytes(),
  };
}

/**
 * Cost per 1,000 invoices (issue 9): 1,000 invoices pushed, each paid in full in QBO (the payment
 * reaching the stack by signed webhook), then one reconcile of every tenant; every AWS request the
 * stack made on the way is counted (API calls, Lambda invocations and their durations, SQS calls,
 * DynamoDB capacity units through a meter, EventBridge events, log bytes at INFO) and priced.
 *
 * @param stack - a stack started with `LOCAL_DYNAMODB_ENDPOINT` at the meter and logs at INFO
 * @param dynamo - the meter's usage and reset
 * @param tenants - tenants sharing the 1,000 invoices
 */
export async function costBenchmark(stack: BenchStack, dynamo: DynamoMeter, tenants = 10) {
  const perTenant = Math.round(1000 / tenants);
  const ids = Array.from({ length: tenants }, (_, t) => `bench-cost-${t}`);
  const realms = await inParallel(ids, 5, (tenantId) =>
    stack.connect(tenantId, `Cost ${tenantId}`),
  );
  const before = await usage(stack);
  dynamo.reset();

  const jobs = ids.flatMap((tenantId, t) =>
    Array.from({ length: perTenant }, (_, n) => ({ tenantId, realmId: realms[t] as string, n })),
  );
  await inParallel(jobs, 50, async ({ tenantId, n }) => {
    const res = await stack.call(tenantId, 'POST', `/invoices/c_${n}/push`, invoice(n, 'cost'));
    if (res.status !== 202) throw new Error(`push: ${res.status}`);
  });
  await stack.drained('push');
  // QBO pays every invoice; the QBO ids come from the emulator's books, not from the API, so the
  // benchmark's own looking adds no request to the count.
  await inParallel(realms, 5, async (realmId) => {
    const res = await stack.admin('GET', `/_admin/companies/${realmId}`);
    const { invoices } = (await res.json()) as { invoices: { Id: string }[] };
    for (const { Id } of invoices) {
      const paid = await stack.admin('POST', `/_admin/companies/${realmId}/payments`, {
        invoiceId: Id,
        amount: 934,
      });
      if (!paid.ok) throw new Error(`payment: ${paid.status}`);
    }
  });
  await stack.eventsOfType('invoice.paid', jobs.length);
  await stack.drained('changes');
  await Promise.all(ids.map((tenantId) => stack.call(tenantId, 'POST', '/reconcile')));
  await stack.drained('reconcile');
  const after = await usage(stack);
  const db = dynamo.usage();

  const invoices = jobs.length;
  const per1000 = (n: number) => (n * 1000) / invoices;
  const apiCalls = Object.entries(after.invocations).map(([fn, a]) => {
    const b = before.invocations[fn] ?? { count: 0, ms: 0 };
    return { fn, count: a.count - b.count, ms: a.ms - b.ms };
  });
  const queueDelta = (q: keyof Usage['queues']) => {
    const a = after.queues[q];
    const b = before.queues[q];
    return {
      requests:
        a.sent -
        b.sent +
        (a.receives - b.receives) +
        (a.deleted - b.deleted) +
        (a.visibilityChanges - b.visibilityChanges),
      invocations: a.receives - b.receives,
      ms: a.consumerMs - b.consumerMs,
    };
  };
  const queues = {
    push: queueDelta('push'),
    changes: queueDelta('changes'),
    reconcile: queueDelta('reconcile'),
  };
  const apiRequests = apiCalls.reduce((s, c) => s + c.count, 0);
  const lambdaInvocations =
    apiRequests +
    queues.push.invocations +
    queues.changes.invocations +
    queues.reconcile.invocations;
  const lambdaSeconds =
    (apiCalls.reduce((s, c) => s + c.ms, 0) +
      queues.push.ms +
      queues.changes.ms +
      queues.reconcile.ms) /
    1000;
  const readUnits = Object.values(db).reduce((s, r) => s + r.readUnits, 0);
  const writeUnits = Object.values(db).reduce((s, r) => s + r.writeUnits, 0);
  const dynamoRequests = Object.values(db).reduce((s, r) => s + r.requests, 0);
  const events = after.events - before.events;
  const logGb = (after.logBytes - before.logBytes) / 2 ** 30;
  const P = PRICES_USD;
  const usd = {
    apiGateway: (apiRequests / 1e6) * P.httpApiPerMillionRequests,
    lambdaRequests: (lambdaInvocations / 1e6) * P.lambdaPerMillionRequests,
    lambdaDuration: lambdaSeconds * MEMORY_GB * P.lambdaArmPerGbSecond,
    sqs:
      ((queues.push.requests + queues.changes.requests) / 1e6) * P.sqsFifoPerMillionRequests +
      (queues.reconcile.requests / 1e6) * P.sqsStandardPerMillionRequests,
    dynamodb:
      (readUnits / 1e6) * P.dynamoPerMillionReadUnits +
      (writeUnits / 1e6) * P.dynamoPerMillionWriteUnits,
    eventBridge: (events / 1e6) * P.eventBridgePerMillionEvents,
    logs: logGb * P.logsPerGbIngested,
  };
  const total = Object.values(usd).reduce((s, n) => s + n, 0);
  return {
    workload: `${invoices} invoices over ${tenants} tenants: pushed, paid in QBO (webhook), reconciled once`,
    before: BEFORE_ISSUE_19,
    prices: P,
    per1000Invoices: {
      apiRequests: round(per1000(apiRequests), 0),
      lambdaInvocations: round(per1000(lambdaInvocations), 0),
      lambdaGbSeconds: round(per1000(lambdaSeconds * MEMORY_GB), 1),
      sqsRequests: round(
        per1000(queues.push.requests + queues.changes.requests + queues.reconcile.requests),
        0,
      ),
      dynamoRequests: round(per1000(dynamoRequests), 0),
      dynamoReadUnits: round(per1000(readUnits), 0),
      dynamoWriteUnits: round(per1000(writeUnits), 0),
      eventBridgeEvents: round(per1000(events), 0),
      logKb: round(per1000((after.logBytes - before.logBytes) / 1024), 0),
      usd: Object.fromEntries(Object.entries(usd).map(([k, v]) => [k, round(per1000(v), 4)])),
      totalUsd: round(per1000(total), 4),
    },
    dynamoByOperation: db,
    dynamoRequestsByItem: Object.fromEntries(
      Object.entries(dynamo.requestsByItem()).sort((a, b) => b[1] - a[1]),
    ),
    functions: apiCalls,
    queues,
    note:
      'Durations are measured locally (DynamoDB Local, QBO at 150 ms); Lambda in AWS is billed per ms ' +
      'of the same work. Fixed monthly costs (two KMS keys, two secrets, alarms, dashboard) are not ' +
      'per invoice; KMS requests are a few per tenant-hour, not per invoice.',
  };
}
