import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { foreignRequest } from '#emulator/same-host.ts';
import type { LocalQueue } from '#shared/adapters/local/local-queue.ts';
import { localQueues } from '#shared/adapters/local/local-queues.ts';
import { localEvents } from '#shared/adapters/local/memory-event-publisher.ts';
import type { RouteDefinition } from '#shared/api/routes.ts';
import type { ApiHandler } from '#shared/http/api-handler.ts';
import { scopesFor, scopesOf } from '#shared/http/scopes.ts';
import { TENANT_ID } from '#shared/http/tenant.ts';
import { apiGatewayClaims, lambdaContext, toApiGatewayEvent } from './api-gateway-event.ts';
import { DemoActionError, LocalConsole } from './console-routes.ts';
import { DevIssuer } from './dev-issuer.ts';
import { deliverLocalOutbox } from './local-outbox.ts';
import { runLocalOp } from './ops-routes.ts';
import { testInvoiceRoute } from './test-invoice.ts';

/** API Gateway's own limit on an HTTP API payload. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Options of {@link startLocalApi}. */
export interface LocalApiOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** The API's routes (`shared/api/routes.ts`). */
  readonly routes: readonly RouteDefinition[];
  /** Loads the Lambda handler of a `functions/<name>` folder. */
  readonly loadHandler: (name: string) => Promise<ApiHandler>;
  /** The JWT claim that carries the tenant id. */
  readonly tenantClaim: string;
  /** Extra fields for `GET /_local/info` (e.g. the emulator's URL). */
  readonly info?: Readonly<Record<string, string>>;
  /** Also serve the reference admin console at `/` and its demo helper under `/_local/demo/`. */
  readonly console?: boolean;
  /**
   * Answer API routes with `503 {"message":"Starting"}` until {@link LocalApi.markReady}: handlers
   * read their configuration (DynamoDB's endpoint among it) when first loaded, so none may load
   * before the runtime has set it. The console answers at once; development tokens once ready.
   * @default false
   */
  readonly startNotReady?: boolean;
  /**
   * Where a line per API request that changes something, redirects or is refused goes
   * (`npm start`: the terminal), e.g. `20:10:50.123 POST /invoices/inv_1/push → 202 (push-invoice, 14 ms)`.
   */
  readonly accessLog?: (line: string) => void;
}

/** A running local API. */
export interface LocalApi {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The development issuer whose tokens the API accepts. */
  readonly issuer: DevIssuer;
  /** Starts serving API routes (see {@link LocalApiOptions.startNotReady}). */
  markReady(): void;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly pattern: RegExp;
  readonly params: readonly string[];
}

/** The port is taken: say so plainly instead of a stack trace. */
export class PortInUseError extends Error {
  /** @param port - the busy port */
  constructor(readonly port: number) {
    super(
      `Port ${port} is already in use (is another \`npm start\` running?). ` +
        'Stop it, or choose another port with PORT=<port> npm start.',
    );
    this.name = 'PortInUseError';
  }
}

function compile(route: RouteDefinition): CompiledRoute {
  const params: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, n) => {
    params.push(n);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), params };
}

/**
 * Serves the API's routes on loopback the way API Gateway would: each request becomes the payload
 * 2.0 event its Lambda handler receives, JWT routes are refused with API Gateway's own
 * `401 {"message":"Unauthorized"}` unless a token from the development issuer verifies, and
 * unknown routes get `404 {"message":"Not Found"}`. Local mode only adds `POST /_local/token`
 * (mints a token for a tenant), `GET /_local/info` and the other `/_local/` helpers, and with
 * `console` the reference admin console at `/` (built in memory at start).
 */
export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const compiled = options.routes.map(compile);
  const adminConsole = options.console ? new LocalConsole(options.info ?? {}) : undefined;
  let issuer: DevIssuer | undefined;
  let url = '';
  const invocations = new Map<string, Invocations>();
  let ready = !options.startNotReady;
  const server = createServer((req, res) => {
    if (!issuer) return send(res, 503, { message: 'Starting' });
    const ctx = {
      ...options,
      compiled,
      issuer,
      url,
      invocations,
      adminConsole,
      ready: () => ready,
    };
    handle(req, res, ctx).catch((err: unknown) => {
      console.error('Local API error', err);
      if (!res.headersSent) send(res, 500, { message: 'Internal Server Error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(options.port) : err),
    );
    server.listen(options.port, '127.0.0.1', resolve);
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = await DevIssuer.create(`${url}/_local`, options.tenantClaim);
  return {
    url,
    issuer,
    markReady: () => {
      ready = true;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Invocations of one function and the time they took: what Lambda would bill. */
interface Invocations {
  count: number;
  ms: number;
}

interface HandleContext extends LocalApiOptions {
  readonly compiled: readonly CompiledRoute[];
  readonly invocations: Map<string, Invocations>;
  readonly issuer: DevIssuer;
  readonly url: string;
  readonly adminConsole: LocalConsole | undefined;
  readonly ready: () => boolean;
}

/** Does the request say its body is JSON? */
const isJson = (req: IncomingMessage) =>
  /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');

async function handle(req: IncomingMessage, res: ServerResponse, ctx: HandleContext) {
  const url = new URL(req.url ?? '/', ctx.url);
  // The local helpers have no authentication of their own, and a browser sends a cross-site POST
  // without asking first: a page of another site, or a rebound host name, is refused here.
  if (foreignRequest(req, Number(new URL(ctx.url).port)))
    return send(res, 403, { message: 'Forbidden' });
  const body = await readBody(req);
  if (body === undefined) return send(res, 413, { message: 'Request Entity Too Large' });
  if (url.pathname.startsWith('/_local/')) return handleLocal(req, res, url, body, ctx);

  const method = req.method ?? 'GET';
  for (const { route, pattern, params } of ctx.compiled) {
    const match = route.method === method ? pattern.exec(url.pathname) : null;
    if (!match) continue;
    if (!ctx.ready()) return send(res, 503, { message: 'Starting' });
    let claims: Record<string, string> | undefined;
    if (route.auth === 'jwt') {
      claims = await authorize(req.headers.authorization, ctx.issuer);
      if (!claims) return send(res, 401, { message: 'Unauthorized' });
      // API Gateway's `authorizationScopes`: a verified token without one of them gets 403.
      const held = scopesOf(claims);
      if (!scopesFor(route.access).some((scope) => held.has(scope))) {
        return send(res, 403, { message: 'Forbidden' });
      }
    }
    const pathParameters = decodedParams(params, match);
    if (!pathParameters) return send(res, 400, { message: 'Bad Request' });
    const routeKey = `${route.method} ${route.path}`;
    const event = toApiGatewayEvent({ req, url, body, routeKey, pathParameters, claims });
    const handler = await ctx.loadHandler(route.handler);
    const started = performance.now();
    const result = await handler(event, lambdaContext(route.handler));
    const ms = performance.now() - started;
    const counted = ctx.invocations.get(route.handler) ?? { count: 0, ms: 0 };
    counted.count += 1;
    counted.ms += ms;
    // One line per change, redirect or refusal; the console's polling reads are not events.
    const status = result.statusCode ?? 200;
    if (method !== 'GET' || status >= 300) {
      ctx.accessLog?.(
        `${new Date().toISOString().slice(11, 23)} ${method} ${url.pathname} → ${status} (${route.handler}, ${Math.round(ms)} ms)`,
      );
    }
    ctx.invocations.set(route.handler, counted);
    // As API Gateway does: the request id (the logs' correlation_id) goes back to the caller.
    res.setHeader('apigw-requestid', event.requestContext.requestId);
    return writeResult(res, result);
  }
  if (ctx.adminConsole?.serve(req, res, url.pathname)) return;
  return send(res, 404, { message: 'Not Found' });
}

/** Path parameters, percent-decoded; `undefined` when one is not valid percent-encoding (`%ZZ`). */
function decodedParams(names: readonly string[], match: RegExpExecArray) {
  try {
    return Object.fromEntries(
      names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]),
    );
  } catch {
    return undefined;
  }
}

/** What a local helper answers to a body that is not JSON. */
const INVALID_JSON = { code: 'invalid_json', message: 'The request body is not valid JSON.' };

/** The body as JSON (an empty body reads as `{}`), or undefined when it is not JSON. */
function jsonOf(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString() || '{}');
  } catch {
    return undefined;
  }
}

/** API Gateway's JWT authorizer: a `Bearer` token that verifies, or nothing. */
async function authorize(header: string | undefined, issuer: DevIssuer) {
  const token = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
  if (!token) return undefined;
  try {
    return apiGatewayClaims(await issuer.verify(token));
  } catch {
    return undefined;
  }
}

async function handleLocal(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: Buffer,
  ctx: HandleContext,
) {
  if (req.method === 'GET' && url.pathname === '/_local/info') {
    return send(res, 200, { apiUrl: ctx.url, ...ctx.info });
  }
  // The helpers read the stores, and a token is good only for an API that answers: a script
  // that waits for its token can call the API at once.
  if (!ctx.ready()) return send(res, 503, { message: 'Starting' });
  if (req.method === 'POST' && body.length > 0 && !isJson(req)) {
    return send(res, 415, {
      code: 'unsupported_media_type',
      message: 'Send the body as application/json.',
    });
  }
  const op = /^\/_local\/ops\/([a-z-]+)$/.exec(url.pathname);
  if (req.method === 'POST' && op) {
    try {
      const input = JSON.parse(body.toString() || '{}') as Record<string, unknown>;
      const result = await runLocalOp(op[1] ?? '', input);
      return result === undefined
        ? send(res, 404, { message: 'Not Found' })
        : send(res, 200, result);
    } catch (err) {
      return send(res, 400, { code: 'op_failed', message: (err as Error).message });
    }
  }
  if (req.method === 'POST' && url.pathname === '/_local/demo/test-invoice' && ctx.adminConsole) {
    const claims = await authorize(req.headers.authorization, ctx.issuer);
    if (!claims) return send(res, 401, { message: 'Unauthorized' });
    const input = jsonOf(body);
    if (input === undefined) return send(res, 400, INVALID_JSON);
    const answer = await testInvoiceRoute(claims, input);
    return send(res, answer.statusCode, answer.body);
  }
  const demo = /^\/_local\/demo\/([a-z-]+)$/.exec(url.pathname);
  if (req.method === 'POST' && demo && ctx.adminConsole) {
    try {
      const input = JSON.parse(body.toString() || '{}') as Record<string, unknown>;
      return send(res, 200, await ctx.adminConsole.demo(demo[1] ?? '', input, ctx.url));
    } catch (err) {
      const status = err instanceof DemoActionError ? err.status : 400;
      return send(res, status, { code: 'demo_failed', message: (err as Error).message });
    }
  }
  if (req.method === 'GET' && url.pathname === '/_local/queues') {
    const view = (queue: LocalQueue) => ({
      depth: queue.depth,
      deadLetters: queue.deadLettered(),
      stats: queue.stats,
    });
    return send(
      res,
      200,
      Object.fromEntries(Object.entries(localQueues).map(([name, q]) => [name, view(q)])),
    );
  }
  if (req.method === 'GET' && url.pathname === '/_local/invocations') {
    // API functions' invocations and summed durations (the cost benchmark reads them).
    return send(res, 200, Object.fromEntries(ctx.invocations));
  }
  if (req.method === 'GET' && url.pathname === '/_local/events') {
    // The domain events TradelyHQ core would receive from EventBridge: the outbox's, delivered.
    const tenantId = url.searchParams.get('tenantId') ?? undefined;
    await deliverLocalOutbox(tenantId);
    return send(res, 200, { events: localEvents.list(tenantId) });
  }
  if (req.method === 'POST' && url.pathname === '/_local/token') {
    const input = jsonOf(body) as
      | { tenantId?: unknown; subject?: unknown; scopes?: unknown }
      | undefined;
    if (input === undefined) return send(res, 400, INVALID_JSON);
    const { tenantId, subject, scopes } = input;
    const word = (v: unknown) => typeof v === 'string' && /^[\w.:@-]{1,128}$/.test(v);
    if (
      typeof tenantId !== 'string' ||
      !TENANT_ID.test(tenantId) ||
      (subject !== undefined && !word(subject)) ||
      (scopes !== undefined && !(Array.isArray(scopes) && scopes.every(word)))
    ) {
      return send(res, 400, {
        code: 'invalid_request',
        message:
          'Send {"tenantId": "..."} with 1-64 letters, digits, "_" or "-", and optionally ' +
          '"subject" (a user id) and "scopes" (a list of scope names).',
      });
    }
    const token = await ctx.issuer.mint(tenantId, {
      ...(subject === undefined ? {} : { subject: subject as string }),
      ...(scopes === undefined ? {} : { scopes: scopes as string[] }),
    });
    return send(res, 200, { token, tenantId, expiresIn: 3600 });
  }
  return send(res, 404, { message: 'Not Found' });
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function writeResult(res: ServerResponse, result: APIGatewayProxyStructuredResultV2) {
  const headers: Record<string, string | string[]> = { ...(result.headers as object) };
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : '');
}

function send(res: ServerResponse, statusCode: number, body: unknown) {
  res.writeHead(statusCode, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
