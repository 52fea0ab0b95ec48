/**
 * The console's client of the integration API: JSON in and out, the bearer token on every call,
 * and failures as {@link ApiError} with the API's stable `code`.
 */

import type { ConnectionView } from '#shared/domain/connection.ts';
import type { SyncError } from '#shared/domain/sync-error.ts';

/** What `GET /integrations/quickbooks` answers: the API's own type (erased from the bundle). */
export type { ConnectionView };

/** One income account of the company (`GET /integrations/quickbooks/accounts`). */
export interface IncomeAccount {
  readonly id: string;
  readonly name: string;
}

/** One tax code of the company (`GET /integrations/quickbooks/tax-codes`). */
export interface TaxCodeChoice {
  readonly id: string;
  readonly name: string;
  /** Percent, all its sales rates together. */
  readonly rate: number;
}

/** One invoice of `GET /invoices`. */
export interface InvoiceView {
  readonly invoiceId: string;
  readonly docNumber: string;
  readonly status: string;
  readonly qboInvoiceId: string | null;
  /** The number QuickBooks shows: its own when the company numbers invoices itself. */
  readonly qboDocNumber: string | null;
  readonly total: string;
  readonly balance: string | null;
  readonly currency: string;
  readonly waitingForReconnect: boolean;
  readonly lastError: { readonly code: string; readonly message: string } | null;
}

/** One error of the Sync Errors panel: the API's own type. */
export type SyncErrorView = Omit<SyncError, 'tenantId'>;

/** What `GET /sync-errors` answers. */
export interface SyncErrorsView {
  readonly reconnectRequired: boolean;
  readonly reconnectReason: string | null;
  readonly errors: readonly SyncErrorView[];
}

/** A refused call: the HTTP status and the API's stable error code and message. */
export class ApiError extends Error {
  /**
   * @param status - HTTP status
   * @param code - the API's error code (`quickbooks_not_connected`, …), or `http_<status>`
   * @param message - a message to show
   */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Calls the API with the current bearer token. */
export class ApiClient {
  /**
   * @param baseUrl - the API's URL ('' for the console's own origin)
   * @param token - the bearer token to send, read on every call
   */
  constructor(
    private readonly baseUrl: string,
    private readonly token: () => string | undefined,
  ) {}

  /**
   * Sends one request.
   *
   * @param method - HTTP method
   * @param path - path under the API, e.g. `/invoices`
   * @param body - a JSON body, if any
   * @throws ApiError when the answer is not 2xx
   */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    const token = this.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok) {
      const code = typeof json.code === 'string' ? json.code : `http_${res.status}`;
      const message =
        typeof json.message === 'string' ? json.message : `The API answered ${res.status}.`;
      throw new ApiError(res.status, code, message);
    }
    return json as T;
  }

  /** The tenant's QuickBooks connection. */
  connection(): Promise<ConnectionView> {
    return this.request('GET', '/integrations/quickbooks');
  }

  /** The company's income accounts, for the mirrored items. */
  async incomeAccounts(): Promise<readonly IncomeAccount[]> {
    return (
      await this.request<{ accounts: IncomeAccount[] }>('GET', '/integrations/quickbooks/accounts')
    ).accounts;
  }

  /** The company's tax codes, for the tax code map. */
  async taxCodes(): Promise<readonly TaxCodeChoice[]> {
    return (
      await this.request<{ taxCodes: TaxCodeChoice[] }>('GET', '/integrations/quickbooks/tax-codes')
    ).taxCodes;
  }

  /** The tenant's pushed invoices (first page). */
  async invoices(): Promise<readonly InvoiceView[]> {
    return (await this.request<{ invoices: InvoiceView[] }>('GET', '/invoices?limit=100')).invoices;
  }

  /** The open sync errors and the reconnect flag. */
  syncErrors(): Promise<SyncErrorsView> {
    return this.request('GET', '/sync-errors?state=open&limit=100');
  }
}
