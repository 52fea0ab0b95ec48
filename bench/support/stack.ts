import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';

/** The local runtime (`npm start`) running in a child process, driven over HTTP as a user would. */
export interface BenchStack {
  readonly apiUrl: string;
  readonly emulatorUrl: string;
  /** A development JWT for a tenant. */
  token(tenantId: string): Promise<string>;
  /** Calls the API as an admin of a tenant. */
  call(tenantId: string, method: string, path: string, body?: unknown): Promise<Response>;
  /** Calls the emulator's admin API. */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  /** Creates a company and connects a tenant to it through the real OAuth flow. */
  connect(tenantId: string, companyName: string): Promise<string>;
  /** Bytes the stack has written to stdout since it started: its log lines. */
  logBytes(): number;
  /** QBO requests the emulator has answered for a company so far. */
  requestCount(realmId: string): Promise<number>;
  /** Waits until the stack has published `count` domain events of a type; resolves their count. */
  eventsOfType(type: string, count: number, timeoutMs?: number): Promise<number>;
  /** Waits until the named local queue is empty. */
  drained(queue: 'push' | 'changes' | 'reconcile', timeoutMs?: number): Promise<void>;
  /**
   * CPU seconds used so far by the stack's processes (DynamoDB Local's JVM included) and this one
   * (Linux; NaN elsewhere).
   */
  cpuSeconds(): number;
  close(): Promise<void>;
}

/**
 * Starts `bin/local.ts --in-memory` on free ports with the given environment (e.g. the emulator's
 * latency) and waits for its banner. The benchmark process only measures; the stack under test
 * has its own process, as each Lambda and QBO would.
 *
 * @param env - extra environment of the stack
 */
export async function startBenchStack(env: Record<string, string> = {}): Promise<BenchStack> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'bin/local.ts', '--in-memory', '--port', '0'],
    {
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'WARN', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let banner = '';
  let logBytes = 0;
  const urls = await new Promise<{ api: string; emulator: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the local stack exited (${code})`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      logBytes += chunk.length;
      // BENCH_STACK_LOG=<file> keeps the stack's log lines (WARN and up) for a look afterwards.
      if (process.env.BENCH_STACK_LOG) appendFileSync(process.env.BENCH_STACK_LOG, chunk);
      if (banner.includes('Ctrl-C')) return;
      banner += chunk.toString();
      const api = /API:\s+(http\S+)/.exec(banner)?.[1];
      const emulator = /Intuit:\s+(http\S+)/.exec(banner)?.[1];
      if (api && emulator && banner.includes('Ctrl-C')) resolve({ api, emulator });
    });
  });
  const tokens = new Map<string, string>();
  const json = (body: unknown) =>
    body === undefined ? undefined : { 'content-type': 'application/json' };
  const stack: BenchStack = {
    apiUrl: urls.api,
    emulatorUrl: urls.emulator,
    async token(tenantId) {
      let token = tokens.get(tenantId);
      if (!token) {
        const res = await fetch(`${urls.api}/_local/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ tenantId }),
        });
        token = ((await res.json()) as { token: string }).token;
        tokens.set(tenantId, token);
      }
      return token;
    },
    async call(tenantId, method, path, body) {
      return fetch(`${urls.api}${path}`, {
        method,
        headers: { authorization: `Bearer ${await stack.token(tenantId)}`, ...json(body) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    },
    admin: (method, path, body) =>
      fetch(`${urls.emulator}${path}`, {
        method,
        headers: json(body),
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    async connect(tenantId, companyName) {
      const company = await stack.admin('POST', '/_admin/companies', { name: companyName });
      const { realmId } = (await company.json()) as { realmId: string };
      const started = await stack.call(tenantId, 'POST', '/integrations/quickbooks/connect');
      const { authorizeUrl } = (await started.json()) as { authorizeUrl: string };
      const consent = new URL(authorizeUrl);
      consent.searchParams.set('auto_approve', realmId);
      const callback = (await fetch(consent, { redirect: 'manual' })).headers.get('location');
      const back = await fetch(callback ?? '', { redirect: 'manual' });
      const confirmation = new URL(
        back.headers.get('location') ?? 'http://invalid/',
      ).searchParams.get('confirmation');
      const done = await stack.call(tenantId, 'POST', '/integrations/quickbooks/confirm', {
        confirmation,
      });
      if (!done.ok) {
        throw new Error(`connect failed for ${tenantId}: ${done.status} ${await done.text()}`);
      }
      return realmId;
    },
    logBytes: () => logBytes,
    async requestCount(realmId) {
      const res = await stack.admin('GET', `/_admin/companies/${realmId}`);
      return ((await res.json()) as { requestCount: number }).requestCount;
    },
    async eventsOfType(type, count, timeoutMs = 600_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await fetch(`${urls.api}/_local/events`);
        const events = ((await res.json()) as { events: { type: string }[] }).events;
        const seen = events.filter((e) => e.type === type).length;
        if (seen >= count || Date.now() > deadline) return seen;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async drained(queue, timeoutMs = 600_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await fetch(`${urls.api}/_local/queues`);
        const queues = (await res.json()) as Record<string, { depth: number }>;
        if (queues[queue]?.depth === 0) return;
        if (Date.now() > deadline) throw new Error(`${queue} queue not drained in time`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    cpuSeconds() {
      const own = process.cpuUsage();
      return processTreeCpuSeconds(child.pid ?? 0) + (own.user + own.system) / 1e6;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
  return stack;
}

/** CPU seconds of a process and its descendants, from /proc (NaN where there is none). */
function processTreeCpuSeconds(pid: number): number {
  try {
    // utime and stime in clock ticks (100 a second on Linux): fields 14 and 15 of stat.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    let seconds = (Number(fields[11]) + Number(fields[12])) / 100;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const c of children ? children.split(' ') : []) {
        seconds += processTreeCpuSeconds(Number(c)) || 0;
      }
    }
    return seconds;
  } catch {
    return Number.NaN;
  }
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** The p-th percentile (0–100) of a list of numbers, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Rounds to `digits` decimals, for results files and tables. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
