/**
 * Every Lambda function of the stack, in one table: what it is, what invokes it and what it may
 * touch. The stack (`integration-stack.ts`) builds each function from its row in a straight line,
 * the infra tests and the bundle benchmark read the same rows, and a least-privilege review is a
 * read of this table. Adding a function is one row here plus its `functions/<name>/handler.ts`
 * (and, for an API route, its line in `shared/api/routes.ts`), and its budget in `bench/budgets.ts`.
 */
import type { QueueName } from '#shared/config/queues.ts';
import type { PlatformAdapters } from '#shared/wiring/services.ts';

/** One function: its folder under `functions/` is the row's key. */
export interface FunctionSpec {
  /** What it does, shown in the Lambda console. */
  readonly description: string;
  /** @default 10 */
  readonly timeoutSeconds?: number;
  /**
   * What invokes it: its route(s) in `shared/api/routes.ts`, a queue (it is that queue's only
   * consumer), an EventBridge rule every hour, or the sync-state table's stream (its outbox
   * items only) together with a rule every 5 minutes for the sweep of what the stream missed.
   */
  readonly trigger:
    | 'route'
    | { readonly queue: QueueName }
    | 'hourly'
    | { readonly stream: 'sync-state' };
  /**
   * The sync-state table: read, read and write, or, for the public functions, only their own
   * partitions: the webhook receiver's delivery records and claim reads (`webhook-records`), the
   * callback's pending OAuth flows (`oauth-states`).
   */
  readonly syncTable?: 'read' | 'readwrite' | 'webhook-records' | 'oauth-states';
  /**
   * Tokens: the token key, to open (`read`) or to seal and open (`both`) with `tenant_provider_keys`
   * read/write; or, for the public callback, to seal a new grant and store it pending (`store`:
   * `kms:GenerateDataKey`, and `PutItem` on `GRANT#` items only). Only these functions may use the
   * key (its policy names their roles).
   */
  readonly tokens?: 'store' | 'read' | 'both';
  /** The Intuit app's secret and settings (client id and secret, redirect URI, portal). */
  readonly intuitApp?: boolean;
  /** Only the portal page to send a browser to (the public Disconnect URL). */
  readonly portalUrl?: boolean;
  /** The webhook verifier token secret (the public webhook receiver only). */
  readonly webhookSecret?: boolean;
  /**
   * Delivers the outbox: queries its sweep partitions and deletes the events it delivered
   * (`SyncData.bindOutbox`), and puts them on the bus for TradelyHQ core.
   */
  readonly outbox?: boolean;
  /** Queues it sends to. */
  readonly sendsTo?: readonly QueueName[];
  /**
   * Tenants' nightly schedules: creates and moves them (`upsert`), deletes them (`delete`), or
   * both. Only what the function does is granted (the IAM rehearsal,
   * `test/integration/aws-permissions.test.ts`, checks each against its calls).
   */
  readonly schedules?: 'upsert' | 'delete' | 'both';
  /** Calls the QBO Accounting API (its logs feed the per-company request and 429 insights). */
  readonly callsQbo?: boolean;
  /**
   * Sweeps grant records past their deadline: queries their deadline index and changes their
   * state, and nothing else of the token table (no token row, no token key).
   */
  readonly grantSweep?: boolean;
}

/** Functions that call Intuit stay well inside API Gateway's 30-second integration limit. */
const INTUIT_CALL_SECONDS = 29;

/** Every function of the stack. */
export const FUNCTIONS = {
  health: { description: 'GET /health: liveness probe', trigger: 'route' },
  'get-connection': {
    description: 'GET /integrations/quickbooks: status',
    trigger: 'route',
    syncTable: 'read',
  },
  'connect-quickbooks': {
    description: 'Starts the QuickBooks OAuth flow',
    trigger: 'route',
    syncTable: 'readwrite',
    intuitApp: true,
  },
  // Public: seals the new grant and keeps it pending; it can never open a token, read a tenant's
  // data or touch a token row.
  'quickbooks-callback': {
    description: "Intuit's OAuth redirect: keeps the grant",
    timeoutSeconds: INTUIT_CALL_SECONDS,
    trigger: 'route',
    syncTable: 'oauth-states',
    tokens: 'store',
    intuitApp: true,
    sendsTo: ['grants'],
    callsQbo: true,
  },
  // Adopts the sealed grant, then catches up on QBO changes with it (CDC): both key uses.
  'confirm-quickbooks': {
    description: 'The admin who started it connects',
    timeoutSeconds: INTUIT_CALL_SECONDS,
    trigger: 'route',
    syncTable: 'readwrite',
    tokens: 'both',
    intuitApp: true,
    sendsTo: ['push', 'grants'],
    schedules: 'both',
    callsQbo: true,
  },
  // Public: no table, no token key, no Intuit secret; it only queues a check of the grant.
  'quickbooks-disconnected': {
    description: "Intuit's Disconnect URL: queues a check of the grant",
    trigger: 'route',
    portalUrl: true,
    sendsTo: ['grants'],
  },
  // Reads QBO with the tenant's tokens (a refresh stores the new pair): both key uses.
  'list-income-accounts': {
    description: "The company's income accounts, from QBO",
    timeoutSeconds: INTUIT_CALL_SECONDS,
    trigger: 'route',
    syncTable: 'readwrite',
    tokens: 'both',
    intuitApp: true,
    callsQbo: true,
  },
  'list-tax-codes': {
    description: "The company's tax codes, from QBO",
    timeoutSeconds: INTUIT_CALL_SECONDS,
    trigger: 'route',
    syncTable: 'readwrite',
    tokens: 'both',
    intuitApp: true,
    callsQbo: true,
  },
  'update-settings': {
    description: 'Time zone and mapping settings (tax codes checked against QBO)',
    timeoutSeconds: INTUIT_CALL_SECONDS,
    trigger: 'route',
    syncTable: 'readwrite',
    tokens: 'both',
    intuitApp: true,
    callsQbo: true,
    schedules: 'upsert',
  },
  'disconnect-quickbooks': {
    description: 'Revokes at Intuit, deletes tokens',
    timeoutSeconds: INTUIT_CALL_SECONDS,
    trigger: 'route',
    syncTable: 'readwrite',
    tokens: 'read',
    intuitApp: true,
    sendsTo: ['grants'],
    schedules: 'delete',
  },
  'push-invoice': {
    description: 'Authorize & Send: queues a push',
    trigger: 'route',
    syncTable: 'readwrite',
    sendsTo: ['push'],
  },
  'get-invoice-sync': {
    description: "One invoice's sync status",
    trigger: 'route',
    syncTable: 'read',
  },
  'list-invoices': {
    description: 'Pushed invoices by status',
    trigger: 'route',
    syncTable: 'read',
  },
  // Public: only what receiving needs (no token key, no Intuit client secret, no reads of
  // invoices or tokens): write webhook records, and find a realm's tenant on the index.
  'quickbooks-webhook': {
    description: 'Receives QuickBooks webhooks',
    trigger: 'route',
    syncTable: 'webhook-records',
    webhookSecret: true,
    sendsTo: ['changes'],
  },
  'list-sync-errors': { description: 'The Sync Errors panel', trigger: 'route', syncTable: 'read' },
  'resync-invoice': {
    description: 'Re-pushes an invoice over QBO',
    trigger: 'route',
    syncTable: 'readwrite',
    sendsTo: ['push'],
  },
  'accept-sync-error': {
    description: "Keeps QBO's value",
    trigger: 'route',
    syncTable: 'readwrite',
  },
  'dismiss-sync-error': {
    description: 'Dismisses a sync error',
    trigger: 'route',
    syncTable: 'readwrite',
  },
  'request-reconcile': {
    description: 'Runs the reconcile now',
    trigger: 'route',
    syncTable: 'readwrite',
    sendsTo: ['reconcile'],
  },
  'push-worker': {
    description: 'Pushes queued invoices to QuickBooks',
    timeoutSeconds: 60,
    trigger: { queue: 'push' },
    syncTable: 'readwrite',
    tokens: 'both',
    intuitApp: true,
    callsQbo: true,
  },
  // Opens held grants to revoke them, and reads QBO to check a Disconnect notice: both key uses.
  'grant-worker': {
    description: 'Revokes grants no connection holds; checks Disconnect notices',
    timeoutSeconds: 30,
    trigger: { queue: 'grants' },
    syncTable: 'readwrite',
    tokens: 'both',
    intuitApp: true,
    // It re-queues a confirmation expiry that came early.
    sendsTo: ['grants'],
    callsQbo: true,
  },
  'change-worker': {
    description: 'Applies QuickBooks changes (webhooks) to pushed invoices',
    timeoutSeconds: 60,
    trigger: { queue: 'changes' },
    syncTable: 'readwrite',
    tokens: 'both',
    intuitApp: true,
    callsQbo: true,
  },
  'reconcile-worker': {
    description: "Nightly reconcile of a tenant's invoices with QuickBooks",
    timeoutSeconds: 300,
    trigger: { queue: 'reconcile' },
    syncTable: 'readwrite',
    tokens: 'both',
    intuitApp: true,
    callsQbo: true,
  },
  // One small query per tenant: minutes, not seconds, at thousands of tenants.
  // It also sweeps grants past their deadline.
  'fleet-watchdog': {
    description: 'Hourly: reconnects needed, overdue reconciles, open sync errors, grant sweep',
    timeoutSeconds: 300,
    trigger: 'hourly',
    syncTable: 'read',
    grantSweep: true,
    sendsTo: ['grants'],
  },
  // The only function that puts events on the bus: the others write them to the outbox.
  'event-relay': {
    description: 'Delivers outbox events to the bus: from the table stream, and a sweep',
    timeoutSeconds: 60,
    trigger: { stream: 'sync-state' },
    outbox: true,
  },
} as const satisfies Record<string, FunctionSpec>;

/** A function's name: its folder under `functions/`. */
export type FunctionName = keyof typeof FUNCTIONS;

/** The rows, typed as {@link FunctionSpec}, in the table's order. */
export const functionEntries = (): [FunctionName, FunctionSpec][] =>
  Object.entries(FUNCTIONS) as [FunctionName, FunctionSpec][];

/** The names of the functions whose row says this. */
export const functionsWhere = (test: (spec: FunctionSpec) => boolean): FunctionName[] =>
  functionEntries()
    .filter(([, spec]) => test(spec))
    .map(([name]) => name);

/**
 * The function or queue key's construct id: `push-worker` → `PushWorker`.
 *
 * @param name - a key of {@link FUNCTIONS} or of the queue table
 */
export const pascal = (name: string): string =>
  name.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());

/**
 * The function a queue triggers: the one row whose trigger names it.
 *
 * @param queue - a key of the queue table
 */
export const workerOf = (queue: QueueName): FunctionName => {
  const [worker, ...others] = functionsWhere(
    (s) => typeof s.trigger === 'object' && 'queue' in s.trigger && s.trigger.queue === queue,
  );
  if (!worker || others.length > 0) {
    throw new Error(`lib/functions.ts: queue ${queue} needs exactly one worker row`);
  }
  return worker;
};

/** An AWS adapter of the composition root (`shared/wiring/aws-adapters.ts`). */
export type AwsAdapterName = keyof PlatformAdapters;

/** The adapter that sends to and delays on each queue. */
const QUEUE_ADAPTERS = {
  push: 'pushQueue',
  changes: 'changeQueue',
  reconcile: 'reconcileQueue',
  grants: 'grantQueue',
} as const satisfies Record<QueueName, AwsAdapterName>;

/**
 * The AWS adapters a row grants: the token key, schedules and events (the outbox's relay) as its row names them, the
 * queues it sends to and the queue it consumes (a worker delays its own messages). Only these are
 * bundled with the function ({@link bundleDefines}), so a function carries only the AWS SDK
 * clients it may call.
 *
 * @param spec - the function's row
 */
export function awsAdaptersOf(spec: FunctionSpec): AwsAdapterName[] {
  const queues = new Set<QueueName>(spec.sendsTo ?? []);
  if (typeof spec.trigger === 'object' && 'queue' in spec.trigger) queues.add(spec.trigger.queue);
  return [
    ...(spec.tokens ? (['keys'] as const) : []),
    ...(spec.schedules ? (['schedules'] as const) : []),
    ...(spec.outbox ? (['events'] as const) : []),
    ...[...queues].map((queue) => QUEUE_ADAPTERS[queue]),
  ];
}

const ALL_AWS_ADAPTERS: readonly AwsAdapterName[] = [
  'keys',
  'schedules',
  'events',
  ...Object.values(QUEUE_ADAPTERS),
];

/**
 * The esbuild `define`s a function is bundled with: `process.env.AWS_ADAPTER_<NAME>` is
 * `'left-out'` for every AWS adapter its row does not grant, and esbuild drops that adapter and
 * its SDK client from the bundle (`shared/wiring/aws-adapters.ts`).
 *
 * @param spec - the function's row
 */
export function bundleDefines(spec: FunctionSpec): Record<string, string> {
  const granted = new Set(awsAdaptersOf(spec));
  return Object.fromEntries(
    ALL_AWS_ADAPTERS.filter((a) => !granted.has(a)).map((a) => [
      `process.env.AWS_ADAPTER_${a.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`,
      JSON.stringify('left-out'),
    ]),
  );
}
