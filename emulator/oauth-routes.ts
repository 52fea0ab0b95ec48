import * as z from 'zod';
import type { Clock } from './clock.ts';
import { renderConsentPage, renderErrorPage } from './consent-page.ts';
import { OAuthProtocolError } from './errors.ts';
import { type RequestContext, type Router, send, sendJson } from './http.ts';
import { newRealmId } from './ids.ts';
import { KNOWN_SCOPES, type OAuthService } from './oauth.ts';
import { createCompany, type EmulatorState } from './state.ts';

/** What the OAuth routes need. */
export interface OAuthRouteDeps {
  readonly state: EmulatorState;
  readonly clock: Clock;
  readonly oauth: OAuthService;
  readonly persist: () => void;
}

/** A validated authorize request. */
interface AuthorizeRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: string[];
  readonly state: string;
}

const decisionSchema = z.object({
  client_id: z.string(),
  redirect_uri: z.string(),
  scope: z.string(),
  state: z.string(),
  response_type: z.string().optional(),
  realmId: z.string().optional(),
  new_company_name: z.string().optional(),
  decision: z.enum(['approve', 'deny']),
});

/**
 * Registers Intuit's OAuth endpoints at their real paths:
 * `GET /connect/oauth2` (consent), `POST /oauth2/v1/tokens/bearer`, `POST /v2/oauth2/tokens/revoke`.
 *
 * @param router - the router
 * @param deps - shared services
 */
export function registerOAuthRoutes(router: Router, deps: OAuthRouteDeps): void {
  router.on('GET', '/connect/oauth2', (ctx) => authorize(deps, ctx));
  router.on('POST', '/connect/oauth2/decision', (ctx) => decide(deps, ctx));
  router.on('POST', '/oauth2/v1/tokens/bearer', (ctx) => token(deps, ctx));
  router.on('POST', '/v2/oauth2/tokens/revoke', (ctx) => revoke(deps, ctx));
  router.on('GET', '/v1/openid_connect/userinfo', (ctx) => userInfo(deps, ctx));
}

/** OpenID userinfo for tokens granted with the `openid` scope (fixed sandbox-owner claims). */
function userInfo(deps: OAuthRouteDeps, ctx: RequestContext): void {
  const grant = deps.oauth.userInfoGrant(ctx.req.headers.authorization);
  if (!grant) {
    sendJson(ctx.res, 401, { error: 'invalid_token' });
    return;
  }
  sendJson(ctx.res, 200, {
    sub: grant.id,
    email: `owner+${grant.realmId}@example.com`,
    emailVerified: true,
    givenName: 'Sandbox',
    familyName: 'Owner',
  });
}

function redirect(ctx: RequestContext, target: string): void {
  ctx.res.writeHead(302, { Location: target, 'Content-Length': '0' });
  ctx.res.end();
}

function withParams(uri: string, params: Record<string, string>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

/**
 * Validates an authorize request. Problems with client_id or redirect_uri are shown on an
 * error page (a redirect to an unverified URI would be an open redirect, RFC 6749 §4.1.2.1);
 * the others are redirected back with `error=`.
 */
function validateAuthorize(
  deps: OAuthRouteDeps,
  ctx: RequestContext,
  params: URLSearchParams,
): AuthorizeRequest | undefined {
  const clientId = params.get('client_id');
  const redirectUri = params.get('redirect_uri');
  if (!clientId || clientId !== deps.oauth.app.clientId) {
    send(ctx.res, 400, renderErrorPage('The client_id is missing or unknown.'), 'text/html');
    return undefined;
  }
  if (!redirectUri || !deps.oauth.isAllowedRedirect(redirectUri)) {
    send(
      ctx.res,
      400,
      renderErrorPage('The redirect_uri is missing or not registered for this app.'),
      'text/html',
    );
    return undefined;
  }
  const state = params.get('state') ?? '';
  const fail = (error: string, description: string) => {
    redirect(
      ctx,
      withParams(redirectUri, {
        error,
        error_description: description,
        ...(state ? { state } : {}),
      }),
    );
    return undefined;
  };
  if (params.get('response_type') !== 'code') {
    return fail('unsupported_response_type', 'response_type must be code');
  }
  const scopes = (params.get('scope') ?? '').split(/[\s+]+/).filter(Boolean);
  if (scopes.length === 0 || scopes.some((s) => !KNOWN_SCOPES.has(s))) {
    return fail('invalid_scope', 'scope is missing or contains an unknown scope');
  }
  if (!state) return fail('invalid_request', 'state is required');
  return { clientId, redirectUri, scopes, state };
}

function approve(
  deps: OAuthRouteDeps,
  ctx: RequestContext,
  request: AuthorizeRequest,
  realmId: string,
): void {
  const code = deps.oauth.issueCode({
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    realmId,
    scopes: request.scopes,
  });
  redirect(ctx, withParams(request.redirectUri, { code, state: request.state, realmId }));
}

function deny(ctx: RequestContext, request: AuthorizeRequest): void {
  redirect(ctx, withParams(request.redirectUri, { error: 'access_denied', state: request.state }));
}

function authorize(deps: OAuthRouteDeps, ctx: RequestContext): void {
  const request = validateAuthorize(deps, ctx, ctx.query);
  if (!request) return;
  // Test hooks: approve for a company, or deny, without a browser.
  const autoApprove = ctx.query.get('auto_approve');
  if (ctx.query.get('auto_deny') !== null) {
    deny(ctx, request);
    return;
  }
  if (autoApprove) {
    const company = deps.state.companies[autoApprove];
    if (!company) {
      send(ctx.res, 400, renderErrorPage(`No company with realmId ${autoApprove}.`), 'text/html');
      return;
    }
    approve(deps, ctx, request, company.realmId);
    return;
  }
  const companies = Object.values(deps.state.companies)
    .filter((c) => c.subscription === 'active')
    .map((c) => ({ realmId: c.realmId, name: c.name }));
  send(
    ctx.res,
    200,
    renderConsentPage(ctx.query, companies, lastApproved(ctx)),
    'text/html; charset=utf-8',
  );
}

/** The cookie of the company this browser approved last: its Intuit user's company. */
const LAST_COMPANY_COOKIE = 'qbo_emulator_company';

/**
 * The company this browser approved last. Intuit's page lists only the signed-in user's
 * companies; the emulator lists every company of every tenant, so it preselects the one this
 * browser chose before (a reconnect), never merely the first of someone else's.
 */
function lastApproved(ctx: RequestContext): string | undefined {
  const cookies = ctx.req.headers.cookie ?? '';
  return new RegExp(`(?:^|;\\s*)${LAST_COMPANY_COOKIE}=(\\d{1,32})`).exec(cookies)?.[1];
}

function decide(deps: OAuthRouteDeps, ctx: RequestContext): void {
  const form = new URLSearchParams(ctx.body.toString('utf8'));
  const parsed = decisionSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) {
    send(ctx.res, 400, renderErrorPage('The consent form was incomplete.'), 'text/html');
    return;
  }
  const request = validateAuthorize(deps, ctx, form);
  if (!request) return;
  if (parsed.data.decision === 'deny') {
    deny(ctx, request);
    return;
  }
  let realmId = parsed.data.realmId;
  if (!realmId || realmId === 'new') {
    const name = parsed.data.new_company_name?.trim() || 'Sandbox Company';
    realmId = newRealmId(new Set(Object.keys(deps.state.companies)));
    deps.state.companies[realmId] = createCompany({ realmId, name, now: deps.clock.now() });
    deps.persist();
  }
  if (!deps.state.companies[realmId]) {
    send(ctx.res, 400, renderErrorPage('Unknown company.'), 'text/html');
    return;
  }
  ctx.res.setHeader(
    'Set-Cookie',
    `${LAST_COMPANY_COOKIE}=${realmId}; Path=/connect/oauth2; HttpOnly; SameSite=Lax`,
  );
  approve(deps, ctx, request, realmId);
}

function sendOAuthError(ctx: RequestContext, err: OAuthProtocolError): void {
  const body: Record<string, string> = { error: err.error };
  if (err.description) body.error_description = err.description;
  sendJson(ctx.res, err.status, body);
}

function token(deps: OAuthRouteDeps, ctx: RequestContext): void {
  const form = new URLSearchParams(ctx.body.toString('utf8'));
  try {
    deps.oauth.authenticateClient(ctx.req.headers.authorization, form);
    const hard = String(ctx.req.headers['x-include-refresh-token-hard-expires-in']) === 'true';
    const grantType = form.get('grant_type');
    const result =
      grantType === 'authorization_code'
        ? deps.oauth.exchangeCode(form.get('code'), form.get('redirect_uri'), hard)
        : grantType === 'refresh_token'
          ? deps.oauth.refresh(form.get('refresh_token'), hard)
          : undefined;
    if (!result) throw new OAuthProtocolError(400, 'unsupported_grant_type');
    sendJson(ctx.res, 200, result, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  } catch (err) {
    if (!(err instanceof OAuthProtocolError)) throw err;
    sendOAuthError(ctx, err);
  }
}

function revoke(deps: OAuthRouteDeps, ctx: RequestContext): void {
  const text = ctx.body.toString('utf8');
  // intuit-oauth sends JSON ({"token": …}); node-quickbooks sends a form body.
  let tokenValue: string | null = null;
  try {
    const json = JSON.parse(text) as { token?: unknown };
    if (typeof json.token === 'string') tokenValue = json.token;
  } catch {
    tokenValue = new URLSearchParams(text).get('token');
  }
  try {
    deps.oauth.authenticateClient(ctx.req.headers.authorization);
    if (!tokenValue) throw new OAuthProtocolError(400, 'invalid_request', 'token is required');
    deps.oauth.revokeToken(tokenValue);
    sendJson(ctx.res, 200, {});
  } catch (err) {
    if (!(err instanceof OAuthProtocolError)) throw err;
    sendOAuthError(ctx, err);
  }
}
