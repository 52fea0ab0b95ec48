import { cpus } from 'node:os';
import { DEFAULT_LIMITS } from '#emulator/limits.ts';
import { GROUPS_PER_TENANT } from '#shared/ports/push-queue.ts';
import { pushExample } from '../test/fixtures/push-example.ts';
import { type BenchStack, inParallel, percentile, round } from './support/stack.ts';

/** Sizes of the push benchmark. */
export interface PushBenchOptions {
  readonly tenants: number;
  readonly invoicesPerTenant: number;
  /** Invoices per tenant pushed again afterwards with every customer and item already mirrored. */
  readonly warmInvoicesPerTenant: number;
  /** Invoices of a company pushed alone, to see one company's rate against QBO's limit. */
  readonly oneCompanyInvoices: number;
  /** Invoices pushed one at a time on an otherwise idle stack, for the latency of one. */
  readonly idleSamples: number;
  /** The latency the stack's emulator was given (`EMULATOR_LATENCY_MS`), one QBO request's. */
  readonly qboLatencyMs: number;
}

const CUSTOMERS = 10;
const ITEMS = 5;
/** QBO's documented throttle per company (docs/qbo-facts.md), which the emulator enforces. */
const QBO_PER_MINUTE = DEFAULT_LIMITS.perMinute;

type Body = typeof pushExample;

/** Invoice `n` of a tenant: one of 10 customers, two of 5 items, so mirrors happen on first use. */
export function invoice(n: number, prefix: string): Body {
  const body = structuredClone(pushExample);
  const c = n % CUSTOMERS;
  body.docNumber = `${prefix}-${n}`;
  body.client = { ...body.client, id: `cl_${c}`, displayName: `Client ${c}`, companyName: '' };
  const [labor, material] = body.lines as [Body['lines'][number], Body['lines'][number]];
  labor.itemCode = `SVC-${n % ITEMS}`;
  labor.itemName = `Service ${n % ITEMS}`;
  material.itemCode = `MAT-${(n + 1) % ITEMS}`;
  material.itemName = `Material ${(n + 1) % ITEMS}`;
  return body;
}

interface TenantRun {
  tenantId: string;
  realmId: string;
  sentAt: Map<string, number>;
}

/** Sends every tenant's invoices at once and waits until the push queue is empty. */
async function pushAll(
  stack: BenchStack,
  runs: readonly TenantRun[],
  count: number,
  prefix: string,
): Promise<number> {
  const jobs = runs.flatMap((run) =>
    Array.from({ length: count }, (_, n) => ({ run, n, id: `${prefix}_${n}` })),
  );
  const started = performance.now();
  await inParallel(jobs, 200, async ({ run, n, id }) => {
    run.sentAt.set(id, Date.now());
    const res = await stack.call(run.tenantId, 'POST', `/invoices/${id}/push`, invoice(n, prefix));
    if (res.status !== 202) throw new Error(`push ${id}: ${res.status} ${await res.text()}`);
  });
  await stack.drained('push');
  return performance.now() - started;
}

interface PushedEvent {
  type: string;
  tenantId: string;
  invoiceId: string;
  at: string;
}

/**
 * The pipeline under test: `POST /invoices/{id}/push` for every invoice of every tenant at once,
 * through the FIFO queue and the push worker to the emulator, measured from the moment each POST
 * was sent to its `invoice.pushed` event.
 */
async function measurePipeline(stack: BenchStack, o: PushBenchOptions, name = 'bench-push') {
  const tenants = Array.from({ length: o.tenants }, (_, t) => `${name}-${t}`);
  const runs = await inParallel(tenants, 10, async (tenantId) => ({
    tenantId,
    realmId: await stack.connect(tenantId, `Bench Plumbing ${tenantId}`),
    sentAt: new Map<string, number>(),
  }));
  const before = await Promise.all(runs.map((r) => stack.requestCount(r.realmId)));
  const coldCpu = cpuMeter(stack);
  const wallMs = await pushAll(stack, runs, o.invoicesPerTenant, 'cold');
  const cpu = coldCpu(o.tenants * o.invoicesPerTenant);
  const afterCold = await Promise.all(runs.map((r) => stack.requestCount(r.realmId)));
  await pushAll(stack, runs, o.warmInvoicesPerTenant, 'warm');
  const afterWarm = await Promise.all(runs.map((r) => stack.requestCount(r.realmId)));

  const res = await fetch(`${stack.apiUrl}/_local/events`);
  const events = ((await res.json()) as { events: PushedEvent[] }).events;
  const pushedAt = new Map<string, number>();
  const failed = events.filter((e) => e.type === 'invoice.push_failed').length;
  for (const e of events) {
    if (e.type === 'invoice.pushed') pushedAt.set(`${e.tenantId}/${e.invoiceId}`, Date.parse(e.at));
  }
  const latencies: number[] = [];
  const perCompany: { invoicesPerSecond: number; requestsPerMinute: number }[] = [];
  let missing = 0;
  let firstSent = Number.POSITIVE_INFINITY;
  let lastPushed = 0;
  runs.forEach((run, i) => {
    let first = Number.POSITIVE_INFINITY;
    let last = 0;
    for (const [id, sent] of run.sentAt) {
      const done = pushedAt.get(`${run.tenantId}/${id}`);
      if (done === undefined) {
        missing++;
        continue;
      }
      if (id.startsWith('cold')) {
        latencies.push(done - sent);
        first = Math.min(first, sent);
        last = Math.max(last, done);
        firstSent = Math.min(firstSent, sent);
        lastPushed = Math.max(lastPushed, done);
      }
    }
    const seconds = (last - first) / 1000;
    const requests = (afterCold[i] as number) - (before[i] as number);
    perCompany.push({
      invoicesPerSecond: o.invoicesPerTenant / seconds,
      requestsPerMinute: (requests / seconds) * 60,
    });
  });
  let duplicated = 0;
  let throttled = 0;
  for (const run of runs) {
    const res = await stack.admin('GET', `/_admin/companies/${run.realmId}`);
    const company = (await res.json()) as {
      invoices: { DocNumber?: string }[];
      limits: { throttled: number };
    };
    const seen = new Map<string, number>();
    for (const i of company.invoices)
      seen.set(i.DocNumber ?? '', (seen.get(i.DocNumber ?? '') ?? 0) + 1);
    duplicated += [...seen.values()].reduce((s, n) => s + Math.max(0, n - 1), 0);
    throttled += company.limits.throttled;
  }
  const coldRequests = afterCold.reduce((s, n, i) => s + n - (before[i] as number), 0);
  const busiest = Math.max(...afterCold.map((n, i) => n - (before[i] as number)));
  const warmRequests = afterWarm.reduce((s, n, i) => s + n - (afterCold[i] as number), 0);
  const invoices = o.tenants * o.invoicesPerTenant;
  return {
    invoices,
    notPushed: missing,
    pushFailedEvents: failed,
    duplicated,
    answered429: throttled,
    wallSeconds: round(wallMs / 1000, 1),
    /** From the first POST to the last invoice created in QBO. */
    allInQboSeconds: round((lastPushed - firstSent) / 1000, 1),
    qboFloorSeconds: qboFloorSeconds(busiest, o.qboLatencyMs),
    ...cpu,
    invoicesPerMinuteMedian: round(
      percentile(
        perCompany.map((c) => c.invoicesPerSecond * 60),
        50,
      ),
      0,
    ),
    invoicesPerSecondTotal: round(invoices / (wallMs / 1000), 1),
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
    perCompanyMedian: {
      invoicesPerSecond: round(
        percentile(
          perCompany.map((c) => c.invoicesPerSecond),
          50,
        ),
      ),
      qboRequestsPerMinute: round(
        percentile(
          perCompany.map((c) => c.requestsPerMinute),
          50,
        ),
        0,
      ),
      ratioOfQboLimit: round(
        percentile(
          perCompany.map((c) => c.requestsPerMinute),
          50,
        ) / QBO_PER_MINUTE,
      ),
    },
    qboRequestsPerInvoice: {
      firstUse: round(coldRequests / invoices, 3),
      warm: round(warmRequests / (o.tenants * o.warmInvoicesPerTenant), 3),
      expectedFirstUse: round(
        (invoices + o.tenants * (2 * CUSTOMERS + 2 * 2 * ITEMS)) / invoices,
        3,
      ),
    },
  };
}

/**
 * An access token for a company, got the way any Intuit app gets one (consent, then the code
 * exchange), for the naive baselines, which keep no tokens of the stack.
 *
 * @param stack - the stack, whose registered redirect URI the consent accepts
 * @param realmId - the company
 */
export async function naiveToken(stack: BenchStack, realmId: string): Promise<string> {
  const redirect = `${stack.apiUrl}/oauth/quickbooks/callback`;
  const authorize = new URL(`${stack.emulatorUrl}/connect/oauth2`);
  authorize.search = new URLSearchParams({
    client_id: 'emulator-client-id',
    response_type: 'code',
    scope: 'com.intuit.quickbooks.accounting',
    redirect_uri: redirect,
    state: 'naive',
    auto_approve: realmId,
  }).toString();
  const location = (await fetch(authorize, { redirect: 'manual' })).headers.get('location') ?? '';
  const code = new URL(location).searchParams.get('code') ?? '';
  const res = await fetch(`${stack.emulatorUrl}/oauth2/v1/tokens/bearer`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('emulator-client-id:emulator-client-secret').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** How long the naive pusher waits after a 429 before it tries again. */
const NAIVE_429_WAIT_MS = 5000;
/**
 * Lanes a company of the naive pusher: as many as the pipeline has message groups per tenant, which
 * is QBO's 10 concurrent requests per company, so neither side has more of QBO than the other.
 */
const NAIVE_LANES = GROUPS_PER_TENANT;

/**
 * The baseline: per invoice, query the customer by name and each item by name (creating what is
 * missing), then create the invoice: {@link NAIVE_LANES} lanes per company, no mapping cache,
 * no limiter (a 429 waits five seconds and retries; refused requests are counted apart).
 */
async function measureNaive(stack: BenchStack, o: PushBenchOptions, name = 'Naive') {
  const realms = await inParallel(
    Array.from({ length: o.tenants }, (_, t) => t),
    10,
    async (t) => {
      const res = await stack.admin('POST', '/_admin/companies', { name: `${name} ${t}` });
      const { realmId } = (await res.json()) as { realmId: string };
      return { realmId, token: await naiveToken(stack, realmId) };
    },
  );
  let requests = 0;
  let throttled = 0;
  const qbo = async (realm: { realmId: string; token: string }, path: string, body?: unknown) => {
    for (;;) {
      const res = await fetch(`${stack.emulatorUrl}/v3/company/${realm.realmId}/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          authorization: `Bearer ${realm.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status === 429) {
        throttled++;
        await new Promise((r) => setTimeout(r, NAIVE_429_WAIT_MS));
        continue;
      }
      requests++;
      return { status: res.status, json: (await res.json()) as Record<string, never> };
    }
  };
  const find = async (
    realm: (typeof realms)[number],
    entity: string,
    field: string,
    name: string,
  ) => {
    const q = encodeURIComponent(`select * from ${entity} where ${field} = '${name}'`);
    const found = await qbo(realm, `query?query=${q}&minorversion=75`);
    const rows = (found.json.QueryResponse?.[entity] ?? []) as { Id: string }[];
    return rows[0]?.Id;
  };
  const ensure = async (
    realm: (typeof realms)[number],
    entity: 'Customer' | 'Item',
    name: string,
  ): Promise<string> => {
    const field = entity === 'Customer' ? 'DisplayName' : 'Name';
    const existing = await find(realm, entity, field, name);
    if (existing) return existing;
    const body =
      entity === 'Customer'
        ? { DisplayName: name }
        : { Name: name, Type: 'Service', IncomeAccountRef: { value: '1' } };
    const created = await qbo(realm, entity.toLowerCase(), body);
    const id = (created.json[entity] as { Id?: string } | undefined)?.Id;
    // Another lane created it first (6240 duplicate name): look it up again.
    return id ?? (await find(realm, entity, field, name)) ?? '';
  };
  const latencies: number[] = [];
  let failures = 0;
  const cpu = cpuMeter(stack);
  const started = performance.now();
  // Every company at once; each invoice is timed from the moment all were "sent", as the
  // pipeline's are from their POST.
  const lanes = realms.map((realm) =>
    inParallel(
      Array.from({ length: o.invoicesPerTenant }, (_, n) => n),
      NAIVE_LANES,
      async (n) => {
        const body = invoice(n, 'naive');
        const customer = await ensure(realm, 'Customer', body.client.displayName);
        const lines = [];
        for (const line of body.lines) {
          const item = await ensure(realm, 'Item', line.itemName);
          lines.push({
            DetailType: 'SalesItemLineDetail',
            Amount: Number(line.amount),
            SalesItemLineDetail: {
              ItemRef: { value: item },
              Qty: Number(line.quantity),
              UnitPrice: Number(line.unitPrice),
            },
          });
        }
        const created = await qbo(realm, 'invoice', {
          DocNumber: body.docNumber,
          CustomerRef: { value: customer },
          Line: lines,
        });
        if (created.status !== 200) failures++;
        latencies.push(performance.now() - started);
      },
    ),
  );
  await Promise.all(lanes);
  const wallMs = performance.now() - started;
  const invoices = o.tenants * o.invoicesPerTenant;
  return {
    invoices,
    failures,
    wallSeconds: round(wallMs / 1000, 1),
    invoicesPerSecondTotal: round(invoices / (wallMs / 1000), 1),
    latencyMs: {
      p50: round(percentile(latencies, 50), 0),
      p99: round(percentile(latencies, 99), 0),
    },
    qboRequestsPerInvoice: round(requests / invoices, 3),
    refusedWith429: throttled,
    lanesPerCompany: NAIVE_LANES,
    qboFloorSeconds: qboFloorSeconds(requests / o.tenants, o.qboLatencyMs),
    ...cpu(invoices),
  };
}

/**
 * One invoice at a time on an idle stack (its client and items mirrored): POST → created in QBO.
 */
async function measureIdle(stack: BenchStack, samples: number) {
  const tenantId = 'bench-idle';
  await stack.connect(tenantId, 'Idle Plumbing');
  const pushedAt = async (id: string) => {
    for (;;) {
      const res = await fetch(`${stack.apiUrl}/_local/events`);
      const events = ((await res.json()) as { events: PushedEvent[] }).events;
      const e = events.find(
        (x) => x.type === 'invoice.pushed' && x.tenantId === tenantId && x.invoiceId === id,
      );
      if (e) return Date.parse(e.at);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const latencies: number[] = [];
  for (let n = 0; n <= samples; n++) {
    const id = `idle_${n}`;
    const sent = Date.now();
    const res = await stack.call(tenantId, 'POST', `/invoices/${id}/push`, invoice(n % 2, 'idle'));
    if (res.status !== 202) throw new Error(`push ${id}: ${res.status}`);
    const done = await pushedAt(id);
    // The first one mirrors the client and items; the rest are what a user sees every day.
    if (n > 0) latencies.push(done - sent);
    await stack.drained('push');
  }
  return {
    samples,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
  };
}

/**
 * The least time QBO's latency allows a company's requests: at most
 * {@link GROUPS_PER_TENANT} (QBO's 10) at once, each taking one QBO latency. Batch requests count
 * as one, which makes this a floor.
 *
 * @param requestsOfBusiestCompany - QBO requests the busiest company answered
 * @param latencyMs - one QBO request's latency
 */
function qboFloorSeconds(requestsOfBusiestCompany: number, latencyMs: number): number {
  return round((Math.ceil(requestsOfBusiestCompany / GROUPS_PER_TENANT) * latencyMs) / 1000, 1);
}

/**
 * Starts counting the CPU the stack and this process use; the function it returns reports it for
 * the work done since: as a share of all cores, per invoice, and as the least time this machine
 * needs for that work (`cpuFloorSeconds`, CPU seconds over cores). When that floor is above the
 * QBO floor, the local CPU, not QBO, bounds the run.
 *
 * @param stack - the stack under test
 */
function cpuMeter(stack: BenchStack) {
  const before = stack.cpuSeconds();
  const started = performance.now();
  return (invoices: number) => {
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = stack.cpuSeconds() - before;
    return {
      cpuShareOfAllCores: round(cpuSeconds / (seconds * cpus().length)),
      cpuMsPerInvoice: round((cpuSeconds * 1000) / invoices, 1),
      cpuFloorSeconds: round(cpuSeconds / cpus().length, 1),
    };
  };
}

/**
 * Ten companies' bursts at once, each under its minute quota: the pipeline, then the naive pusher,
 * on the same stack, with the time until all are in QBO, latencies, QBO requests and CPU of each.
 *
 * @param stack - the local stack under test
 * @param options - sizes and the emulator's latency
 */
export async function pushComparison(stack: BenchStack, options: PushBenchOptions) {
  const pipeline = await measurePipeline(stack, options);
  const naive = await measureNaive(stack, options);
  return {
    qboLatencyMs: options.qboLatencyMs,
    pipeline,
    naive,
    ratios: {
      qboRequestsPerInvoiceNaiveOverPipeline: round(
        naive.qboRequestsPerInvoice / pipeline.qboRequestsPerInvoice.firstUse,
      ),
      allInQboPipelineOverNaive: round(pipeline.allInQboSeconds / naive.wallSeconds),
      p50PipelineOverNaive: round(pipeline.latencyMs.p50 / naive.latencyMs.p50),
      p99PipelineOverNaive: round(pipeline.latencyMs.p99 / naive.latencyMs.p99),
      cpuPerInvoicePipelineOverNaive: round(pipeline.cpuMsPerInvoice / naive.cpuMsPerInvoice),
    },
  };
}

/**
 * Push throughput and latency (issues 9 and 19): the pipeline against the naive pusher, in one
 * run, on one emulator with QBO's latency and limits: companies sent a burst under their minute
 * quota at once ({@link pushComparison}), one company sent a month-end backlog, and one invoice
 * on an idle stack.
 *
 * @param stack - the local stack under test
 * @param options - sizes and the emulator's latency
 */
export async function pushBenchmark(stack: BenchStack, options: PushBenchOptions) {
  const idle = await measureIdle(stack, options.idleSamples);
  const one = {
    ...options,
    tenants: 1,
    invoicesPerTenant: options.oneCompanyInvoices,
    warmInvoicesPerTenant: 0,
  };
  const alone = await measurePipeline(stack, one, 'bench-alone');
  const { pipeline, naive, ratios } = await pushComparison(stack, options);
  const goalMs = options.qboLatencyMs + 300;
  return {
    options,
    idle: { ...idle, goalMs, withinGoal: idle.latencyMs.p50 <= goalMs },
    oneCompany: {
      invoices: alone.invoices,
      notPushed: alone.notPushed,
      pushFailedEvents: alone.pushFailedEvents,
      duplicated: alone.duplicated,
      answered429: alone.answered429,
      latencyMs: alone.latencyMs,
      qboRequestsPerInvoice: alone.qboRequestsPerInvoice.firstUse,
      invoicesPerMinute: alone.invoicesPerMinuteMedian,
      goalInvoicesPerMinute: 1000,
      singleCreateCeilingPerMinute: QBO_PER_MINUTE,
      ...alone.perCompanyMedian,
      cpuShareOfAllCores: alone.cpuShareOfAllCores,
    },
    pipeline,
    naive,
    ratios,
  };
}
