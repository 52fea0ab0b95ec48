import * as oauth from 'oauth4webapi';
import type { Clock } from '#shared/ports/clock.ts';
import { IntuitOAuthError, IntuitUnavailableError, ReconnectRequiredError } from './errors.ts';
import type { TokenSet } from './tokens.ts';

/** The QuickBooks Online accounting scope: all this integration needs. */
export const ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting';

/** Configuration of the Intuit app. */
export interface IntuitAppConfig {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly environment: 'sandbox' | 'production';
  /**
   * Base URL that replaces Intuit's OAuth hosts while keeping Intuit's paths (the emulator, tests);
   * omitted: Intuit's own hosts.
   */
  readonly oauthBaseUrl?: string;
}

/** Tokens from a code exchange, with the company they are for. */
export interface GrantedTokens extends TokenSet {
  readonly realmId: string;
}

/** Intuit's OAuth 2.0 service, as the stack uses it. */
export interface IntuitOAuth {
  /** The consent URL to send the admin's browser to. */
  authorizeUrl(state: string): string;
  /** Exchanges the code in a callback URL for tokens. */
  exchangeCode(callbackUrl: string): Promise<GrantedTokens>;
  /** Exchanges a refresh token for a new token pair. */
  refresh(refreshToken: string): Promise<TokenSet>;
  /** Revokes a grant (the refresh token revokes the whole grant). */
  revoke(refreshToken: string): Promise<void>;
}

/** The request header that makes Intuit's token endpoint return the 5-year hard expiry. */
const HARD_EXPIRY_HEADER = 'x-include-refresh-token-hard-expires-in';

/** Per call; well inside a 29-second API call. */
const TIMEOUT_MS = 8_000;

/**
 * Intuit's OAuth endpoints (the same for sandbox and production companies), as published in its
 * discovery document and used by Intuit's own `intuit-oauth` client.
 */
const INTUIT_ENDPOINTS = {
  authorize: 'https://appcenter.intuit.com/connect/oauth2',
  token: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
  revoke: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke',
};

/**
 * {@link IntuitOAuth} on `oauth4webapi`, a dependency-free, certified OAuth 2.0 client on `fetch`.
 * Intuit's own `intuit-oauth` does the same three requests but brings axios, winston and
 * jsonwebtoken: about 400 KB of every token-using bundle, against 14 KB here (see the README's
 * benchmarks). The test suite still drives the emulator with `intuit-oauth` to keep the two
 * wire-compatible. Failures become typed errors here and are never passed on or logged as they
 * are: they can carry the request, Basic credentials included. There are no retries inside: a
 * refused refresh leaves the push to the queue's backoff, and a code can be exchanged only once.
 */
export class IntuitOAuthClient implements IntuitOAuth {
  private readonly server: oauth.AuthorizationServer;
  private readonly client: oauth.Client;
  private readonly auth: oauth.ClientAuth;
  private readonly basic: string;
  private readonly revokeEndpoint: string;
  private readonly authorizeEndpoint: string;
  private readonly allowHttp: boolean;

  /**
   * @param config - the Intuit app
   * @param clock - for expiry instants
   */
  constructor(
    private readonly config: IntuitAppConfig,
    private readonly clock: Clock,
  ) {
    const base = config.oauthBaseUrl?.replace(/\/$/, '');
    this.authorizeEndpoint = base ? `${base}/connect/oauth2` : INTUIT_ENDPOINTS.authorize;
    this.server = {
      issuer: 'https://oauth.platform.intuit.com/op/v1',
      token_endpoint: base ? `${base}/oauth2/v1/tokens/bearer` : INTUIT_ENDPOINTS.token,
    };
    this.revokeEndpoint = base ? `${base}/v2/oauth2/tokens/revoke` : INTUIT_ENDPOINTS.revoke;
    this.client = { client_id: config.clientId };
    // Basic credentials exactly as Intuit's own client sends them: oauth4webapi's ClientSecretBasic
    // form-encodes both parts first (RFC 6749 §2.3.1), which Intuit's documentation never shows.
    this.basic = `Basic ${Buffer.from(`${config.clientId}:${config.clientSecret}`).toString('base64')}`;
    this.auth = (_server, _client, _body, headers) => {
      headers.set('authorization', this.basic);
    };
    // Only a local emulator is reached over plain HTTP; Intuit's hosts are HTTPS.
    this.allowHttp = base?.startsWith('http://') ?? false;
  }

  authorizeUrl(state: string): string {
    const url = new URL(this.authorizeEndpoint);
    url.search = new URLSearchParams({
      client_id: this.config.clientId,
      response_type: 'code',
      scope: ACCOUNTING_SCOPE,
      redirect_uri: this.config.redirectUri,
      state,
    }).toString();
    return url.href;
  }

  async exchangeCode(callbackUrl: string): Promise<GrantedTokens> {
    const url = new URL(callbackUrl);
    const realmId = url.searchParams.get('realmId');
    const json = await call(async () => {
      // The state was verified and consumed by the caller (signed, single use).
      const params = oauth.validateAuthResponse(
        this.server,
        this.client,
        url,
        oauth.skipStateCheck,
      );
      const response = await oauth.authorizationCodeGrantRequest(
        this.server,
        this.client,
        this.auth,
        params,
        this.config.redirectUri,
        oauth.nopkce,
        this.options(),
      );
      return oauth.processAuthorizationCodeResponse(this.server, this.client, response);
    });
    if (!realmId)
      throw new IntuitOAuthError('invalid_request', 'Intuit sent no company (realmId).');
    return { ...this.tokenSet(json), realmId };
  }

  async refresh(refreshToken: string): Promise<TokenSet> {
    const json = await call(async () => {
      const response = await oauth.refreshTokenGrantRequest(
        this.server,
        this.client,
        this.auth,
        refreshToken,
        this.options(),
      );
      return oauth.processRefreshTokenResponse(this.server, this.client, response);
    });
    return this.tokenSet(json);
  }

  /**
   * Revokes the grant with the body Intuit's own clients send: JSON `{"token": …}` with Basic
   * credentials (intuit-oauth `OAuthClient.revoke`, the .NET SDK's `TokenRevocationClient`), not
   * RFC 7009's form body, which Intuit does not document.
   */
  async revoke(refreshToken: string): Promise<void> {
    await call(async () => {
      const response = await fetch(this.revokeEndpoint, {
        method: 'POST',
        headers: {
          authorization: this.basic,
          accept: 'application/json',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ token: refreshToken }),
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await oauth.processRevocationResponse(response);
    });
  }

  /**
   * Options of every token-endpoint request. `x-include-refresh-token-hard-expires-in` asks Intuit
   * for `x_refresh_token_hard_expires_in`, the refresh token's 5-year cap, which it sends only
   * when asked (intuit-oauth 4.2.5 `includeRefreshTokenHardExpiresIn`; Intuit blog 2025-11-12).
   */
  private options(): oauth.TokenEndpointRequestOptions {
    return {
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: { [HARD_EXPIRY_HEADER]: 'true' },
      ...(this.allowHttp ? { [oauth.allowInsecureRequests]: true } : {}),
    };
  }

  private tokenSet(json: oauth.TokenEndpointResponse): TokenSet {
    const now = this.clock.now();
    const seconds = (value: unknown) => {
      const n = Number(value);
      return Number.isFinite(n) && n > 0 ? n * 1000 : undefined;
    };
    if (typeof json.refresh_token !== 'string') {
      throw new IntuitOAuthError('invalid_response', 'Intuit sent no refresh token.');
    }
    const hard = seconds(json.x_refresh_token_hard_expires_in);
    return {
      accessToken: json.access_token,
      refreshToken: json.refresh_token,
      accessTokenExpiresAt: now + (seconds(json.expires_in) ?? 3600_000),
      refreshTokenExpiresAt: now + (seconds(json.x_refresh_token_expires_in) ?? 8_726_400_000),
      refreshTokenHardExpiresAt: hard === undefined ? null : now + hard,
    };
  }
}

/** Intuit's documented OAuth error codes, with messages we can show (never Intuit's own text). */
const OAUTH_ERRORS: Record<string, string> = {
  invalid_client: 'Intuit does not recognise this app (check the client id and secret).',
  invalid_request: 'Intuit refused the request as malformed.',
  unauthorized_client: 'This app is not allowed to use this grant type at Intuit.',
  unsupported_grant_type: 'Intuit does not support this grant type.',
  access_denied: 'The QuickBooks admin did not allow the connection.',
};

/** Runs one OAuth exchange and maps its failure to a typed error. */
async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw classify(err);
  }
}

/**
 * Maps an oauth4webapi or fetch failure to a typed error. Only Intuit's error code is kept, never
 * its description or body (they would reach admins and logs unfiltered): `invalid_grant` means the
 * grant is dead; 5xx, 429, 408, a timeout and network failures mean Intuit is unavailable; anything
 * else is a refusal with a fixed message.
 */
function classify(err: unknown): Error {
  const code =
    err instanceof oauth.ResponseBodyError || err instanceof oauth.AuthorizationResponseError
      ? err.error
      : '';
  if (code === 'invalid_grant') {
    return new ReconnectRequiredError(
      'QuickBooks no longer accepts this connection (it was disconnected in QuickBooks, or expired)',
    );
  }
  const status = httpStatus(err);
  if (status >= 500 || status === 429 || status === 408) {
    return new IntuitUnavailableError(`HTTP ${status}`);
  }
  if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return new IntuitUnavailableError(`no answer within ${TIMEOUT_MS / 1000} s`);
  }
  // fetch rejects with a TypeError when no HTTP answer came (refused, reset, DNS).
  if (err instanceof TypeError && status === 0) return new IntuitUnavailableError('network error');
  const known = /^[a-z_]{1,40}$/.test(code) ? code : '';
  return new IntuitOAuthError(
    known || 'error',
    OAUTH_ERRORS[known] ?? `Intuit refused the request${status ? ` (HTTP ${status})` : ''}.`,
  );
}

/** The HTTP status of a failed exchange, 0 when there was no answer. */
function httpStatus(err: unknown): number {
  if (err instanceof oauth.ResponseBodyError || err instanceof oauth.WWWAuthenticateChallengeError)
    return err.status;
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause instanceof Response ? cause.status : 0;
}
