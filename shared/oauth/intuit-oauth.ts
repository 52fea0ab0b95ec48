import OAuthClient from 'intuit-oauth';
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

/** Per call, intuit-oauth's own retries included; well inside a 29-second API call. */
const TIMEOUT_MS = 8_000;

/**
 * {@link IntuitOAuth} on the official `intuit-oauth` client. A new client per call, so concurrent
 * refreshes in one process share no token state. Its errors are turned into typed errors here and
 * never passed on or logged as they are: they carry the request, Basic credentials included.
 */
export class IntuitOAuthClient implements IntuitOAuth {
  /**
   * @param config - the Intuit app
   * @param clock - for expiry instants
   */
  constructor(
    private readonly config: IntuitAppConfig,
    private readonly clock: Clock,
  ) {
    const base = config.oauthBaseUrl?.replace(/\/$/, '');
    if (base) {
      // intuit-oauth keeps its endpoints as process-wide statics; every client in a process shares
      // one configuration, so setting them here once is safe.
      OAuthClient.authorizeEndpoint = `${base}/connect/oauth2`;
      OAuthClient.tokenEndpoint = `${base}/oauth2/v1/tokens/bearer`;
      OAuthClient.revokeEndpoint = `${base}/v2/oauth2/tokens/revoke`;
    }
  }

  private client(): OAuthClient {
    return new OAuthClient({
      clientId: this.config.clientId,
      clientSecret: this.config.clientSecret,
      redirectUri: this.config.redirectUri,
      environment: this.config.environment,
      logging: false,
      includeRefreshTokenHardExpiresIn: true,
    });
  }

  authorizeUrl(state: string): string {
    return this.client().authorizeUri({ scope: [ACCOUNTING_SCOPE], state });
  }

  async exchangeCode(callbackUrl: string): Promise<GrantedTokens> {
    const client = this.client();
    const response = await call(() => client.createToken(callbackUrl));
    const realmId = client.getToken().realmId;
    if (!realmId)
      throw new IntuitOAuthError('invalid_request', 'Intuit sent no company (realmId).');
    return { ...this.tokenSet(response.getJson()), realmId };
  }

  async refresh(refreshToken: string): Promise<TokenSet> {
    const response = await call(() => this.client().refreshUsingToken(refreshToken));
    return this.tokenSet(response.getJson());
  }

  async revoke(refreshToken: string): Promise<void> {
    await call(() => this.client().revoke({ refresh_token: refreshToken }));
  }

  private tokenSet(json: Record<string, unknown>): TokenSet {
    const now = this.clock.now();
    const seconds = (key: string) => {
      const value = Number(json[key]);
      return Number.isFinite(value) && value > 0 ? value * 1000 : undefined;
    };
    const access = json.access_token;
    const refresh = json.refresh_token;
    if (typeof access !== 'string' || typeof refresh !== 'string') {
      throw new IntuitOAuthError('invalid_response', 'Intuit sent no tokens.');
    }
    const hard = seconds('x_refresh_token_hard_expires_in');
    return {
      accessToken: access,
      refreshToken: refresh,
      accessTokenExpiresAt: now + (seconds('expires_in') ?? 3600_000),
      refreshTokenExpiresAt: now + (seconds('x_refresh_token_expires_in') ?? 8_726_400_000),
      refreshTokenHardExpiresAt: hard === undefined ? null : now + hard,
    };
  }
}

interface IntuitClientError {
  error?: string;
  authResponse?: { status?: () => number } | '';
  originalMessage?: string;
  message?: string;
}

/** What a failure with no HTTP answer says when the network, not our code, failed. */
const NETWORK_FAILURE =
  /ECONN|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE|socket hang up|timeout|Network Error/i;

/** Intuit's documented OAuth error codes, with messages we can show (never Intuit's own text). */
const OAUTH_ERRORS: Record<string, string> = {
  invalid_client: 'Intuit does not recognise this app (check the client id and secret).',
  invalid_request: 'Intuit refused the request as malformed.',
  unauthorized_client: 'This app is not allowed to use this grant type at Intuit.',
  unsupported_grant_type: 'Intuit does not support this grant type.',
};

/** Runs one intuit-oauth call with a time limit and maps its failure to a typed error. */
async function call<T>(fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new IntuitUnavailableError(`no answer within ${TIMEOUT_MS / 1000} s`)),
      TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([fn(), timeout]);
  } catch (err) {
    throw classify(err);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Maps an intuit-oauth failure to a typed error. Only Intuit's error code is kept, never its
 * description or body (they would reach admins and logs unfiltered): `invalid_grant` means the
 * grant is dead; 5xx, 429, 408 and network failures mean Intuit is unavailable; anything else is a
 * refusal with a fixed message.
 */
function classify(err: unknown): Error {
  if (err instanceof IntuitUnavailableError) return err;
  const e = (err ?? {}) as IntuitClientError;
  // With no HTTP answer (refused, reset) intuit-oauth still attaches an empty AuthResponse.
  const status =
    Number(
      e.authResponse && typeof e.authResponse.status === 'function' ? e.authResponse.status() : 0,
    ) || 0;
  const code = /^[a-z_]{1,40}$/.test(e.error ?? '') ? (e.error as string) : '';
  if (code === 'invalid_grant') {
    return new ReconnectRequiredError(
      'Intuit answered invalid_grant: the authorization is no longer valid',
    );
  }
  if (status >= 500 || status === 429 || status === 408) {
    return new IntuitUnavailableError(`HTTP ${status}`);
  }
  if (status === 0 && NETWORK_FAILURE.test(`${e.originalMessage ?? ''} ${e.message ?? ''}`)) {
    return new IntuitUnavailableError('network error');
  }
  return new IntuitOAuthError(
    code || 'error',
    OAUTH_ERRORS[code] ?? `Intuit refused the request${status ? ` (HTTP ${status})` : ''}.`,
  );
}
