import type { Clock } from './clock.ts';
import { OAuthProtocolError } from './errors.ts';
import { opaqueToken, uuid } from './ids.ts';
import type { EmulatorState, GrantState, RefreshTokenState } from './state.ts';

/** Access tokens live one hour ([jsclient] README). */
export const ACCESS_TOKEN_TTL_S = 3600;
/** Refresh tokens: 101 days (`x_refresh_token_expires_in: 8726400`). */
export const REFRESH_TOKEN_TTL_S = 8_726_400;
/** A new refresh token is issued once the current one is this old ("every 24-26 hours"). */
export const ROTATE_AFTER_S = 86_400;
/** A replaced refresh token keeps working this long ("expire 24 hours after you receive a new one"). */
export const PREVIOUS_TOKEN_GRACE_S = 86_400;
/** Authorization codes expire after 10 minutes (Intuit does not document it; RFC 6749 advises ≤ 10 min). */
export const AUTH_CODE_TTL_S = 600;
/** The 5-year hard cap on a grant's refresh tokens ([rt-blog]). */
export const HARD_EXPIRY_S = 5 * 365 * 86_400;

/** The scopes Intuit accepts (intuit-oauth 4.2.5 `OAuthClient.scopes`). */
export const KNOWN_SCOPES: ReadonlySet<string> = new Set([
  'com.intuit.quickbooks.accounting',
  'com.intuit.quickbooks.payment',
  'com.intuit.quickbooks.payroll',
  'com.intuit.quickbooks.payroll.timetracking',
  'com.intuit.quickbooks.payroll.benefits',
  'openid',
  'profile',
  'email',
  'phone',
  'address',
  'intuit_name',
  'com.intuit.quickbooks.payroll.compensation.read',
  'project-management.project',
  'app-foundations.custom-dimensions.read',
  'app-foundations.custom-field-definitions',
  'time-tracking.time-entry',
  'indirect-tax.tax-calculation.quickbooks',
]);

/** The scope the Accounting API requires. */
export const ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting';

/** The app the emulator plays the Intuit side for. */
export interface OAuthAppConfig {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Exact redirect URIs allowed; empty accepts any http://127.0.0.1 or http://localhost URL. */
  readonly redirectUris: readonly string[];
}

/** The token endpoint's success body. */
export interface TokenResponse {
  token_type: 'bearer';
  access_token: string;
  expires_in: number;
  refresh_token: string;
  x_refresh_token_expires_in: number;
  x_refresh_token_hard_expires_in?: number;
}

/** The result of checking an access token against a realm. */
export type AccessCheck =
  | { readonly ok: true; readonly grant: GrantState }
  | { readonly ok: false; readonly status: 401 | 403; readonly detail: string };

/**
 * Intuit's OAuth 2.0 server behaviour: codes, grants, token rotation, revocation.
 * The HTTP layer (oauth-routes.ts) only parses requests and renders responses.
 */
export class OAuthService {
  readonly #state: EmulatorState;
  readonly #clock: Clock;
  readonly #app: OAuthAppConfig;
  readonly #onChange: () => void;
  readonly #accessIndex = new Map<string, string>();
  readonly #refreshIndex = new Map<string, string>();

  /**
   * @param state - shared emulator state (grants and codes live there)
   * @param clock - emulator clock
   * @param app - client id, secret and allowed redirect URIs
   * @param onChange - called after every state change (persistence)
   */
  constructor(state: EmulatorState, clock: Clock, app: OAuthAppConfig, onChange: () => void) {
    this.#state = state;
    this.#clock = clock;
    this.#app = app;
    this.#onChange = onChange;
    for (const grant of Object.values(state.grants)) {
      for (const token of Object.keys(grant.accessTokens)) this.#accessIndex.set(token, grant.id);
      for (const token of Object.keys(grant.refreshTokens)) this.#refreshIndex.set(token, grant.id);
    }
  }

  /** The configured app. */
  get app(): OAuthAppConfig {
    return this.#app;
  }

  /**
   * Checks client credentials from `Authorization: Basic` or, as the discovery document
   * allows (`client_secret_post`), from the form body.
   *
   * @param authorization - the Authorization header
   * @param form - the form body
   * @throws OAuthProtocolError 401 `invalid_client`
   */
  authenticateClient(authorization: string | undefined, form?: URLSearchParams): void {
    let id: string | undefined;
    let secret: string | undefined;
    const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '');
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      if (sep >= 0) {
        id = decoded.slice(0, sep);
        secret = decoded.slice(sep + 1);
      }
    } else if (form) {
      id = form.get('client_id') ?? undefined;
      secret = form.get('client_secret') ?? undefined;
    }
    if (id !== this.#app.clientId || secret !== this.#app.clientSecret) {
      throw new OAuthProtocolError(401, 'invalid_client');
    }
  }

  /**
   * Whether a redirect URI may receive codes.
   *
   * @param uri - the redirect_uri parameter
   */
  isAllowedRedirect(uri: string): boolean {
    if (this.#app.redirectUris.length > 0) return this.#app.redirectUris.includes(uri);
    try {
      const url = new URL(uri);
      return (
        url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost')
      );
    } catch {
      return false;
    }
  }

  /**
   * Issues a single-use authorization code after consent.
   *
   * @param input - client, redirect URI, realm and scopes the user approved
   */
  issueCode(input: {
    clientId: string;
    redirectUri: string;
    realmId: string;
    scopes: string[];
  }): string {
    const code = `AB11${opaqueToken(36)}`;
    this.#state.codes[code] = { ...input, issuedAt: this.#clock.now() };
    this.#pruneCodes();
    this.#onChange();
    return code;
  }

  /**
   * The `authorization_code` grant.
   *
   * @param code - the code from the redirect
   * @param redirectUri - must equal the one the code was issued for
   * @param includeHardExpiry - the `x-include-refresh-token-hard-expires-in` header was sent
   */
  exchangeCode(
    code: string | null,
    redirectUri: string | null,
    includeHardExpiry: boolean,
  ): TokenResponse {
    if (!code) throw new OAuthProtocolError(400, 'invalid_request', 'code is required');
    const entry = this.#state.codes[code];
    const now = this.#clock.now();
    if (!entry || entry.usedAt !== undefined) {
      throw new OAuthProtocolError(400, 'invalid_grant', 'Authorization code is invalid');
    }
    if (now - entry.issuedAt > AUTH_CODE_TTL_S * 1000) {
      throw new OAuthProtocolError(400, 'invalid_grant', 'Authorization code has expired');
    }
    if (entry.clientId !== this.#app.clientId || entry.redirectUri !== redirectUri) {
      throw new OAuthProtocolError(400, 'invalid_grant', 'redirect_uri does not match');
    }
    entry.usedAt = now;
    const company = this.#state.companies[entry.realmId];
    if (company?.subscription !== 'active') {
      throw new OAuthProtocolError(400, 'invalid_grant', 'Token has been expired or revoked.');
    }
    const refreshToken = this.#newRefreshToken();
    const grant: GrantState = {
      id: uuid(),
      realmId: entry.realmId,
      clientId: entry.clientId,
      scopes: entry.scopes,
      createdAt: now,
      hardExpiresAt: now + HARD_EXPIRY_S * 1000,
      currentRefreshToken: refreshToken,
      refreshTokens: {
        [refreshToken]: { issuedAt: now, expiresAt: now + REFRESH_TOKEN_TTL_S * 1000 },
      },
      accessTokens: {},
    };
    this.#state.grants[grant.id] = grant;
    this.#refreshIndex.set(refreshToken, grant.id);
    const response = this.#respond(grant, includeHardExpiry, now);
    this.#onChange();
    return response;
  }

  /**
   * The `refresh_token` grant, with Intuit's rotation: the same refresh token comes back
   * until it is 24 h old, then a new one; the replaced one is honoured for 24 h more.
   *
   * @param refreshToken - the refresh token sent
   * @param includeHardExpiry - the hard-expiry header was sent
   */
  refresh(refreshToken: string | null, includeHardExpiry: boolean): TokenResponse {
    if (!refreshToken) {
      throw new OAuthProtocolError(400, 'invalid_request', 'refresh_token is required');
    }
    const now = this.#clock.now();
    const grant = this.#grantOfRefreshToken(refreshToken);
    const rt = grant?.refreshTokens[refreshToken];
    if (!grant || !rt) {
      throw new OAuthProtocolError(400, 'invalid_grant', 'Incorrect or invalid refresh token');
    }
    const company = this.#state.companies[grant.realmId];
    const previousExpired =
      rt.supersededAt !== undefined && now >= rt.supersededAt + PREVIOUS_TOKEN_GRACE_S * 1000;
    if (
      grant.revokedAt !== undefined ||
      !company ||
      now >= rt.expiresAt ||
      now >= grant.hardExpiresAt ||
      previousExpired
    ) {
      throw new OAuthProtocolError(400, 'invalid_grant', 'Token has been expired or revoked.');
    }
    const current = grant.refreshTokens[grant.currentRefreshToken] as RefreshTokenState;
    if (now - current.issuedAt >= ROTATE_AFTER_S * 1000) {
      const next = this.#newRefreshToken();
      current.supersededAt = now;
      grant.refreshTokens[next] = {
        issuedAt: now,
        expiresAt: Math.min(now + REFRESH_TOKEN_TTL_S * 1000, grant.hardExpiresAt),
      };
      grant.currentRefreshToken = next;
      this.#refreshIndex.set(next, grant.id);
    }
    this.#pruneGrant(grant, now);
    const response = this.#respond(grant, includeHardExpiry, now);
    this.#onChange();
    return response;
  }

  /**
   * Revokes the grant an access or refresh token belongs to. Unknown tokens are ignored, as
   * RFC 7009 §2.2 asks.
   *
   * @param token - an access or refresh token
   */
  revokeToken(token: string): void {
    const grantId = this.#accessIndex.get(token) ?? this.#refreshIndex.get(token);
    const grant = grantId ? this.#state.grants[grantId] : undefined;
    if (grant && grant.revokedAt === undefined) {
      grant.revokedAt = this.#clock.now();
      this.#onChange();
    }
  }

  /**
   * Revokes every grant of a company (the user disconnected the app inside QBO).
   *
   * @param realmId - the company
   * @returns how many grants were live and are now revoked
   */
  revokeRealm(realmId: string): number {
    let count = 0;
    for (const grant of Object.values(this.#state.grants)) {
      if (grant.realmId === realmId && grant.revokedAt === undefined) {
        grant.revokedAt = this.#clock.now();
        count += 1;
      }
    }
    this.#onChange();
    return count;
  }

  /**
   * Whether a company has a live connection (webhooks are only sent for those).
   *
   * @param realmId - the company
   */
  isConnected(realmId: string): boolean {
    const now = this.#clock.now();
    return Object.values(this.#state.grants).some(
      (g) => g.realmId === realmId && g.revokedAt === undefined && now < g.hardExpiresAt,
    );
  }

  /**
   * Checks a bearer token for an Accounting API call on `realmId`.
   *
   * @param authorization - the Authorization header
   * @param realmId - the realm in the URL
   */
  checkAccess(authorization: string | undefined, realmId: string): AccessCheck {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const token = m?.[1];
    if (!token) return { ok: false, status: 401, detail: 'Token invalid' };
    const grantId = this.#accessIndex.get(token);
    const grant = grantId ? this.#state.grants[grantId] : undefined;
    const expiresAt = grant?.accessTokens[token];
    if (!grant || expiresAt === undefined) {
      return { ok: false, status: 401, detail: 'Token invalid' };
    }
    if (grant.revokedAt !== undefined) {
      return { ok: false, status: 401, detail: `Token revoked: ${token.slice(0, 50)}` };
    }
    if (this.#clock.now() >= expiresAt) {
      return { ok: false, status: 401, detail: `Token expired: ${token.slice(0, 50)}` };
    }
    if (grant.realmId !== realmId || !grant.scopes.includes(ACCOUNTING_SCOPE)) {
      return { ok: false, status: 403, detail: 'Authorization Failure' };
    }
    return { ok: true, grant };
  }

  /**
   * Checks a bearer token for the OpenID userinfo endpoint (any realm, `openid` scope).
   *
   * @param authorization - the Authorization header
   * @returns the grant, or undefined when the token is not live or lacks the scope
   */
  userInfoGrant(authorization: string | undefined): GrantState | undefined {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    const grantId = token ? this.#accessIndex.get(token) : undefined;
    const grant = grantId ? this.#state.grants[grantId] : undefined;
    const expiresAt = token ? grant?.accessTokens[token] : undefined;
    if (!grant || expiresAt === undefined || grant.revokedAt !== undefined) return undefined;
    if (this.#clock.now() >= expiresAt || !grant.scopes.includes('openid')) return undefined;
    return grant;
  }

  /**
   * A summary of a company's grants for the admin API (no token values).
   *
   * @param realmId - the company
   */
  describeGrants(realmId: string): Record<string, unknown>[] {
    const now = this.#clock.now();
    return Object.values(this.#state.grants)
      .filter((g) => g.realmId === realmId)
      .map((g) => ({
        id: g.id,
        scopes: g.scopes,
        createdAt: new Date(g.createdAt).toISOString(),
        status: g.revokedAt !== undefined ? 'revoked' : now >= g.hardExpiresAt ? 'expired' : 'live',
        refreshTokenIssuedAt: new Date(
          g.refreshTokens[g.currentRefreshToken]?.issuedAt ?? g.createdAt,
        ).toISOString(),
      }));
  }

  #respond(grant: GrantState, includeHardExpiry: boolean, now: number): TokenResponse {
    const accessToken = `eyJ${opaqueToken(96)}`;
    grant.accessTokens[accessToken] = now + ACCESS_TOKEN_TTL_S * 1000;
    this.#accessIndex.set(accessToken, grant.id);
    const rt = grant.refreshTokens[grant.currentRefreshToken] as RefreshTokenState;
    const body: TokenResponse = {
      token_type: 'bearer',
      access_token: accessToken,
      expires_in: ACCESS_TOKEN_TTL_S,
      refresh_token: grant.currentRefreshToken,
      x_refresh_token_expires_in: Math.max(0, Math.floor((rt.expiresAt - now) / 1000)),
    };
    if (includeHardExpiry) {
      body.x_refresh_token_hard_expires_in = Math.floor((grant.hardExpiresAt - now) / 1000);
    }
    return body;
  }

  #newRefreshToken(): string {
    return `RT1-${opaqueToken(40)}`;
  }

  #grantOfRefreshToken(token: string): GrantState | undefined {
    const id = this.#refreshIndex.get(token);
    return id ? this.#state.grants[id] : undefined;
  }

  /** Drops tokens that can never be accepted again, so long runs do not grow without bound. */
  #pruneGrant(grant: GrantState, now: number): void {
    for (const [token, expiresAt] of Object.entries(grant.accessTokens)) {
      if (now >= expiresAt + 86_400_000) {
        delete grant.accessTokens[token];
        this.#accessIndex.delete(token);
      }
    }
    for (const [token, rt] of Object.entries(grant.refreshTokens)) {
      const dead =
        rt.supersededAt !== undefined &&
        now >= rt.supersededAt + (PREVIOUS_TOKEN_GRACE_S + 30 * 86_400) * 1000;
      if (dead) {
        delete grant.refreshTokens[token];
        this.#refreshIndex.delete(token);
      }
    }
  }

  #pruneCodes(): void {
    const now = this.#clock.now();
    for (const [code, entry] of Object.entries(this.#state.codes)) {
      if (now - entry.issuedAt > AUTH_CODE_TTL_S * 2000) delete this.#state.codes[code];
    }
  }
}
