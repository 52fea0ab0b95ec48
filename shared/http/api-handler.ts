import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { type $ZodType, config, globalConfig, safeParse } from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';
import { type RouteAccess, routes } from '#shared/api/routes.ts';
import { runtimeEnv } from '#shared/config/runtime-env.ts';
import { AppError, type ErrorKind, toError, ValidationError } from '#shared/errors.ts';
import { beginRequest } from '#shared/observability/correlation.ts';
import { logger } from '#shared/observability/logger.ts';
import { cameThroughEdge } from './edge-origin.ts';
import { scopesFor, scopesOf } from './scopes.ts';
import { tenantFromClaims } from './tenant.ts';

/** The API Gateway (HTTP API, payload 2.0) event every route receives. */
export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

/** What a route's function returns: a status and a JSON-serialisable body. */
export interface ApiResult {
  readonly statusCode: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** The request as a route's function sees it: validated body, path and query. */
export interface ApiRequest<B> {
  readonly body: B;
  readonly pathParameters: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** The query string as sent, without `?`. */
  readonly rawQueryString: string;
  readonly requestId: string;
  /** Lower-cased request headers. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/** A request whose body is handed over exactly as received (for signature checks). */
export interface RawRequest extends Omit<ApiRequest<undefined>, 'body'> {
  readonly rawBody: Buffer;
}

/** A request on a JWT route: also carries the tenant, taken only from the verified claims. */
export interface TenantRequest<B> extends ApiRequest<B> {
  readonly tenantId: string;
  /** Who is calling (the token's `sub`), for records of who did what. */
  readonly subject: string;
}

/** The Lambda handler a route exports. */
export type ApiHandler = (
  event: ApiEvent,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  gone: 410,
  unavailable: 503,
};

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

function json(statusCode: number, body: unknown, headers?: Record<string, string>) {
  return {
    statusCode,
    headers: { ...JSON_HEADERS, ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
  } satisfies APIGatewayProxyStructuredResultV2;
}

/** Is this one of middy's own HTTP errors (it carries `statusCode` and `expose`)? */
function isMiddyHttpError(err: Error): err is Error & { statusCode: number } {
  return 'statusCode' in err && 'expose' in err;
}

/**
 * The one place where errors become HTTP responses. Known errors keep their code and message;
 * anything else is logged with its stack and answered with a generic 500, never the stack itself.
 */
export function errorResponse(value: unknown): APIGatewayProxyStructuredResultV2 {
  const err = toError(value);
  if (err instanceof ValidationError) {
    return json(400, { code: err.code, message: err.message, issues: err.issues });
  }
  if (err instanceof AppError) {
    return json(STATUS_BY_KIND[err.kind], { code: err.code, message: err.message });
  }
  if (isMiddyHttpError(err) && err.statusCode < 500) {
    // @middy/http-json-body-parser answers a malformed body with 415; to a caller it is a bad request.
    return json(400, { code: 'invalid_json', message: 'The request body is not valid JSON.' });
  }
  logger.error('Unhandled error', { error: err });
  return json(500, { code: 'internal_error', message: 'Something went wrong on our side.' });
}

function parseBody<B>(schema: $ZodType<B> | undefined, body: unknown): B {
  if (!schema) return undefined as B;
  // No body at all reads as `{}`; a JSON `null` is a body, and not an object.
  return parseWith(schema, body === undefined ? {} : body, '(body)');
}

/**
 * Validates a value with a zod schema, or throws a {@link ValidationError} listing every problem
 * by path.
 *
 * @param schema - the schema
 * @param value - the input
 * @param root - the path to name for problems of the whole input, e.g. `(query)`
 */
export function parseWith<T>(schema: $ZodType<T>, value: unknown, root: string): T {
  // A `zod/mini` schema (a route that stays off the full zod) says what is wrong in English too:
  // full zod sets this locale when its first schema is made, mini sets none.
  if (!globalConfig.localeError) config(en());
  const result = safeParse(schema, value);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || root,
      message: issue.message,
    })),
  );
}

function toRequest<B>(event: ApiEvent, schema: $ZodType<B> | undefined): ApiRequest<B> {
  return {
    body: parseBody(schema, event.body),
    pathParameters: event.pathParameters ?? {},
    query: event.queryStringParameters ?? {},
    rawQueryString: event.rawQueryString ?? '',
    headers: event.headers ?? {},
    requestId: event.requestContext.requestId,
  };
}

const jsonBodyParser = httpJsonBodyParser({ disableContentTypeError: true });

/**
 * The largest JSON body a route accepts, in bytes. API Gateway lets 10 MB through and Lambda
 * 6 MB, but whatever a route accepts must fit in one DynamoDB item (400 KB: an invoice's
 * snapshot is stored whole), so anything larger is refused before it is parsed.
 */
export const MAX_JSON_BODY_BYTES = 256 * 1024;

/** Refuses a body over {@link MAX_JSON_BODY_BYTES} with 413 `payload_too_large`. */
const bodyWithinLimit: middy.MiddlewareObj<ApiEvent, APIGatewayProxyStructuredResultV2> = {
  before: async ({ event }) => {
    const bytes = Buffer.byteLength(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    if (bytes > MAX_JSON_BODY_BYTES) {
      throw new AppError(
        'too_large',
        'payload_too_large',
        `The request body is ${bytes} bytes; the limit is ${MAX_JSON_BODY_BYTES}.`,
      );
    }
  },
};

/** `application/json`, with or without parameters, or a `+json` type. */
const JSON_CONTENT_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/**
 * Parses a JSON body only when there is one: a bodiless GET or DELETE that happens to send
 * `content-type: application/json` is not a malformed request. Routes that need a body say so in
 * their schema. A body must say it is JSON: a browser sends a cross-site form or `text/plain` body
 * without asking first (no CORS preflight), and such a body is refused with 415 before it is read.
 */
const jsonBodyWhenPresent: middy.MiddlewareObj<ApiEvent, APIGatewayProxyStructuredResultV2> = {
  before: async (request) => {
    if (!request.event.body) return;
    if (!JSON_CONTENT_TYPE.test(request.event.headers?.['content-type'] ?? '')) {
      throw new AppError(
        'unsupported_media_type',
        'unsupported_media_type',
        'Send the body as application/json.',
      );
    }
    await jsonBodyParser.before?.(request);
  },
};

/**
 * Refuses a public route's request that did not come through the edge, before anything else runs:
 * whatever reaches the API's own endpoint has gone around the per-client limits.
 */
const onlyThroughEdge: middy.MiddlewareObj<ApiEvent, APIGatewayProxyStructuredResultV2> = {
  before: async ({ event }) => {
    if (!cameThroughEdge(event.headers ?? {}, runtimeEnv().edgeOriginSecret)) {
      throw new AppError(
        'forbidden',
        'not_through_edge',
        "Call this route at the API's public URL, not at its execute-api endpoint.",
      );
    }
  },
};

/** How {@link wrap} treats a route. */
interface RouteKind {
  /** Public: only what came through the edge. */
  readonly public?: boolean;
  /** The body exactly as sent: no parser may touch it before the signature check. */
  readonly raw?: boolean;
}

function wrap(run: (event: ApiEvent) => Promise<ApiResult>, kind: RouteKind = {}): ApiHandler {
  let chain = middy<ApiEvent, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({ before: async (request) => beginRequest(request.event.requestContext.requestId) })
    .use({
      onError: async (request) => {
        request.response = errorResponse(request.error);
      },
    });
  if (kind.public) chain = chain.use(onlyThroughEdge);
  if (!kind.raw) chain = chain.use(bodyWithinLimit).use(jsonBodyWhenPresent);
  return chain.handler(async (event) => {
    const result = await run(event);
    return json(result.statusCode, result.body, result.headers);
  });
}

/** Each JWT route's access, by API Gateway route key (`POST /invoices/{invoiceId}/push`). */
const ACCESS_BY_ROUTE = new Map<string, RouteAccess>(
  routes.flatMap((r) => (r.auth === 'jwt' ? [[`${r.method} ${r.path}`, r.access] as const] : [])),
);

/**
 * The scope check of the JWT authorizer, again in code: the route (found by its key in
 * `shared/api/routes.ts`, so handler and table cannot disagree) needs one of its scopes. An unknown
 * route key opens nothing.
 */
function requireScope(event: ApiEvent): void {
  const access = ACCESS_BY_ROUTE.get(event.routeKey);
  const held = scopesOf(event.requestContext.authorizer?.jwt?.claims);
  if (!access || !scopesFor(access).some((scope) => held.has(scope))) {
    throw new AppError(
      'forbidden',
      'insufficient_scope',
      access === 'push'
        ? 'This needs the QuickBooks push or admin role.'
        : 'This needs the QuickBooks admin role.',
    );
  }
}

/**
 * A route behind the JWT authorizer. The tenant comes only from the verified claims; a token
 * without the tenant claim is refused with 401, and one without the route's scope (see
 * `shared/api/routes.ts`) with 403 `insufficient_scope`, before `fn` runs.
 *
 * @param spec - `body`: the zod schema of the JSON body, when the route takes one
 * @param fn - the route's function: call one use case and map its result
 */
export function tenantRoute<B = undefined>(
  spec: { readonly body?: $ZodType<B> },
  fn: (request: TenantRequest<B>) => Promise<ApiResult>,
): ApiHandler {
  return wrap(async (event) => {
    const claims = event.requestContext.authorizer?.jwt?.claims;
    const tenantId = tenantFromClaims(claims);
    logger.appendKeys({ tenantId });
    requireScope(event);
    const subject = typeof claims?.sub === 'string' ? claims.sub : '';
    return fn({ ...toRequest(event, spec.body), tenantId, subject });
  });
}

/**
 * A route with no authorizer. It must authenticate by its own means (signed state, HMAC) or serve
 * nothing private.
 *
 * @param spec - `body`: the zod schema of the JSON body, when the route takes one
 * @param fn - the route's function
 */
export function publicRoute<B = undefined>(
  spec: { readonly body?: $ZodType<B> },
  fn: (request: ApiRequest<B>) => Promise<ApiResult>,
): ApiHandler {
  return wrap(async (event) => fn(toRequest(event, spec.body)), { public: true });
}

/**
 * A public route that needs the body's exact bytes (an HMAC over the raw body): no JSON parser
 * runs; the function gets the body as a Buffer (base64-decoded when API Gateway encoded it).
 *
 * @param fn - the route's function
 */
export function rawPublicRoute(fn: (request: RawRequest) => Promise<ApiResult>): ApiHandler {
  return wrap(
    async (event) => {
      const body = event.body ?? '';
      const rawBody = Buffer.from(body, event.isBase64Encoded ? 'base64' : 'utf8');
      const { body: _parsed, ...rest } = toRequest(event, undefined);
      return fn({ ...rest, rawBody });
    },
    { public: true, raw: true },
  );
}
