import OAuthClient from 'intuit-oauth';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '#emulator/server.ts';

/** The redirect URI tests register; nothing listens there, the tests read the Location header. */
export const REDIRECT_URI = 'http://127.0.0.1:9/callback';
export const ACCOUNTING = 'com.intuit.quickbooks.accounting';

/** A started emulator plus small helpers bound to it. */
export interface Harness {
  readonly emulator: RunningEmulator;
  readonly url: string;
  admin<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  adminRaw(method: string, path: string, body?: unknown): Promise<Response>;
  newCompany(name?: string): Promise<string>;
  authorizeUrl(realmId: string, extra?: Record<string, string>): string;
  /** Runs consent + code exchange with plain fetch; returns the token response. */
  connect(realmId: string): Promise<TokenJson>;
  /** A connected company: realm id and a live access token. */
  connectedCompany(name?: string): Promise<{ realmId: string; token: TokenJson }>;
  api(
    realmId: string,
    accessToken: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Response>;
  apiJson<T = Record<string, unknown>>(
    realmId: string,
    accessToken: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: T }>;
  tokenRequest(form: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/** The token endpoint's JSON. */
export interface TokenJson {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  x_refresh_token_expires_in: number;
  x_refresh_token_hard_expires_in?: number;
  token_type: string;
}

/**
 * Starts an emulator on a free loopback port with helpers for the admin API, OAuth and the
 * Accounting API.
 *
 * @param options - emulator options
 */
export async function startHarness(options: EmulatorOptions = {}): Promise<Harness> {
  const emulator = await startEmulator({ port: 0, ...options });
  const url = emulator.url;
  const basic = Buffer.from(`${emulator.clientId}:${emulator.clientSecret}`).toString('base64');

  const adminRaw = (method: string, path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await adminRaw(method, path, body);
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`admin ${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const authorizeUrl = (realmId: string, extra: Record<string, string> = {}) => {
    const params = new URLSearchParams({
      client_id: emulator.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: ACCOUNTING,
      state: 'state-123',
      auto_approve: realmId,
      ...extra,
    });
    return `${url}/connect/oauth2?${params}`;
  };
  const tokenRequest = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${url}/oauth2/v1/tokens/bearer`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        ...headers,
      },
      body: new URLSearchParams(form).toString(),
    });
  const connect = async (realmId: string): Promise<TokenJson> => {
    const res = await fetch(authorizeUrl(realmId), { redirect: 'manual' });
    const location = new URL(res.headers.get('location') ?? '');
    const code = location.searchParams.get('code') ?? '';
    const tokenRes = await tokenRequest({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
    });
    if (tokenRes.status !== 200) throw new Error(`token exchange failed: ${tokenRes.status}`);
    return (await tokenRes.json()) as TokenJson;
  };
  const newCompany = async (name = `Company ${Math.random().toString(36).slice(2, 8)}`) =>
    (await admin<{ realmId: string }>('POST', '/_admin/companies', { name })).realmId;
  const api = (
    realmId: string,
    accessToken: string,
    method: string,
    path: string,
    body?: unknown,
  ) =>
    fetch(`${url}/v3/company/${realmId}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${accessToken}`,
        accept: 'application/json',
        'content-type': 'application/json',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return {
    emulator,
    url,
    admin,
    adminRaw,
    newCompany,
    authorizeUrl,
    connect,
    connectedCompany: async (name?: string) => {
      const realmId = await newCompany(name);
      return { realmId, token: await connect(realmId) };
    },
    api,
    apiJson: async <T>(
      realmId: string,
      accessToken: string,
      method: string,
      path: string,
      body?: unknown,
    ) => {
      const res = await api(realmId, accessToken, method, path, body);
      return { status: res.status, json: (await res.json()) as T };
    },
    tokenRequest,
    close: () => emulator.close(),
  };
}

interface OAuthStatics {
  authorizeEndpoint: string;
  tokenEndpoint: string;
  revokeEndpoint: string;
  userinfo_endpoint_sandbox: string;
  userinfo_endpoint_production: string;
  environment: { sandbox: string; production: string };
  retryConfig: { maxRetries: number; retryDelay: number };
}

/**
 * Points intuit-oauth's process-wide endpoint statics at the emulator and lowers its retry
 * backoff; returns a function that restores everything.
 *
 * @param baseUrl - the emulator base URL
 */
export function pointIntuitOAuthAt(baseUrl: string): () => void {
  const statics = OAuthClient as unknown as OAuthStatics;
  const saved = {
    authorizeEndpoint: statics.authorizeEndpoint,
    tokenEndpoint: statics.tokenEndpoint,
    revokeEndpoint: statics.revokeEndpoint,
    userinfoSandbox: statics.userinfo_endpoint_sandbox,
    userinfoProduction: statics.userinfo_endpoint_production,
    sandbox: statics.environment.sandbox,
    retry: { ...statics.retryConfig },
  };
  statics.authorizeEndpoint = `${baseUrl}/connect/oauth2`;
  statics.tokenEndpoint = `${baseUrl}/oauth2/v1/tokens/bearer`;
  statics.revokeEndpoint = `${baseUrl}/v2/oauth2/tokens/revoke`;
  statics.environment.sandbox = `${baseUrl}/`;
  statics.retryConfig.retryDelay = 1;
  statics.retryConfig.maxRetries = 1;
  return () => {
    statics.authorizeEndpoint = saved.authorizeEndpoint;
    statics.tokenEndpoint = saved.tokenEndpoint;
    statics.revokeEndpoint = saved.revokeEndpoint;
    statics.userinfo_endpoint_sandbox = saved.userinfoSandbox;
    statics.userinfo_endpoint_production = saved.userinfoProduction;
    statics.environment.sandbox = saved.sandbox;
    Object.assign(statics.retryConfig, saved.retry);
  };
}

/**
 * A real intuit-oauth client for the emulator's app (call {@link pointIntuitOAuthAt} first).
 *
 * @param emulator - the emulator
 * @param extra - more constructor options
 */
export function intuitClient(
  emulator: RunningEmulator,
  extra: Record<string, unknown> = {},
): OAuthClient {
  return new OAuthClient({
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    environment: 'sandbox',
    redirectUri: REDIRECT_URI,
    logging: false,
    ...extra,
  });
}

/**
 * Creates a customer, an invoice of `amount` (one Services line) and returns both.
 *
 * @param h - the harness
 * @param realmId - the realm
 * @param accessToken - a live token
 * @param amount - invoice amount
 */
export async function seedInvoice(
  h: Harness,
  realmId: string,
  accessToken: string,
  amount = 100,
): Promise<{ customerId: string; invoice: Record<string, unknown> }> {
  const name = `Customer ${Math.random().toString(36).slice(2, 10)}`;
  const customer = await h.apiJson<{ Customer: { Id: string } }>(
    realmId,
    accessToken,
    'POST',
    '/customer',
    { DisplayName: name },
  );
  const invoice = await h.apiJson<{ Invoice: Record<string, unknown> }>(
    realmId,
    accessToken,
    'POST',
    '/invoice',
    {
      CustomerRef: { value: customer.json.Customer.Id },
      Line: [
        {
          Amount: amount,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: '1' } },
        },
      ],
    },
  );
  if (invoice.status !== 200)
    throw new Error(`invoice create failed: ${JSON.stringify(invoice.json)}`);
  return { customerId: customer.json.Customer.Id, invoice: invoice.json.Invoice };
}
