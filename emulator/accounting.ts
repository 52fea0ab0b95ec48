import type { Socket } from 'node:net';
import { type Clock, qboDateTime } from './clock.ts';
import type { QboFaultError } from './errors.ts';
import { readExchangeRate } from './exchange-rates.ts';
import {
  authFaultBody,
  batchTooLarge,
  faultBody,
  invalidCompanyStatus,
  invalidRequest,
  objectNotFound,
  queryParseError,
  queryValidationError,
  requiredParam,
  systemFailure,
  throttleJson,
  throttleXml,
} from './faults.ts';
import { parseJson, type RequestContext, type Router, send, sendJson } from './http.ts';
import { isQboFault, type Ledger } from './ledger.ts';
import type { RealmLimiter } from './limits.ts';
import type { OAuthService } from './oauth.ts';
import { pseudoTaxCodes } from './profiles.ts';
import { parseQuery, type QueryableEntity, runQuery } from './query.ts';
import { type CompanyState, type EmulatorState, ENTITY_NAMES, type EntityName } from './state.ts';

/** What the Accounting API routes need from the rest of the emulator. */
export interface AccountingDeps {
  readonly state: EmulatorState;
  readonly clock: Clock;
  readonly oauth: OAuthService;
  readonly ledger: Ledger;
  readonly limiter: RealmLimiter;
  /** Added to every Accounting API request, in ms. */
  readonly latencyMs: number;
  /** Added to a batch request per item it carries, in ms (QBO runs a batch's items in turn). */
  readonly batchItemLatencyMs: number;
  /** Longest an injected `timeout` holds a request, in ms. */
  readonly holdMs: number;
  /** Sockets held by `timeout` faults, so closing the emulator can release them. */
  readonly heldSockets: Set<Socket>;
  /** Called after any write (persistence). */
  readonly persist: () => void;
}

/** A handler's answer, before fault injection decides whether it is sent. */
interface ApiResult {
  readonly status: number;
  readonly body: unknown;
}

type ApiHandler = (ctx: RequestContext, company: CompanyState) => ApiResult;

/** Most items a batch may carry ([limits]; node-quickbooks PR #145); more answer 1040. */
export const MAX_BATCH_ITEMS = 30;
/** Longest `requestid` a batch request takes (Intuit blog 2015-04-06, "Request ID update"). */
export const MAX_BATCH_REQUEST_ID = 36;
/** Longest `bId` in a batch sent with a `requestid` (same source). */
export const MAX_BID_WITH_REQUEST_ID = 10;
/** How far back CDC may look (Intuit CDC docs). */
export const CDC_WINDOW_DAYS = 30;
/** Most objects one CDC response carries, across all entities. */
export const CDC_MAX_OBJECTS = 1000;

const PATH_ENTITIES: Record<string, EntityName> = Object.fromEntries(
  ENTITY_NAMES.map((name) => [name.toLowerCase(), name]),
);

/**
 * Registers the QBO Accounting API v3 under `/v3/company/{realmId}/…`.
 *
 * @param router - the router
 * @param deps - shared services
 */
export function registerAccountingRoutes(router: Router, deps: AccountingDeps): void {
  const api = (handler: ApiHandler) => (ctx: RequestContext) => pipeline(deps, ctx, handler);
  const base = '/v3/company/:realmId';
  router.on('GET', `${base}/companyinfo/:id`, api(readCompanyInfo));
  router.on('GET', `${base}/preferences`, api(readPreferences));
  router.on(
    'GET',
    `${base}/exchangerate`,
    api((ctx, c) => ({ status: 200, body: readExchangeRate(c, ctx.query, deps.clock.now()) })),
  );
  router.on(
    'GET',
    `${base}/query`,
    api((ctx, c) => query(deps, ctx.query.get('query'), c)),
  );
  router.on(
    'POST',
    `${base}/query`,
    api((ctx, c) => query(deps, bodyQuery(ctx), c)),
  );
  router.on(
    'GET',
    `${base}/cdc`,
    api((ctx, c) => cdc(deps, ctx, c)),
  );
  router.on(
    'POST',
    `${base}/batch`,
    api((ctx, c) => cached(deps, ctx, c, () => batch(deps, ctx, c))),
  );
  router.on(
    'GET',
    `${base}/:entity/:id`,
    api((ctx, c) => readEntity(deps, ctx, c)),
  );
  router.on(
    'POST',
    `${base}/:entity`,
    api((ctx, c) => cached(deps, ctx, c, () => write(deps, ctx, c))),
  );
}

function time(deps: AccountingDeps): string {
  return qboDateTime(deps.clock.now(), true);
}

/**
 * Every Accounting API request goes through here, in this order: count it, check the bearer
 * token, apply the per-realm limits, add latency, apply an injected fault, check the
 * subscription, run the handler, then answer (or, for `commit_then_reset`, drop the answer).
 */
async function pipeline(deps: AccountingDeps, ctx: RequestContext, handler: ApiHandler) {
  const realmId = ctx.params.realmId as string;
  const company = deps.state.companies[realmId];
  if (company) company.requestCount += 1;

  const access = deps.oauth.checkAccess(ctx.req.headers.authorization, realmId);
  if (!access.ok) {
    const headers: Record<string, string> =
      access.status === 401
        ? { 'WWW-Authenticate': 'Bearer realm="Intuit", error="invalid_token"' }
        : {};
    sendJson(
      ctx.res,
      access.status,
      authFaultBody(access.status, access.detail, deps.clock.now()),
      headers,
    );
    return;
  }
  const batchItems = ctx.path.endsWith('/batch') ? countBatchItems(ctx.body) : undefined;
  const release = deps.limiter.admit(realmId, batchItems !== undefined);
  if (release === 'throttled') {
    sendThrottle(deps, ctx, realmId);
    return;
  }
  try {
    // Latency is server time, so the request occupies a concurrency slot while it waits.
    const latency = deps.latencyMs + (batchItems ?? 0) * deps.batchItemLatencyMs;
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    const fault = deps.limiter.takeFault(realmId);
    if (fault === 'timeout') {
      await hold(deps, ctx);
      return;
    }
    if (fault === 'reset') {
      ctx.req.socket.destroy();
      return;
    }
    if (fault === '500') {
      sendJson(ctx.res, 500, faultBody(systemFailure(), time(deps)));
      return;
    }
    if (fault === '503') {
      // What a gateway in front of QBO answers while the service is down: not a QBO fault.
      send(
        ctx.res,
        503,
        '<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>',
        'text/html',
        { 'Retry-After': '30' },
      );
      return;
    }
    if (fault === '429') {
      sendThrottle(deps, ctx, realmId);
      return;
    }
    if (!company) throw invalidCompanyStatus();
    let result: ApiResult;
    try {
      // A lapsed company is read-only: reads and queries answer, writes are refused.
      if (company.subscription !== 'active' && isWrite(ctx)) throw invalidCompanyStatus();
      result = handler(ctx, company);
    } catch (err) {
      if (!isQboFault(err)) throw err;
      result = { status: err.status, body: faultBody(err, time(deps)) };
    }
    if (ctx.method !== 'GET') deps.persist();
    if (fault === 'commit_then_reset') {
      ctx.req.socket.destroy();
      return;
    }
    if (fault === 'drop_row') result = withoutLastRow(result);
    sendJson(ctx.res, result.status, stamped(deps, result.body));
  } finally {
    release();
  }
}

/** How many items a batch body carries (0 when it is not one), for its latency. */
function countBatchItems(body: Buffer): number {
  try {
    const items = (parseJson(body) as { BatchItemRequest?: unknown } | undefined)?.BatchItemRequest;
    return Array.isArray(items) ? items.length : 0;
  } catch {
    return 0;
  }
}

/** Whether a request can change the books (a query sent by POST cannot). */
function isWrite(ctx: RequestContext): boolean {
  return ctx.method !== 'GET' && !ctx.path.endsWith('/query');
}

/**
 * The `drop_row` test hook: a query answer without its last row, as a truncated bulk read would
 * look. Other answers pass unchanged.
 */
function withoutLastRow(result: ApiResult): ApiResult {
  const body = result.body as { QueryResponse?: Record<string, unknown> } | undefined;
  const response = body?.QueryResponse;
  if (!response) return result;
  const key = Object.keys(response).find((k) => Array.isArray(response[k]));
  if (!key) return result;
  const rows = (response[key] as unknown[]).slice(0, -1);
  const { [key]: _dropped, ...rest } = response;
  return {
    status: result.status,
    body: { ...body, QueryResponse: rows.length > 0 ? { ...rest, [key]: rows } : rest },
  };
}

/**
 * Every JSON answer of the Accounting API carries QBO's `time`, last, as in Intuit's recorded
 * answers (emulator/README.md, "`time` on every answer"); handlers that set their own keep it.
 */
function stamped(deps: AccountingDeps, body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || 'time' in body) {
    return body;
  }
  return { ...body, time: time(deps) };
}

function sendThrottle(deps: AccountingDeps, ctx: RequestContext, realmId: string): void {
  if (deps.limiter.nextThrottleIsXml(realmId)) {
    send(ctx.res, 429, throttleXml(time(deps)), 'application/xml');
  } else {
    sendJson(ctx.res, 429, throttleJson(time(deps)));
  }
}

/** Holds a request unanswered until the client gives up or `holdMs` passes, then drops it. */
async function hold(deps: AccountingDeps, ctx: RequestContext): Promise<void> {
  const socket = ctx.req.socket;
  deps.heldSockets.add(socket);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, deps.holdMs);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  deps.heldSockets.delete(socket);
  socket.destroy();
}

/**
 * `requestid`: a repeated write with the same id gets the first answer, a refusal (a 400 fault)
 * as well as a success, and changes nothing (Intuit blog 2015-04-06: "the same response as it did
 * for the original request", with no exception for errors). A request that was refused must be
 * corrected and sent under a new id. Answers the request never got to (auth, throttle, injected
 * faults, a 500) are not remembered.
 */
function cached(
  deps: AccountingDeps,
  ctx: RequestContext,
  company: CompanyState,
  run: () => ApiResult,
): ApiResult {
  const requestId = ctx.query.get('requestid');
  if (!requestId) return run();
  const hit = company.requestIds[requestId];
  if (hit) return hit;
  let result: ApiResult;
  try {
    result = run();
  } catch (err) {
    if (!isQboFault(err)) throw err;
    result = { status: err.status, body: faultBody(err, time(deps)) };
  }
  // A snapshot: later in-place changes (a payment lowering this invoice's Balance) must not
  // alter what a replay answers, which is the original response.
  if (result.status < 500) company.requestIds[requestId] = structuredClone(result);
  return result;
}

function readCompanyInfo(ctx: RequestContext, company: CompanyState): ApiResult {
  if (ctx.params.id !== company.realmId)
    throw invalidRequest('CompanyInfo Id must be the realm id');
  return { status: 200, body: { CompanyInfo: company.companyInfo } };
}

function readPreferences(_ctx: RequestContext, company: CompanyState): ApiResult {
  return { status: 200, body: { Preferences: company.preferences } };
}

function entityOf(segment: string | undefined): EntityName {
  const entity = PATH_ENTITIES[(segment ?? '').toLowerCase()];
  if (!entity) throw invalidRequest(`Unsupported entity: ${segment ?? ''}`);
  return entity;
}

function readEntity(deps: AccountingDeps, ctx: RequestContext, company: CompanyState): ApiResult {
  const segment = (ctx.params.entity ?? '').toLowerCase();
  if (segment === 'taxcode' || segment === 'taxrate') {
    const name = segment === 'taxcode' ? 'TaxCode' : 'TaxRate';
    const list = (segment === 'taxcode' ? company.taxCodes : company.taxRates) ?? {};
    const found = list[ctx.params.id as string];
    if (!found) throw objectNotFound(name, ctx.params.id as string);
    return { status: 200, body: { [name]: found, time: time(deps) } };
  }
  const entity = entityOf(ctx.params.entity);
  const record = deps.ledger.read(company, entity, ctx.params.id as string);
  return { status: 200, body: { [entity]: record, time: time(deps) } };
}

function write(deps: AccountingDeps, ctx: RequestContext, company: CompanyState): ApiResult {
  const entity = entityOf(ctx.params.entity);
  const body = parseJson(ctx.body);
  if (body === undefined) throw invalidRequest('Request body is missing or is not valid JSON');
  const record = applyOperation(
    deps,
    company,
    entity,
    ctx.query.get('operation'),
    body,
    ctx.query.get('include'),
  );
  return { status: 200, body: { [entity]: record, time: time(deps) } };
}

function applyOperation(
  deps: AccountingDeps,
  company: CompanyState,
  entity: EntityName,
  operation: string | null,
  body: unknown,
  include: string | null = null,
): Record<string, unknown> {
  const op = (operation ?? '').toLowerCase();
  if (op === 'delete') return deps.ledger.remove(company, entity, body);
  if (op === 'void') return deps.ledger.void(company, entity, body);
  // A payment is voided by an update that carries `include=void` (node-quickbooks `voidPayment`,
  // quickbooks-ruby `Service::Payment#void`): see emulator/README.md.
  if (entity === 'Payment' && (include ?? '').toLowerCase() === 'void' && op !== 'create') {
    return deps.ledger.void(company, entity, body);
  }
  const obj = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  // include=allowduplicatedocnum (Invoice reference; node-quickbooks `allowDuplicateDocNum`).
  const writeOptions = {
    allowDuplicateDocNumber: (include ?? '')
      .toLowerCase()
      .split(',')
      .some((part) => part.trim() === 'allowduplicatedocnum'),
  };
  if (op === 'update' || (op !== 'create' && obj.Id !== undefined)) {
    return deps.ledger.update(company, entity, body, { sparse: obj.sparse === true }, writeOptions);
  }
  if (op !== '' && op !== 'create') throw invalidRequest(`Unsupported operation: ${op}`);
  return deps.ledger.create(company, entity, body, writeOptions);
}

function bodyQuery(ctx: RequestContext): string | null {
  const text = ctx.body.toString('utf8').trim();
  return text === '' ? null : text;
}

function queryResponse(text: string | null, company: CompanyState): Record<string, unknown> {
  if (!text) throw queryParseError('Encountered "<EOF>": the query is empty');
  const parsed = parseQuery(text);
  const rows = queryRows(parsed.entity, company);
  // A US company lists the pseudo codes TAX and NON first (Intuit's TaxCode reference).
  const usPseudo = parsed.entity === 'TaxCode' && company.country === 'US';
  return runQuery(parsed, rows, usPseudo ? pseudoTaxCodes(company.createdAt) : []);
}

function queryRows(entity: QueryableEntity, company: CompanyState): Record<string, unknown>[] {
  switch (entity) {
    case 'CompanyInfo':
      return [company.companyInfo];
    case 'Preferences':
      return [company.preferences];
    case 'TaxCode':
      return Object.values(company.taxCodes ?? {});
    case 'TaxRate':
      return Object.values(company.taxRates ?? {});
    default:
      return Object.values(company.entities[entity]);
  }
}

function query(deps: AccountingDeps, text: string | null, company: CompanyState): ApiResult {
  return { status: 200, body: { QueryResponse: queryResponse(text, company), time: time(deps) } };
}

function cdc(deps: AccountingDeps, ctx: RequestContext, company: CompanyState): ApiResult {
  const entitiesParam = ctx.query.get('entities');
  if (!entitiesParam) throw requiredParam('entities');
  const changedSinceParam = ctx.query.get('changedSince');
  if (!changedSinceParam) throw requiredParam('changedSince');
  const since = Date.parse(changedSinceParam);
  if (Number.isNaN(since)) throw invalidRequest(`Invalid changedSince: ${changedSinceParam}`);
  if (deps.clock.now() - since > CDC_WINDOW_DAYS * 86_400_000) {
    throw queryValidationError(
      `Operation cdc with changedSince date ${changedSinceParam} which is older than fixed days is not supported.`,
    );
  }
  const entities = entitiesParam.split(',').map((name) => {
    const entity = ENTITY_NAMES.find((e) => e.toLowerCase() === name.trim().toLowerCase());
    if (!entity) throw queryValidationError(`invalid context declaration: ${name.trim()}`);
    return entity;
  });
  let budget = CDC_MAX_OBJECTS;
  const responses = entities.map((entity) => {
    const changed: Record<string, unknown>[] = Object.values(company.entities[entity])
      .filter((e) => (company.changedAt[`${entity}/${e.Id}`] ?? 0) >= since)
      .sort((a, b) => Number(a.Id) - Number(b.Id));
    for (const stub of company.deleted) {
      if (stub.entity === entity && stub.at >= since) {
        changed.push({
          domain: 'QBO',
          status: 'Deleted',
          Id: stub.id,
          MetaData: { LastUpdatedTime: qboDateTime(stub.at) },
        });
      }
    }
    const page = changed.slice(0, Math.max(budget, 0));
    budget -= page.length;
    return page.length === 0 ? {} : { [entity]: page, startPosition: 1, maxResults: page.length };
  });
  return {
    status: 200,
    body: { CDCResponse: [{ QueryResponse: responses }], time: time(deps) },
  };
}

function batch(deps: AccountingDeps, ctx: RequestContext, company: CompanyState): ApiResult {
  const body = parseJson(ctx.body) as { BatchItemRequest?: unknown } | undefined;
  const items = body?.BatchItemRequest;
  if (!Array.isArray(items)) throw requiredParam('BatchItemRequest');
  if (items.length > MAX_BATCH_ITEMS) {
    throw batchTooLarge(MAX_BATCH_ITEMS);
  }
  const requestId = ctx.query.get('requestid');
  if (requestId && requestId.length > MAX_BATCH_REQUEST_ID) {
    throw invalidRequest(`requestid is longer than ${MAX_BATCH_REQUEST_ID} characters`);
  }
  const responses = items.map((raw: unknown) => {
    const item = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const bId = String(item.bId ?? '');
    try {
      if (!bId) throw requiredParam('bId');
      if (requestId && bId.length > MAX_BID_WITH_REQUEST_ID) {
        throw invalidRequest(`bId is longer than ${MAX_BID_WITH_REQUEST_ID} characters`);
      }
      if (typeof item.Query === 'string') {
        return { QueryResponse: queryResponse(item.Query, company), bId };
      }
      const entity = ENTITY_NAMES.find((name) => name in item);
      if (!entity) throw invalidRequest('Batch item carries no supported entity');
      const record = applyOperation(
        deps,
        company,
        entity,
        typeof item.operation === 'string' ? item.operation : null,
        item[entity],
      );
      return { [entity]: record, bId };
    } catch (err) {
      if (!isQboFault(err)) throw err;
      const fault = err as QboFaultError;
      return { Fault: { Error: fault.errors, type: fault.type }, bId };
    }
  });
  return { status: 200, body: { BatchItemResponse: responses, time: time(deps) } };
}
