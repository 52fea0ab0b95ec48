import type { IncomingMessage, ServerResponse } from 'node:http';
import { uuid } from './ids.ts';

/** Everything a route handler needs about one request. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly params: Readonly<Record<string, string>>;
  /** The raw request body (already read). */
  readonly body: Buffer;
}

/** A route handler; it writes the response itself. */
export type Handler = (ctx: RequestContext) => Promise<void> | void;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly keys: readonly string[];
  readonly handler: Handler;
}

/** Largest request body accepted; QBO rejects bodies far smaller than this. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * A tiny method + path router. Paths use `:name` segments (`/v3/company/:realmId/query`).
 */
export class Router {
  readonly #routes: Route[] = [];

  /**
   * Adds a route.
   *
   * @param method - HTTP method, or `*` for any
   * @param path - path template with `:name` segments
   * @param handler - the handler
   */
  on(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const source = path
      .split('/')
      .map((segment) => {
        if (segment.startsWith(':')) {
          keys.push(segment.slice(1));
          return '([^/]+)';
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.#routes.push({ method, pattern: new RegExp(`^${source}/?$`), keys, handler });
    return this;
  }

  /**
   * Finds the handler for a request.
   *
   * @param method - HTTP method
   * @param path - URL path without the query
   * @returns the handler and decoded params, `'method'` when only the method is wrong, or
   *   undefined when nothing matches
   */
  match(
    method: string,
    path: string,
  ): { handler: Handler; params: Record<string, string> } | 'method' | undefined {
    let pathMatched = false;
    for (const route of this.#routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== '*' && route.method !== method) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((key, i) => {
        params[key] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { handler: route.handler, params };
    }
    return pathMatched ? 'method' : undefined;
  }
}

/**
 * Reads the whole request body.
 *
 * @param req - the request
 */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new RangeError('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/**
 * Writes a JSON response with an `intuit_tid` header, as every Intuit endpoint does.
 *
 * @param res - the response
 * @param status - HTTP status
 * @param body - JSON-serialisable body
 * @param headers - extra headers
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, JSON.stringify(body), 'application/json;charset=UTF-8', headers);
}

/**
 * Writes a response with an explicit content type.
 *
 * @param res - the response
 * @param status - HTTP status
 * @param body - the body text
 * @param contentType - `Content-Type`
 * @param headers - extra headers
 */
export function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(body)),
    intuit_tid: uuid(),
    ...headers,
  });
  res.end(body);
}

/**
 * Parses a JSON body, returning undefined for an empty or malformed one.
 *
 * @param body - raw body
 */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Escapes text for HTML.
 *
 * @param text - untrusted text
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
