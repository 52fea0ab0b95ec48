import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { registerAccountingRoutes } from './accounting.ts';
import { registerAdminRoutes } from './admin.ts';
import { Clock, Scheduler } from './clock.ts';
import { AdminError, OAuthProtocolError, QboFaultError } from './errors.ts';
import { faultBody } from './faults.ts';
import { Router, readBody, sendJson } from './http.ts';
import { Ledger } from './ledger.ts';
import { DEFAULT_LIMITS, type LimitConfig, RealmLimiter } from './limits.ts';
import { OAuthService } from './oauth.ts';
import { registerOAuthRoutes } from './oauth-routes.ts';
import { foreignRequest } from './same-host.ts';
import { type EmulatorState, emptyState, loadState, saveState } from './state.ts';
import { WebhookDispatcher } from './webhooks.ts';

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** Delay added to every Accounting API request, in ms. @default 0 */
  readonly latencyMs?: number;
  /** Delay added to a batch request per item, in ms (unconfirmed how QBO's grows). @default 0 */
  readonly batchItemLatencyMs?: number;
  /** JSON file the state is loaded from and saved to; in-memory only when absent. */
  readonly stateFile?: string;
  /** The app's client id. @default 'emulator-client-id' */
  readonly clientId?: string;
  /** The app's client secret. @default 'emulator-client-secret' */
  readonly clientSecret?: string;
  /** Registered redirect URIs; empty accepts any http://127.0.0.1 or http://localhost URL. */
  readonly redirectUris?: readonly string[];
  /** Per-realm limits. @default 500 per minute, 10 concurrent, 40 batches per minute */
  readonly limits?: Partial<LimitConfig>;
  /** Longest an injected `timeout` fault holds a request, in ms. @default 30000 */
  readonly timeoutHoldMs?: number;
}

/** A running emulator. */
export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:49152` (no trailing slash); serves OAuth, API and admin. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The emulator clock (tests may advance it directly or via `POST /_admin/clock`). */
  readonly clock: Clock;
  /** The live state (read it in tests; change it through the admin API). */
  readonly state: EmulatorState;
  /** The client id it expects. */
  readonly clientId: string;
  /** The client secret it expects. */
  readonly clientSecret: string;
  /** Resolves when no webhook batch is open and no delivery attempt is in flight. */
  webhooksIdle(): Promise<void>;
  /** Stops the server, its timers and deliveries; saves the state file if one is used. */
  close(): Promise<void>;
}

/**
 * Starts the QuickBooks Online + Intuit OAuth emulator: one HTTP server that serves Intuit's
 * OAuth paths, the Accounting API v3 and the admin API.
 *
 * @param options - see {@link EmulatorOptions}
 * @example
 * const emulator = await startEmulator({ port: 0 });
 * const { realmId } = await (await fetch(`${emulator.url}/_admin/companies`, {
 *   method: 'POST', body: JSON.stringify({ name: 'Acme' }) })).json();
 * await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const state = options.stateFile ? await loadState(options.stateFile) : emptyState();
  const clock = new Clock(state.clockOffsetMs);
  const scheduler = new Scheduler(clock);
  const clientId = options.clientId ?? 'emulator-client-id';
  const clientSecret = options.clientSecret ?? 'emulator-client-secret';

  let saveTimer: NodeJS.Timeout | undefined;
  let saving: Promise<void> = Promise.resolve();
  const flush = () => {
    if (!options.stateFile) return saving;
    const file = options.stateFile;
    state.clockOffsetMs = clock.offsetMs;
    saving = saving.then(() => saveState(file, state)).catch(() => undefined);
    return saving;
  };
  const persist = () => {
    if (!options.stateFile || saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = undefined;
      void flush();
    }, 50);
  };

  const oauth = new OAuthService(
    state,
    clock,
    { clientId, clientSecret, redirectUris: options.redirectUris ?? [] },
    persist,
  );
  const webhooks = new WebhookDispatcher(
    clock,
    scheduler,
    () => state.webhook,
    (realmId) => oauth.isConnected(realmId),
    clientId,
  );
  const ledger = new Ledger(clock, (event) => webhooks.enqueue(event));
  const limiter = new RealmLimiter(clock, { ...DEFAULT_LIMITS, ...options.limits });
  const heldSockets = new Set<Socket>();

  const router = new Router();
  registerOAuthRoutes(router, { state, clock, oauth, persist });
  registerAccountingRoutes(router, {
    state,
    clock,
    oauth,
    ledger,
    limiter,
    latencyMs: options.latencyMs ?? 0,
    batchItemLatencyMs: options.batchItemLatencyMs ?? 0,
    holdMs: options.timeoutHoldMs ?? 30_000,
    heldSockets,
    persist,
  });
  registerAdminRoutes(router, {
    state,
    clock,
    oauth,
    ledger,
    limiter,
    webhooks,
    persist,
    reset: () => {
      // Mutated in place: every service holds a reference to this object.
      state.companies = {};
      state.grants = {};
      state.codes = {};
      state.webhook = null;
      webhooks.clearDeliveries();
      persist();
    },
  });
  router.on('GET', '/', (ctx) =>
    sendJson(ctx.res, 200, {
      name: 'QuickBooks Online + Intuit OAuth emulator',
      authorize: '/connect/oauth2',
      token: '/oauth2/v1/tokens/bearer',
      revoke: '/v2/oauth2/tokens/revoke',
      api: '/v3/company/{realmId}/…',
      admin: '/_admin/…',
    }),
  );

  // Bound to another interface (`host`), the emulator answers to that name too.
  const listenHost = options.host ?? '127.0.0.1';
  const extraNames = ['0.0.0.0', '::'].includes(listenHost)
    ? []
    : [listenHost.includes(':') ? `[${listenHost}]` : listenHost];
  const server = createServer((req, res) => {
    // Its admin API has no authentication: a page of another site, or a host name rebound to
    // 127.0.0.1, must not reach it (a cross-site `POST /_admin/reset` needs no CORS preflight).
    const { port } = server.address() as AddressInfo;
    if (foreignRequest(req, port, { extraNames })) {
      sendJson(res, 403, {
        error: 'forbidden',
        error_description: 'Not a request of this machine',
      });
      return;
    }
    void handle(router, req, res, clock);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, listenHost, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${hostForUrl}:${address.port}`,
    port: address.port,
    clock,
    state,
    clientId,
    clientSecret,
    webhooksIdle: () => webhooks.idle(),
    close: () => {
      closed ??= (async () => {
        scheduler.close();
        webhooks.close();
        for (const socket of heldSockets) socket.destroy();
        if (saveTimer) clearTimeout(saveTimer);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await flush();
      })();
      return closed;
    },
  };
}

async function handle(
  router: Router,
  req: IncomingMessage,
  res: ServerResponse,
  clock: Clock,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const method = req.method ?? 'GET';
  try {
    const match = router.match(method, url.pathname);
    if (match === undefined) {
      sendJson(res, 404, { error: 'not_found', path: url.pathname });
      return;
    }
    if (match === 'method') {
      sendJson(res, 405, { error: 'method_not_allowed' });
      return;
    }
    const body = await readBody(req);
    await match.handler({
      req,
      res,
      method,
      path: url.pathname,
      query: url.searchParams,
      params: match.params,
      body,
    });
  } catch (err) {
    if (err instanceof AdminError) {
      sendJson(res, err.status, { error: err.message });
    } else if (err instanceof QboFaultError) {
      // Admin calls that hit a ledger rule answer with the QBO fault that rule raises.
      sendJson(res, err.status, {
        error: err.message,
        ...faultBody(err, new Date(clock.now()).toISOString()),
      });
    } else if (err instanceof OAuthProtocolError) {
      sendJson(res, err.status, { error: err.error, error_description: err.description });
    } else {
      sendJson(res, 500, { error: 'internal_error' });
    }
  }
}
