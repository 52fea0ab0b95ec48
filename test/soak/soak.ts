/**
 * The chaos soak (issue 9): many invoices over many tenants pushed through the whole local stack
 * while the emulator injects faults, webhooks arrive twice and out of order, grants are revoked and
 * reconnected, and the worker process is SIGKILLed and restarted at random points. At the end the
 * emulator's books are compared with TradelyHQ's sync records: nothing lost, nothing duplicated,
 * no wrong status, and every invoice that is not as expected shows an open sync error.
 *
 * One engine for `npm run soak` (test/soak/main.ts) and the CI test (test/soak/soak-ci.test.ts).
 * The seed fixes the plan (invoices, revisions, payments, which fault where, kill and revocation
 * points); the interleaving with the queues' timing is not deterministic, so a failing seed is
 * replayed to reproduce the plan, not the exact schedule.
 */
import {
  localChangeQueue,
  localPushQueue,
  localReconcileQueue,
} from '#shared/adapters/local/local-queues.ts';
import { resultOf, startTestStack, type TestStack, WEBHOOK_TOKEN } from '../support/local-stack.ts';
import { SUITE_PROFILES, type TestProfile } from '../support/profiles.ts';
import { books, invoiceBody, pushInvoice } from '../support/push.ts';
import type { SoakReport } from './report.ts';
import { WebhookTap } from './webhook-tap.ts';
import { WorkerHost } from './worker-host.ts';

/** What a soak run does. */
export interface SoakOptions {
  readonly tenants: number;
  readonly invoicesPerTenant: number;
  /** Fixes the plan; printed so a failing run can be replayed. */
  readonly seed: number;
  /** Faults injected per action (push or payment), each on a random company, of a random kind. */
  readonly faultRate: number;
  /** Worker process kills (SIGKILL, then a restart), at random points of the run. */
  readonly kills: number;
  /** Tenants whose grant is revoked mid-run, then reconnected through the OAuth flow. */
  readonly revocations: number;
  /** The run fails when it takes longer, e.g. because the queues do not drain. */
  readonly timeBudgetMs: number;
  /** Emulator delay per Accounting API request. @default 0 */
  readonly latencyMs?: number;
  /** Calls the soak makes at once (API pushes, emulator admin calls, checks). @default 8 */
  readonly concurrency?: number;
  /** Progress lines. */
  readonly progress?: (line: string) => void;
  /** Each log line of the worker process. */
  readonly workerLog: (line: string) => void;
}

const FAULT_KINDS = ['500', '503', '429', 'timeout', 'reset', 'commit_then_reset'] as const;
const ITEMS = [
  { itemCode: 'SVC-LABOR', itemName: 'Labor' },
  { itemCode: 'MAT-PIPE', itemName: 'Copper pipe' },
  { itemCode: 'MAT-VALVE', itemName: 'Ball valve' },
  { itemCode: 'SVC-CALL', itemName: 'Call-out fee' },
];
const CLIENTS_PER_TENANT = 3;

type PushBody = ReturnType<typeof invoiceBody>;
type Fate = 'open' | 'paid' | 'partial' | 'paid_in_two' | 'voided' | 'deleted';
const EXPECTED_STATUS: Record<Fate, string> = {
  open: 'pushed',
  paid: 'paid',
  partial: 'partially_paid',
  paid_in_two: 'paid',
  voided: 'voided',
  deleted: 'deleted_in_quickbooks',
};
/** Sync errors the run causes on purpose. */
const EXPECTED_ERROR: Partial<Record<Fate, string>> = { deleted: 'deleted_in_quickbooks' };

interface Invoice {
  readonly tenant: Tenant;
  readonly id: string;
  readonly revisions: PushBody[];
  readonly fate: Fate;
  qboId?: string;
  partialCents?: number;
}

interface Tenant {
  readonly id: string;
  realmId: string;
  readonly invoices: Invoice[];
  /** The company's settings: the profiles of the push suites, in turn. */
  readonly profile: TestProfile;
}

type Action = () => Promise<void>;

/** mulberry32: a tiny seeded PRNG, enough for plans. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T,
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof prng>;

const cents = (amount: number) => (amount / 100).toFixed(2);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A push body with 1–3 random lines, no tax or discount (totals exact in cents). */
function randomBody(rng: Rng, tenant: number, invoice: number): PushBody {
  const client = rng.int(1, CLIENTS_PER_TENANT);
  const lines = Array.from({ length: rng.int(1, 3) }, (_, i) => {
    const item = rng.pick(ITEMS);
    const quantity = rng.int(1, 5);
    const unitPrice = rng.int(1_000, 50_000);
    return {
      lineId: `ln_${i + 1}`,
      ...item,
      description: `${item.itemName} #${i + 1}`,
      quantity: String(quantity),
      unitPrice: cents(unitPrice),
      amount: cents(quantity * unitPrice),
      taxable: false,
    };
  });
  return invoiceBody((b) => {
    b.docNumber = `S${tenant}-${invoice}`;
    b.memo = `Soak invoice ${invoice}`;
    b.client = {
      ...b.client,
      id: `cl_${client}`,
      displayName: `Soak Client ${tenant}-${client}`,
      companyName: `Soak Client ${tenant}-${client} LLC`,
    };
    b.lines = lines;
    setTotals(b);
  });
}

function setTotals(body: PushBody): void {
  const subtotal = body.lines.reduce((sum, l) => sum + Math.round(Number(l.amount) * 100), 0);
  body.totals = { subtotal: cents(subtotal), tax: '0.00', total: cents(subtotal) };
}

/** Revision 2: one more of the first line and a new memo. */
function revise(body: PushBody): PushBody {
  return invoiceBody((b) => {
    Object.assign(b, structuredClone(body));
    b.revision = body.revision + 1;
    b.memo = `${body.memo} (revised)`;
    const first = b.lines[0] as PushBody['lines'][number];
    const quantity = Number(first.quantity) + 1;
    first.quantity = String(quantity);
    first.amount = cents(quantity * Math.round(Number(first.unitPrice) * 100));
    setTotals(b);
  });
}

function randomFate(rng: Rng): Fate {
  const r = rng.next();
  if (r < 0.3) return 'paid';
  if (r < 0.42) return 'partial';
  if (r < 0.5) return 'paid_in_two';
  if (r < 0.53) return 'voided';
  if (r < 0.56) return 'deleted';
  return 'open';
}

/** Interleaves per-tenant sequences at random, keeping each tenant's order. */
function interleave<T>(rng: Rng, sequences: T[][]): T[] {
  const queues = sequences.filter((s) => s.length > 0).map((s) => [...s]);
  const out: T[] = [];
  while (queues.length > 0) {
    const i = rng.int(0, queues.length - 1);
    const queue = queues[i] as T[];
    out.push(queue.shift() as T);
    if (queue.length === 0) queues.splice(i, 1);
  }
  return out;
}

/** Runs tasks with at most `limit` at once. */
async function pool<T>(
  items: readonly T[],
  limit: number,
  run: (item: T, index: number) => Promise<void>,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await run(items[index] as T, index);
      }
    }),
  );
}

/** Random distinct indices in [0, n). */
function indices(rng: Rng, count: number, n: number): Set<number> {
  const chosen = new Set<number>();
  while (chosen.size < Math.min(count, n)) chosen.add(rng.int(0, n - 1));
  return chosen;
}

async function expectOk(res: Response, what: string): Promise<Response> {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return res;
}

/** The seeded plan: tenants and their invoices, the pushes in order, and where chaos strikes. */
function plan(options: SoakOptions, rng: Rng) {
  const tenants: Tenant[] = Array.from({ length: options.tenants }, (_, t) => ({
    id: `soak_${options.seed}_${t}`,
    realmId: '',
    invoices: [],
    profile: SUITE_PROFILES[t % SUITE_PROFILES.length] as TestProfile,
  }));
  const pushPlans: { invoice: Invoice; body: PushBody }[][] = tenants.map((tenant, t) => {
    const sequence: { invoice: Invoice; body: PushBody }[] = [];
    for (let j = 0; j < options.invoicesPerTenant; j++) {
      const first = randomBody(rng, t, j);
      const invoice: Invoice = {
        tenant,
        id: `inv_${j}`,
        revisions: [first],
        fate: randomFate(rng),
      };
      tenant.invoices.push(invoice);
      sequence.push({ invoice, body: first });
      if (rng.chance(0.2)) invoice.revisions.push(revise(first));
    }
    // Revisions, repeats and stale revisions go out later, after their first push.
    for (const invoice of tenant.invoices) {
      const at = sequence.findIndex((p) => p.invoice === invoice);
      const later = (body: PushBody) =>
        sequence.splice(rng.int(at + 1, sequence.length), 0, { invoice, body });
      const latest = invoice.revisions.at(-1) as PushBody;
      if (latest !== invoice.revisions[0]) later(latest);
      if (rng.chance(0.05)) later(rng.pick(invoice.revisions));
    }
    return sequence;
  });
  const pushes = interleave(rng, pushPlans);
  const invoices = tenants.flatMap((t) => t.invoices);
  const paymentActionsEstimate = invoices.filter((i) => i.fate !== 'open').length;
  const totalActions = pushes.length + paymentActionsEstimate;
  const faultAt = indices(rng, Math.round(options.faultRate * totalActions), totalActions);
  const killAt = indices(rng, options.kills, totalActions);
  // Revocations fall between 10 % and 50 % of the pushes, so parked pushes wait for the reconnect.
  const revokedTenants = [...indices(rng, options.revocations, tenants.length)];
  const firstRevoke = Math.floor(pushes.length * 0.1);
  const revokeAt = new Map(
    [...indices(rng, revokedTenants.length, Math.floor(pushes.length * 0.4))].map((at, i) => [
      firstRevoke + at,
      tenants[revokedTenants[i] as number] as Tenant,
    ]),
  );
  return { tenants, invoices, pushes, faultAt, killAt, revokeAt };
}

/**
 * Runs one soak: starts the stack (API and emulator in this process, the workers in a child
 * process), plays the plan with chaos, stops the chaos, drains, reconciles every tenant and
 * compares. Needs the test environment (DynamoDB Local, `LOCAL_QUEUE_TIME_SCALE` etc.) set before
 * this module is loaded.
 *
 * @param options - see {@link SoakOptions}
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const started = Date.now();
  const deadline = started + options.timeBudgetMs;
  const concurrency = options.concurrency ?? 8;
  const say = (line: string) =>
    options.progress?.(`[soak ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
  const rng = prng(options.seed);
  // Batching on, at a backlog a soak's groups reach, so faults and kills hit batch requests too.
  process.env.QBO_BATCH_MIN_BACKLOG ??= '2';
  const stack = await startTestStack({ emulator: { latencyMs: options.latencyMs ?? 0 } });
  const host = new WorkerHost(options.workerLog);
  const tap = await WebhookTap.start(`${stack.api.url}/webhooks/quickbooks`);
  const heartbeat = setInterval(() => {
    const depths = [localPushQueue, localChangeQueue, localReconcileQueue].map((q) => q.depth);
    say(`messages in push, change, reconcile queues: ${depths.join(', ')}`);
  }, 10_000);
  try {
    await host.start();
    return await soak(stack, host, tap, options, rng, { deadline, concurrency, say, started });
  } finally {
    clearInterval(heartbeat);
    await tap.close();
    await host.stop();
    await stack.close();
  }
}

interface RunContext {
  readonly deadline: number;
  readonly concurrency: number;
  readonly say: (line: string) => void;
  readonly started: number;
}

async function soak(
  stack: TestStack,
  host: WorkerHost,
  tap: WebhookTap,
  options: SoakOptions,
  rng: Rng,
  run: RunContext,
): Promise<SoakReport> {
  const { concurrency, say } = run;
  const admin = async (method: string, path: string, body?: unknown) =>
    expectOk(await stack.world.admin(method, path, body), `${method} ${path}`);
  const webhooks = (extra: Record<string, unknown>) =>
    admin('PUT', '/_admin/webhooks', {
      url: tap.url,
      verifierToken: WEBHOOK_TOKEN,
      format: 'cloudevents',
      ...extra,
    });
  const within = async <T>(what: string, promise: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `time budget exceeded while ${what} (push ${localPushQueue.depth}, changes ` +
                `${localChangeQueue.depth}, reconcile ${localReconcileQueue.depth} messages left)`,
            ),
          ),
        Math.max(0, run.deadline - Date.now()),
      );
    });
    try {
      return await Promise.race([promise, budget]);
    } finally {
      clearTimeout(timer);
    }
  };

  const { tenants, invoices, pushes, faultAt, killAt, revokeAt } = plan(options, rng);
  say(
    `seed ${options.seed}: ${tenants.length} tenants, ${invoices.length} invoices, ` +
      `${pushes.length} pushes, ${faultAt.size} faults, ${killAt.size} kills, ` +
      `${revokeAt.size} revocations`,
  );

  const counts = {
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<string, number>,
    revocations: 0,
    reconnects: 0,
    fullPayments: 0,
    partialPayments: 0,
    voids: 0,
    deletes: 0,
    replayed: 0,
    failedReconnects: 0,
  };

  // Chaos, fired at action indices.
  let killChain = Promise.resolve();
  const revocations: Promise<void>[] = [];
  const chaos = async (index: number) => {
    if (faultAt.has(index)) {
      const kind = rng.pick(FAULT_KINDS);
      const tenant = rng.pick(tenants);
      await admin('POST', `/_admin/companies/${tenant.realmId}/faults`, { kind, count: 1 });
      counts.faults[kind] = (counts.faults[kind] ?? 0) + 1;
    }
    if (killAt.has(index)) {
      const downMs = rng.int(0, 500);
      killChain = killChain.then(() => host.killAndRestart(downMs));
      killChain.catch(() => {}); // awaited (and thrown) at the end of the phase
    }
    const revoked = revokeAt.get(index);
    if (revoked) {
      const done = revokeAndReconnect(revoked);
      done.catch(() => {}); // awaited (and thrown) at the end of the phase
      revocations.push(done);
    }
  };
  const connectionStatus = async (tenant: Tenant) =>
    (
      (await (await stack.call(tenant.id, 'GET', '/integrations/quickbooks')).json()) as {
        status: string;
      }
    ).status;
  /** Revokes the grant at "Intuit", waits for the stack to notice, reconnects by OAuth. */
  const revokeAndReconnect = async (tenant: Tenant) => {
    await admin('POST', `/_admin/companies/${tenant.realmId}/revoke`);
    counts.revocations += 1;
    for (let waited = 0; (await connectionStatus(tenant)) !== 'reconnect_required'; waited += 200) {
      // No push of this tenant is due any more: a reconcile calls QBO and finds the dead grant.
      if (waited % 5_000 === 2_000) await stack.call(tenant.id, 'POST', '/reconcile');
      if (Date.now() > run.deadline) throw new Error(`${tenant.id} never saw its revoked grant`);
      await sleep(200);
    }
    // The callback reads CompanyInfo, which an injected fault may fail: the admin sees
    // "QuickBooks is unavailable" and clicks Connect again.
    for (let attempt = 1; ; attempt++) {
      const back = await stack.connect(tenant.id, tenant.realmId);
      if (resultOf(back).get('quickbooks') === 'connected') break;
      counts.failedReconnects += 1;
      if (attempt === 5) throw new Error(`reconnect of ${tenant.id} failed: ${back}`);
    }
    counts.reconnects += 1;
  };

  // Setup: one company per tenant, connected through the OAuth flow; webhooks twice, shuffled.
  await pool(tenants, concurrency, async (tenant) => {
    tenant.realmId = await stack.world.newCompany(
      `Soak Company ${tenant.id}`,
      tenant.profile.fields,
    );
    const back = await stack.connect(tenant.id, tenant.realmId);
    if (resultOf(back).get('quickbooks') !== 'connected') throw new Error(`connect: ${back}`);
  });
  await webhooks({ duplicate: true, shuffle: true });
  say(`tenants connected (${SUITE_PROFILES.map((p) => p.name).join(' / ')}, in turn); pushing`);

  // Phase A: pushes.
  await within(
    'pushing',
    pool(pushes, concurrency, async ({ invoice, body }, index) => {
      await chaos(index);
      await expectOk(
        await pushInvoice(stack, invoice.tenant.id, invoice.id, body),
        `push ${invoice.tenant.id}/${invoice.id}`,
      );
    }),
  );
  await within('reconnecting', Promise.all(revocations));
  await within('restarting the worker', killChain);
  await within('draining pushes', drained());
  say(`pushes done (${host.kills} kills so far); payments, voids, deletes`);

  // Phase B: payments, voids and deletes in QBO, each reaching the stack by webhook.
  const ledger = await Promise.all(tenants.map((t) => books(stack, t.realmId)));
  tenants.forEach((tenant, t) => {
    const byMarker = ownersOf(ledger[t]?.invoices ?? []);
    for (const invoice of tenant.invoices) invoice.qboId = byMarker.get(invoice.id)?.[0]?.Id;
  });
  const paymentPlans = tenants.map((tenant) => {
    const plan: Action[] = [];
    for (const invoice of tenant.invoices) {
      const qboId = invoice.qboId;
      if (!qboId || invoice.fate === 'open') continue; // no QBO invoice: the comparison counts it
      const path = `/_admin/companies/${tenant.realmId}`;
      const total = Math.round(Number(invoice.revisions.at(-1)?.totals.total) * 100);
      const partial = Math.max(1, Math.round(total * rng.next() * 0.8));
      const pay = async (amount?: number) => {
        await admin('POST', `${path}/payments`, { invoiceId: qboId, amount });
        if (amount === undefined) counts.fullPayments += 1;
        else counts.partialPayments += 1;
      };
      if (invoice.fate === 'partial' || invoice.fate === 'paid_in_two') {
        invoice.partialCents = partial;
      }
      // One action per invoice: its payments in order (a second full one pays what is left).
      plan.push(async () => {
        if (invoice.fate === 'paid') await pay();
        if (invoice.partialCents !== undefined) await pay(partial / 100);
        if (invoice.fate === 'paid_in_two') await pay();
        if (invoice.fate === 'voided') {
          await admin('POST', `${path}/invoices/${qboId}/void`);
          counts.voids += 1;
        }
        if (invoice.fate === 'deleted') {
          await admin('DELETE', `${path}/invoices/${qboId}`);
          counts.deletes += 1;
        }
      });
    }
    return plan;
  });
  // Old deliveries re-sent late, between the new ones: duplicates and out of order at once.
  const replays: Action[] = Array.from(
    { length: Math.min(tap.distinct.length, Math.ceil(invoices.length / 10)) },
    () => {
      const old = rng.pick(tap.distinct);
      return async () => {
        const res = await fetch(`${stack.api.url}/webhooks/quickbooks`, {
          method: 'POST',
          headers: {
            'content-type': old.contentType,
            'intuit-signature': old.signature,
          },
          body: old.body,
        });
        await expectOk(res, 'replayed webhook');
        counts.replayed += 1;
      };
    },
  );
  const paymentActions = interleave(rng, [...paymentPlans, replays]);
  await within(
    'paying',
    pool(paymentActions, concurrency, async (action, index) => {
      await chaos(pushes.length + index);
      await action();
    }),
  );
  await within('restarting the worker', killChain);

  // The chaos stops: clear pending faults, drain, reconcile every tenant, drain again.
  let faultsUnconsumed = 0;
  let batchRequests = 0;
  await pool(tenants, concurrency, async (tenant) => {
    const path = `/_admin/companies/${tenant.realmId}/faults`;
    const { pendingFaults } = (await (await admin('GET', path)).json()) as {
      pendingFaults: string[];
    };
    faultsUnconsumed += pendingFaults.length;
    const company = `/_admin/companies/${tenant.realmId}`;
    const { limits } = (await (await admin('GET', company)).json()) as {
      limits: { batches: number };
    };
    batchRequests += limits.batches;
    await admin('DELETE', path);
  });
  await webhooks({});
  say(`chaos over (${host.kills} kills); draining`);
  await within('draining', drained());
  say('reconciling every tenant');
  await pool(tenants, concurrency, async (tenant) => {
    for (;;) {
      const res = await stack.call(tenant.id, 'POST', '/reconcile');
      if (res.status === 202) return;
      if (res.status !== 409) throw new Error(`reconcile ${tenant.id}: ${res.status}`);
      await sleep(100);
    }
  });
  await within('reconciling', drained());
  say('comparing');
  const report = await compare(stack, tenants, concurrency);
  return {
    seed: options.seed,
    tenants: tenants.length,
    invoices: invoices.length,
    pushes: pushes.length,
    ...report,
    faultsInjected: counts.faults,
    faultsUnconsumed,
    batchRequests,
    payments: { full: counts.fullPayments, partial: counts.partialPayments },
    voids: counts.voids,
    deletes: counts.deletes,
    webhooks: {
      deliveries: tap.deliveries,
      duplicated: tap.repeated,
      shuffled: tap.batches,
      replayed: counts.replayed,
    },
    workerKills: host.kills,
    killedInvocations: host.killedInvocations,
    revocations: counts.revocations,
    reconnects: counts.reconnects,
    failedReconnects: counts.failedReconnects,
    deadLetters: localPushQueue.deadLettered().length + localChangeQueue.deadLettered().length,
    wallSeconds: Math.round((Date.now() - run.started) / 100) / 10,
  };

  /** Resolves once the emulator has no delivery in flight and every queue is empty, twice in a row. */
  async function drained(): Promise<void> {
    for (let quiet = 0; quiet < 2; ) {
      if (host.crashed) throw new Error(host.crashed);
      await stack.world.emulator.webhooksIdle();
      await Promise.all([
        localPushQueue.idle(),
        localChangeQueue.idle(),
        localReconcileQueue.idle(),
      ]);
      await sleep(250);
      const empty = localPushQueue.depth + localChangeQueue.depth + localReconcileQueue.depth === 0;
      quiet = empty ? quiet + 1 : 0;
    }
  }
}

type QboInvoice = Record<string, unknown> & { Id: string; PrivateNote?: string };

/**
 * QBO invoices by their TradelyHQ invoice: the id in the PrivateNote marker the push writes, or
 * for a voided one (a void may replace the note with "Voided") the QBO id the soak voided. '' holds
 * the QBO invoices of no TradelyHQ invoice.
 */
function ownersOf(
  qboInvoices: readonly Record<string, unknown>[],
  voided: ReadonlyMap<string, string> = new Map(),
): Map<string, QboInvoice[]> {
  const owners = new Map<string, QboInvoice[]>();
  for (const qbo of qboInvoices as QboInvoice[]) {
    const marked = /\[TradelyHQ invoice ([^\]]+)\]/.exec(qbo.PrivateNote ?? '')?.[1];
    const owner = marked ?? voided.get(qbo.Id) ?? '';
    owners.set(owner, [...(owners.get(owner) ?? []), qbo]);
  }
  return owners;
}

type Sync = {
  status: string;
  qboInvoiceId: string | null;
  qboDocNumber: string | null;
  pushedRevision: number | null;
  balance: string | null;
};

/** Compares the emulator's books with the stack's sync records and sync errors. */
async function compare(stack: TestStack, tenants: readonly Tenant[], concurrency: number) {
  let qboInvoices = 0;
  let qboRequests = 0;
  let lost = 0;
  let duplicated = 0;
  let wrongStatus = 0;
  let wrongContent = 0;
  let invisibleFailures = 0;
  let unexpectedSyncErrors = 0;
  const syncErrorsOpen: Record<string, number> = {};
  const problems: string[] = [];
  const problem = (line: string) => {
    if (problems.length < 20) problems.push(line);
  };
  await pool(tenants, concurrency, async (tenant) => {
    const ledger = await books(stack, tenant.realmId);
    qboInvoices += ledger.invoices.length;
    qboRequests += ledger.requestCount;
    const voided = new Map(
      tenant.invoices.flatMap((i) => (i.fate === 'voided' && i.qboId ? [[i.qboId, i.id]] : [])),
    );
    const owners = ownersOf(ledger.invoices, voided);
    const known = new Set(tenant.invoices.map((i) => i.id));
    for (const [owner, list] of owners) {
      if (known.has(owner)) continue;
      duplicated += list.length;
      problem(`${tenant.id}: ${list.length} QBO invoice(s) without an owner ("${owner}")`);
    }
    const openErrors = new Map<string, string>();
    for (let cursor: string | null = ''; cursor !== null; ) {
      const page = (await (
        await stack.call(
          tenant.id,
          'GET',
          `/sync-errors?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
        )
      ).json()) as { errors: { invoiceId: string; kind: string }[]; nextCursor: string | null };
      for (const error of page.errors) {
        openErrors.set(error.invoiceId, error.kind);
        syncErrorsOpen[error.kind] = (syncErrorsOpen[error.kind] ?? 0) + 1;
      }
      cursor = page.nextCursor;
    }
    await pool(tenant.invoices, 2, async (invoice) => {
      const sync = (await (
        await stack.call(tenant.id, 'GET', `/invoices/${invoice.id}/sync`)
      ).json()) as Sync;
      const latest = invoice.revisions.at(-1) as PushBody;
      const found = owners.get(invoice.id) ?? [];
      const where = `${tenant.id}/${invoice.id} (${invoice.fate})`;
      const wrong: string[] = [];
      if (invoice.fate === 'deleted') {
        if (found.length > 0) {
          duplicated += found.length;
          wrong.push(`${found.length} QBO invoice(s) after the delete`);
        }
      } else if (found.length === 0) {
        lost += 1;
        wrong.push('lost: no QBO invoice');
      } else if (found.length > 1) {
        duplicated += found.length - 1;
        wrong.push(`${found.length} QBO invoices`);
      }
      const expectedStatus = EXPECTED_STATUS[invoice.fate];
      const qbo = found[0];
      const expectedBalance =
        invoice.fate === 'partial'
          ? cents(Math.round(Number(latest.totals.total) * 100) - (invoice.partialCents ?? 0))
          : undefined;
      if (
        sync.status !== expectedStatus ||
        (qbo && sync.qboInvoiceId !== qbo.Id) ||
        (expectedBalance !== undefined && sync.balance !== expectedBalance)
      ) {
        wrongStatus += 1;
        wrong.push(
          `status ${sync.status} (expected ${expectedStatus}), balance ${sync.balance}` +
            `${expectedBalance ? ` (expected ${expectedBalance})` : ''}, qboInvoiceId ` +
            `${sync.qboInvoiceId} (QBO ${qbo?.Id})`,
        );
      }
      if (qbo && invoice.fate !== 'deleted') {
        // A company that numbers invoices itself shows its own number, the one the sync view has.
        const number = tenant.profile.keepsNumbers ? latest.docNumber : sync.qboDocNumber;
        const mismatch = contentMismatch(qbo, latest, number, invoice.fate === 'voided');
        if (mismatch || sync.pushedRevision !== latest.revision) {
          wrongContent += 1;
          wrong.push(
            mismatch ?? `pushedRevision ${sync.pushedRevision} (expected ${latest.revision})`,
          );
        }
      }
      const openKind = openErrors.get(invoice.id);
      if (wrong.length > 0) {
        if (!openKind) invisibleFailures += 1;
        problem(`${where}: ${wrong.join('; ')}; sync error: ${openKind ?? 'none'}`);
      } else if (openKind && openKind !== EXPECTED_ERROR[invoice.fate]) {
        unexpectedSyncErrors += 1;
        problem(`${where}: as expected, but an open ${openKind} sync error`);
      }
    });
  });
  return {
    qboInvoices,
    qboRequests,
    lost,
    duplicated,
    wrongStatus,
    wrongContent,
    invisibleFailures,
    syncErrorsOpen,
    unexpectedSyncErrors,
    problems,
  };
}

/** Why a QBO invoice does not show the revision, or undefined when it does. */
function contentMismatch(
  qbo: QboInvoice,
  body: PushBody,
  docNumber: string | null,
  voided: boolean,
): string | undefined {
  if (!docNumber || qbo.DocNumber !== docNumber) {
    return `DocNumber ${String(qbo.DocNumber)} (expected ${docNumber})`;
  }
  if (voided) return undefined; // a void zeroes every amount
  if (Number(qbo.TotalAmt).toFixed(2) !== body.totals.total) {
    return `TotalAmt ${String(qbo.TotalAmt)} (expected ${body.totals.total})`;
  }
  const lines = ((qbo.Line ?? []) as { DetailType: string; Amount: number }[])
    .filter((l) => l.DetailType === 'SalesItemLineDetail')
    .map((l) => Number(l.Amount).toFixed(2));
  const expected = body.lines.map((l) => l.amount);
  if (lines.join() !== expected.join())
    return `lines ${lines.join()} (expected ${expected.join()})`;
  return undefined;
}
