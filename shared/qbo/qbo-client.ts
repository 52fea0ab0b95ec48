import type { AccessGrant } from '#shared/oauth/token-vault.ts';
import { logger } from '#shared/observability/logger.ts';
import { publishCounts } from '#shared/observability/metrics.ts';
import { traced } from '#shared/observability/tracer.ts';
import { classifyNetworkFailure, classifyResponse, parseFaults, QboError } from './faults.ts';

/** Where a {@link QboClient} gets its access token. */
export interface TokenSource {
  /**
   * A valid access token; given the version of one QBO just refused, a refreshed one.
   *
   * @param rejectedVersion - version of a token QBO answered 401 to
   */
  getAccessToken(rejectedVersion?: number): Promise<AccessGrant>;
}

/** Options of a {@link QboClient}. */
export interface QboClientOptions {
  /** `https://quickbooks.api.intuit.com` (or sandbox, or the emulator); no trailing slash. */
  readonly baseUrl: string;
  readonly tokens: TokenSource;
  /**
   * Keeps the company under QBO's limits: a slot before every request, given back when it ends,
   * and a 60-second pause for the company after a 429.
   */
  readonly limiter?: {
    /**
     * Waits for a slot (a batch request's also counts against the batch quota), at most
     * `maxWaitMs` if given; resolves to the function that gives it back.
     */
    acquire(
      realmId: string,
      kind: 'request' | 'batch',
      maxWaitMs?: number,
    ): Promise<() => Promise<void>>;
    throttle(realmId: string, seconds: number): Promise<void>;
    /** Whether a request of this kind would get a slot now (nothing taken). */
    hasRoom?(realmId: string, kind: 'request' | 'batch'): Promise<boolean>;
  };
  /** @default 30000 */
  readonly timeoutMs?: number;
}

/** One request to the Accounting API of the token's company. */
export interface QboRequest {
  readonly method: 'GET' | 'POST';
  /** Path under `/v3/company/{realmId}/`, e.g. `invoice` or `query`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** A plain-text body (`application/text`), for a long query sent by POST. */
  readonly text?: string;
  /** Longest to wait for a slot of the company's limits; past it the request fails `throttled`. */
  readonly slotWaitMs?: number;
}

/** The entity a request is about (`invoice`, `query`), never its ids or query text. */
function entityOf(request: QboRequest): string {
  return request.path.split('/')[0] ?? request.path;
}

/**
 * How long a client reuses an access grant. The vault hands out tokens valid for at least five
 * more minutes, so one reused for a minute is still valid; a refresh elsewhere meanwhile leaves
 * the old access token valid until it expires.
 */
const GRANT_REUSE_MS = 60_000;

/** The minor version every request asks for (Intuit serves lower ones as 75). */
export const MINOR_VERSION = '75';

/**
 * A small client of the QBO Accounting API v3 (Intuit ships no Node data SDK; raw REST is what it
 * recommends). It adds the bearer token and `minorversion`, refreshes once after a 401, and turns
 * every failure into a classified {@link QboError}.
 */
export class QboClient {
  /**
   * The grant the last request used and when it was got: a client serves one invocation (one
   * push, one change), whose requests share it for up to {@link GRANT_REUSE_MS} instead of
   * reading the token row each; a 401 drops it.
   */
  private grant: { readonly value: AccessGrant; readonly at: number } | undefined;

  /** @param options - see {@link QboClientOptions} */
  constructor(private readonly options: QboClientOptions) {}

  /**
   * Sends a request; on 401 refreshes the token once and sends it again.
   *
   * @param request - method, path, query and body
   * @returns the parsed JSON body
   * @throws QboError
   */
  async send<T>(request: QboRequest): Promise<T> {
    let grant = await this.accessGrant();
    try {
      return await this.attempt<T>(grant, request);
    } catch (err) {
      if (!(err instanceof QboError) || err.failure !== 'auth') throw err;
      grant = await this.accessGrant(grant.version);
      return this.attempt<T>(grant, request);
    }
  }

  /**
   * Whether the company's limits have room for a request of this kind now (nothing is taken): a
   * batch is prepared only when it can go out.
   *
   * @param kind - a batch also needs room in the minute's batches
   */
  async hasRoom(kind: 'request' | 'batch'): Promise<boolean> {
    const grant = await this.accessGrant();
    return (await this.options.limiter?.hasRoom?.(grant.realmId, kind)) ?? true;
  }

  private async accessGrant(rejectedVersion?: number): Promise<AccessGrant> {
    const kept = this.grant;
    if (rejectedVersion === undefined && kept && performance.now() - kept.at < GRANT_REUSE_MS) {
      return kept.value;
    }
    const value = await this.options.tokens.getAccessToken(rejectedVersion);
    this.grant = { value, at: performance.now() };
    return value;
  }

  private async attempt<T>(grant: AccessGrant, request: QboRequest): Promise<T> {
    const kind = request.path === 'batch' ? 'batch' : 'request';
    const release = await this.options.limiter?.acquire(grant.realmId, kind, request.slotWaitMs);
    try {
      // One X-Ray subsegment per QBO call (the entity, not ids, in its name).
      const name = `QBO ${request.method} ${entityOf(request)}`;
      return await traced(name, { realmId: grant.realmId }, () => this.exchange<T>(grant, request));
    } catch (err) {
      if (err instanceof QboError && err.failure === 'throttled') {
        publishCounts({ QboThrottled: 1 }, { realmId: grant.realmId });
        // QBO says: wait 60 seconds before retrying (this company only).
        await this.options.limiter?.throttle(grant.realmId, 60);
      }
      throw err;
    } finally {
      await release?.();
    }
  }

  private async exchange<T>(grant: AccessGrant, request: QboRequest): Promise<T> {
    publishCounts({ QboRequests: 1 }, { realmId: grant.realmId });
    const url = new URL(`${this.options.baseUrl}/v3/company/${grant.realmId}/${request.path}`);
    for (const [k, v] of Object.entries({ ...request.query, minorversion: MINOR_VERSION })) {
      url.searchParams.set(k, v);
    }
    const isWrite = request.method === 'POST' && request.path !== 'query';
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: {
          authorization: `Bearer ${grant.accessToken}`,
          accept: 'application/json',
          ...(request.text !== undefined
            ? { 'content-type': 'application/text' }
            : request.body === undefined
              ? {}
              : { 'content-type': 'application/json' }),
        },
        body:
          request.text ?? (request.body === undefined ? undefined : JSON.stringify(request.body)),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
      text = await response.text();
    } catch (err) {
      throw classifyNetworkFailure(isWrite, err);
    }
    const intuitTid = response.headers.get('intuit_tid') ?? undefined;
    // Intuit support traces a call by its intuit_tid: every write and every failure logs it.
    const level = !response.ok ? 'warn' : isWrite ? 'info' : 'debug';
    logger[level]('QuickBooks answered', {
      call: `${request.method} ${entityOf(request)}`,
      status: response.status,
      realmId: grant.realmId,
      intuit_tid: intuitTid,
    });
    if (!response.ok) {
      throw classifyResponse(response.status, parseFaults(text), isWrite, intuitTid);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw classifyResponse(502, [], isWrite, intuitTid);
    }
  }

  /**
   * The company's name, country and other CompanyInfo fields.
   *
   * @param realmId - the company (its CompanyInfo Id is the realm id)
   */
  async companyInfo(realmId: string): Promise<{ CompanyName: string; Country?: string }> {
    const out = await this.send<{ CompanyInfo: { CompanyName: string; Country?: string } }>({
      method: 'GET',
      path: `companyinfo/${realmId}`,
    });
    return out.CompanyInfo;
  }
}
