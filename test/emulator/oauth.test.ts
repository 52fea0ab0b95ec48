import type OAuthClient from 'intuit-oauth';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ACCOUNTING,
  type Harness,
  intuitClient,
  pointIntuitOAuthAt,
  REDIRECT_URI,
  startHarness,
} from './helpers.ts';

const DAY = 86_400;

interface TokenError extends Error {
  error?: string;
  error_description?: string;
}

/** The token fields these tests read, as the emulator always sends them. */
interface Tok {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  x_refresh_token_expires_in: number;
  x_refresh_token_hard_expires_in?: number;
  realmId?: string;
}

function tok(client: OAuthClient): Tok {
  return client.getToken().getToken() as unknown as Tok;
}

async function oauthError(promise: Promise<unknown>): Promise<TokenError> {
  try {
    await promise;
  } catch (err) {
    return err as TokenError;
  }
  throw new Error('expected the call to fail');
}

describe('Emulator: OAuth', () => {
  let h: Harness;
  let restore: () => void;

  beforeAll(async () => {
    h = await startHarness();
    restore = pointIntuitOAuthAt(h.url);
  });
  afterAll(async () => {
    restore();
    await h.close();
  });

  async function connectWithClient(
    realmId: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ client: OAuthClient; callback: string }> {
    const client = intuitClient(h.emulator, extra);
    const authorize = client.authorizeUri({ scope: [ACCOUNTING], state: 'csrf-1' });
    const res = await fetch(`${authorize}&auto_approve=${realmId}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const callback = res.headers.get('location') ?? '';
    await client.createToken(callback);
    return { client, callback };
  }

  async function companyInfoStatus(realmId: string, accessToken: string): Promise<Response> {
    return h.api(realmId, accessToken, 'GET', `/companyinfo/${realmId}?minorversion=75`);
  }

  describe('consent', () => {
    it('shows a keyboard-usable consent page with a company picker', async () => {
      const realmId = await h.newCompany('Picker Co');
      const url = h.authorizeUrl(realmId).replace(/&auto_approve=[^&]+/, '');
      const res = await fetch(url);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('Picker Co');
      expect(html).toMatch(/<input type="radio" name="realmId" value="\d+"/);
      expect(html).toMatch(/<button type="submit" name="decision" value="approve"/);
      expect(html).toMatch(/<button type="submit" name="decision" value="deny"/);
      expect(html).toContain('<legend>Choose a company</legend>');
    });

    it("preselects the company this browser approved before, never another tenant's by default", async () => {
      const first = await h.newCompany('Preselect One');
      const second = await h.newCompany('Preselect Two');
      const url = h.authorizeUrl(first).replace(/&auto_approve=[^&]+/, '');
      const checked = (html: string) =>
        [...html.matchAll(/value="(\d+)" checked/g)].map((m) => m[1]);
      // Several companies, none chosen before: the admin must pick one (Deny still works).
      const fresh = await (await fetch(url)).text();
      expect(checked(fresh)).toEqual([]);
      expect(fresh).toMatch(/value="deny" class="deny" formnovalidate/);
      const decision = await fetch(`${h.url}/connect/oauth2/decision`, {
        method: 'POST',
        body: new URLSearchParams({
          client_id: h.emulator.clientId,
          redirect_uri: REDIRECT_URI,
          response_type: 'code',
          scope: ACCOUNTING,
          state: 'pick',
          realmId: second,
          decision: 'approve',
        }),
        redirect: 'manual',
      });
      const cookie = (decision.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      expect(cookie).toBe(`qbo_emulator_company=${second}`);
      // The same browser reconnecting: its company is preselected.
      const again = await (await fetch(url, { headers: { cookie } })).text();
      expect(checked(again)).toEqual([second]);
    });

    it('redirects back with code, state and realmId when the user approves', async () => {
      const realmId = await h.newCompany();
      const form = new URLSearchParams({
        client_id: h.emulator.clientId,
        redirect_uri: REDIRECT_URI,
        response_type: 'code',
        scope: ACCOUNTING,
        state: 'abc',
        realmId,
        decision: 'approve',
      });
      const res = await fetch(`${h.url}/connect/oauth2/decision`, {
        method: 'POST',
        body: form,
        redirect: 'manual',
      });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location') ?? '');
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
      expect(location.searchParams.get('state')).toBe('abc');
      expect(location.searchParams.get('realmId')).toBe(realmId);
      expect(location.searchParams.get('code')?.length).toBeGreaterThan(30);
    });

    it('redirects back with error=access_denied and the state when the user denies', async () => {
      const realmId = await h.newCompany();
      const form = new URLSearchParams({
        client_id: h.emulator.clientId,
        redirect_uri: REDIRECT_URI,
        response_type: 'code',
        scope: ACCOUNTING,
        state: 'xyz',
        realmId,
        decision: 'deny',
      });
      const res = await fetch(`${h.url}/connect/oauth2/decision`, {
        method: 'POST',
        body: form,
        redirect: 'manual',
      });
      const location = new URL(res.headers.get('location') ?? '');
      expect(location.searchParams.get('error')).toBe('access_denied');
      expect(location.searchParams.get('state')).toBe('xyz');
      expect(location.searchParams.get('code')).toBeNull();
    });

    it('denies straight away with auto_deny', async () => {
      const realmId = await h.newCompany();
      const res = await fetch(h.authorizeUrl(realmId, { auto_deny: '1' }), { redirect: 'manual' });
      const location = new URL(res.headers.get('location') ?? '');
      expect(location.searchParams.get('error')).toBe('access_denied');
      expect(location.searchParams.get('state')).toBe('state-123');
    });

    it('serves userinfo to tokens granted with the openid scope only', async () => {
      const realmId = await h.newCompany();
      const client = intuitClient(h.emulator);
      client.setAuthorizeURLs({
        authorizeEndpoint: `${h.url}/connect/oauth2`,
        tokenEndpoint: `${h.url}/oauth2/v1/tokens/bearer`,
        revokeEndpoint: `${h.url}/v2/oauth2/tokens/revoke`,
        userInfoEndpoint: `${h.url}/v1/openid_connect/userinfo`,
      });
      const authorize = client.authorizeUri({ scope: [ACCOUNTING, 'openid', 'email'], state: 's' });
      const res = await fetch(`${authorize}&auto_approve=${realmId}`, { redirect: 'manual' });
      await client.createToken(res.headers.get('location') ?? '');
      const info = await client.getUserInfo();
      expect(info.json.email).toContain(realmId);
      const plain = await h.connect(realmId);
      const denied = await fetch(`${h.url}/v1/openid_connect/userinfo`, {
        headers: { authorization: `Bearer ${plain.access_token}` },
      });
      expect(denied.status).toBe(401);
    });

    it('approves straight away with auto_approve and the real client builds the authorize URL', async () => {
      const realmId = await h.newCompany();
      const { client, callback } = await connectWithClient(realmId);
      const params = new URL(callback).searchParams;
      expect(params.get('state')).toBe('csrf-1');
      expect(params.get('realmId')).toBe(realmId);
      const token = tok(client);
      expect(token.realmId).toBe(realmId);
      expect(token.expires_in).toBe(3600);
      expect(token.x_refresh_token_expires_in).toBe(8_726_400);
      expect((await companyInfoStatus(realmId, token.access_token)).status).toBe(200);
    });

    it('rejects an unknown client_id and an unregistered redirect_uri on an error page', async () => {
      const realmId = await h.newCompany();
      const badClient = await fetch(h.authorizeUrl(realmId, { client_id: 'nope' }), {
        redirect: 'manual',
      });
      expect(badClient.status).toBe(400);
      const badRedirect = await fetch(
        h.authorizeUrl(realmId, { redirect_uri: 'https://evil.example/cb' }),
        { redirect: 'manual' },
      );
      expect(badRedirect.status).toBe(400);
      expect(badRedirect.headers.get('location')).toBeNull();
    });

    it('redirects invalid_scope and a missing state back to the app', async () => {
      const realmId = await h.newCompany();
      const badScope = await fetch(h.authorizeUrl(realmId, { scope: 'com.example.everything' }), {
        redirect: 'manual',
      });
      expect(new URL(badScope.headers.get('location') ?? '').searchParams.get('error')).toBe(
        'invalid_scope',
      );
      const noState = await fetch(h.authorizeUrl(realmId, { state: '' }), { redirect: 'manual' });
      expect(new URL(noState.headers.get('location') ?? '').searchParams.get('error')).toBe(
        'invalid_request',
      );
    });

    it('only accepts the configured redirect URIs when some are registered', async () => {
      const strict = await startHarness({ redirectUris: ['http://localhost:3000/oauth/callback'] });
      try {
        const realmId = await strict.newCompany();
        const res = await fetch(strict.authorizeUrl(realmId), { redirect: 'manual' });
        expect(res.status).toBe(400);
        const ok = await fetch(
          strict.authorizeUrl(realmId, { redirect_uri: 'http://localhost:3000/oauth/callback' }),
          { redirect: 'manual' },
        );
        expect(ok.status).toBe(302);
      } finally {
        await strict.close();
      }
    });
  });

  describe('authorization code', () => {
    it('can be exchanged only once', async () => {
      const realmId = await h.newCompany();
      const { callback } = await connectWithClient(realmId);
      const again = intuitClient(h.emulator);
      const err = await oauthError(again.createToken(callback));
      expect(err.error).toBe('invalid_grant');
    });

    it('expires after 10 minutes', async () => {
      const realmId = await h.newCompany();
      const client = intuitClient(h.emulator);
      const authorize = client.authorizeUri({ scope: [ACCOUNTING], state: 's' });
      const res = await fetch(`${authorize}&auto_approve=${realmId}`, { redirect: 'manual' });
      h.emulator.clock.advance(601);
      const err = await oauthError(client.createToken(res.headers.get('location') ?? ''));
      expect(err.error).toBe('invalid_grant');
    });

    it('is still good just before 10 minutes', async () => {
      const realmId = await h.newCompany();
      const client = intuitClient(h.emulator);
      const authorize = client.authorizeUri({ scope: [ACCOUNTING], state: 's' });
      const res = await fetch(`${authorize}&auto_approve=${realmId}`, { redirect: 'manual' });
      h.emulator.clock.advance(590);
      await client.createToken(res.headers.get('location') ?? '');
      expect(tok(client).access_token).toBeTruthy();
    });

    it('rejects a wrong client secret with invalid_client', async () => {
      const realmId = await h.newCompany();
      const client = intuitClient(h.emulator, { clientSecret: 'wrong' });
      const authorize = client.authorizeUri({ scope: [ACCOUNTING], state: 's' });
      const res = await fetch(`${authorize}&auto_approve=${realmId}`, { redirect: 'manual' });
      const err = await oauthError(client.createToken(res.headers.get('location') ?? ''));
      expect(err.error).toBe('invalid_client');
    });

    it('issues opaque random token strings', async () => {
      const a = await h.connect(await h.newCompany());
      const b = await h.connect(await h.newCompany());
      expect(a.access_token).not.toBe(b.access_token);
      expect(a.refresh_token).not.toBe(b.refresh_token);
      for (const token of [a.access_token, a.refresh_token]) {
        expect(token.length).toBeGreaterThan(40);
        expect(() =>
          JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()),
        ).toThrow();
      }
    });
  });

  describe('refresh', () => {
    let realmId: string;
    let client: OAuthClient;

    beforeEach(async () => {
      realmId = await h.newCompany();
      client = (await connectWithClient(realmId)).client;
    });

    it('returns a new access token and keeps the refresh token within 24 h', async () => {
      const first = tok(client);
      h.emulator.clock.advance(3 * 3600);
      await client.refresh();
      const second = tok(client);
      expect(second.access_token).not.toBe(first.access_token);
      expect(second.refresh_token).toBe(first.refresh_token);
      expect(second.x_refresh_token_expires_in).toBeLessThan(first.x_refresh_token_expires_in);
      expect((await companyInfoStatus(realmId, second.access_token)).status).toBe(200);
    });

    it('rotates the refresh token after 24 h and keeps the old one valid for the grace window', async () => {
      const original = tok(client).refresh_token;
      h.emulator.clock.advance(DAY + 1);
      await client.refresh();
      const rotated = tok(client).refresh_token;
      expect(rotated).not.toBe(original);
      expect(tok(client).x_refresh_token_expires_in).toBe(8_726_400);

      h.emulator.clock.advance(DAY - 60);
      const other = intuitClient(h.emulator);
      await other.refreshUsingToken(original);
      expect(tok(other).refresh_token).toBe(rotated);
    });

    it('answers invalid_grant for a refresh token older than the grace window', async () => {
      const original = tok(client).refresh_token;
      h.emulator.clock.advance(DAY + 1);
      await client.refresh();
      const rotated = tok(client).refresh_token;
      h.emulator.clock.advance(DAY + 1);
      const err = await oauthError(intuitClient(h.emulator).refreshUsingToken(original));
      expect(err.error).toBe('invalid_grant');
      const fresh = intuitClient(h.emulator);
      await fresh.refreshUsingToken(rotated);
      expect(tok(fresh).access_token).toBeTruthy();
    });

    it('lets an unused refresh token lapse after 101 days', async () => {
      const rt = tok(client).refresh_token;
      h.emulator.clock.advance(101 * DAY + 1);
      const err = await oauthError(intuitClient(h.emulator).refreshUsingToken(rt));
      expect(err.error).toBe('invalid_grant');
    });

    it('keeps the grant alive while it is refreshed every day (rolling expiry)', async () => {
      let rt = tok(client).refresh_token;
      for (let i = 0; i < 4; i += 1) {
        h.emulator.clock.advance(30 * DAY);
        const c = intuitClient(h.emulator);
        // A token refreshed within 101 days keeps working even though the grant is 120 days old.
        await c.refreshUsingToken(rt);
        rt = tok(c).refresh_token;
      }
      expect(rt).toBeTruthy();
    });

    it('rejects an unknown refresh token with invalid_grant', async () => {
      const res = await h.tokenRequest({ grant_type: 'refresh_token', refresh_token: 'made-up' });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: 'invalid_grant',
        error_description: 'Incorrect or invalid refresh token',
      });
    });

    it('rejects an unknown grant type with unsupported_grant_type', async () => {
      const res = await h.tokenRequest({ grant_type: 'password' });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('unsupported_grant_type');
    });

    it('returns x_refresh_token_hard_expires_in only when the header asks for it', async () => {
      const withHeader = intuitClient(h.emulator, { includeRefreshTokenHardExpiresIn: true });
      await withHeader.refreshUsingToken(tok(client).refresh_token);
      const hard = tok(withHeader).x_refresh_token_hard_expires_in;
      expect(hard).toBeGreaterThan(4.9 * 365 * DAY);
      expect(hard).toBeLessThanOrEqual(5 * 365 * DAY);
      const plain = await h.tokenRequest({
        grant_type: 'refresh_token',
        refresh_token: tok(client).refresh_token,
      });
      expect(await plain.json()).not.toHaveProperty('x_refresh_token_hard_expires_in');
    });
  });

  describe('revocation and company state', () => {
    it('revokes the whole grant through the revoke endpoint', async () => {
      const realmId = await h.newCompany();
      const { client } = await connectWithClient(realmId);
      const { access_token, refresh_token } = tok(client);
      await client.revoke({ refresh_token });
      const err = await oauthError(intuitClient(h.emulator).refreshUsingToken(refresh_token));
      expect(err.error).toBe('invalid_grant');
      const api = await companyInfoStatus(realmId, access_token);
      expect(api.status).toBe(401);
    });

    it('refuses a revoke that names no token, in JSON or as a form, and revokes nothing', async () => {
      const realmId = await h.newCompany();
      const { client } = await connectWithClient(realmId);
      const basic = Buffer.from(`${h.emulator.clientId}:${h.emulator.clientSecret}`).toString(
        'base64',
      );
      for (const [type, body] of [
        ['application/json', JSON.stringify({ refresh_token: tok(client).refresh_token })],
        ['application/x-www-form-urlencoded', 'token_type_hint=refresh_token'],
      ] as const) {
        const res = await fetch(`${h.url}/v2/oauth2/tokens/revoke`, {
          method: 'POST',
          headers: { authorization: `Basic ${basic}`, 'content-type': type },
          body,
        });
        expect(res.status, type).toBe(400);
        expect(await res.json()).toMatchObject({ error: 'invalid_request' });
      }
      expect((await companyInfoStatus(realmId, tok(client).access_token)).status).toBe(200);
    });

    it('revokes when the access token is the one sent', async () => {
      const realmId = await h.newCompany();
      const { client } = await connectWithClient(realmId);
      const { access_token, refresh_token } = tok(client);
      await client.revoke({ access_token });
      const err = await oauthError(intuitClient(h.emulator).refreshUsingToken(refresh_token));
      expect(err.error).toBe('invalid_grant');
    });

    it('answers invalid_grant after the company revokes the app from the admin API', async () => {
      const realmId = await h.newCompany();
      const { client } = await connectWithClient(realmId);
      const res = await h.admin<{ revokedGrants: number }>(
        'POST',
        `/_admin/companies/${realmId}/revoke`,
      );
      expect(res.revokedGrants).toBe(1);
      const err = await oauthError(client.refresh());
      expect(err.error).toBe('invalid_grant');
    });

    it('keeps refreshing and reading a lapsed company (read-only, as Intuit keeps it)', async () => {
      const realmId = await h.newCompany();
      const { client } = await connectWithClient(realmId);
      await h.admin('POST', `/_admin/companies/${realmId}/lapse`);
      await client.refresh();
      const api = await companyInfoStatus(realmId, tok(client).access_token);
      expect(api.status).toBe(200);
    });
  });

  describe('access tokens', () => {
    it('expire after 3600 s with the lowercase 401 fault', async () => {
      const { realmId, token } = await h.connectedCompany();
      h.emulator.clock.advance(3600);
      const res = await companyInfoStatus(realmId, token.access_token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(
        'Bearer realm="Intuit", error="invalid_token"',
      );
      const body = (await res.json()) as {
        fault: { error: { code: string; message: string; detail: string }[]; type: string };
        time: number;
      };
      expect(body.fault.type).toBe('AUTHENTICATION');
      expect(body.fault.error[0]?.code).toBe('3200');
      expect(body.fault.error[0]?.message).toBe(
        'message=AuthenticationFailed; errorCode=003200; statusCode=401',
      );
      expect(body.fault.error[0]?.detail).toMatch(/^Token expired: /);
      expect(typeof body.time).toBe('number');
    });

    it('reject a made-up token with 401, which the real client surfaces as code 401', async () => {
      const realmId = await h.newCompany();
      const res = await companyInfoStatus(realmId, 'not-a-token');
      expect(res.status).toBe(401);
      const client = intuitClient(h.emulator);
      client.setToken({ access_token: 'not-a-token', expires_in: 3600, createdAt: Date.now() });
      const err = await oauthError(
        client.makeApiCall({ url: `${h.url}/v3/company/${realmId}/companyinfo/${realmId}` }),
      );
      expect((err as TokenError & { code?: string }).code).toBe('401');
    });

    it('answer 403 with code 3100 for another company', async () => {
      const a = await h.connectedCompany();
      const otherRealm = await h.newCompany();
      const res = await companyInfoStatus(otherRealm, a.token.access_token);
      expect(res.status).toBe(403);
      const body = (await res.json()) as { fault: { error: { code: string }[]; type: string } };
      expect(body.fault.error[0]?.code).toBe('3100');
      expect(body.fault.type).toBe('SERVICE');
    });

    it('work with the real client makeApiCall on a relative URL', async () => {
      const realmId = await h.newCompany('Relative Co');
      const { client } = await connectWithClient(realmId);
      const res = await client.makeApiCall({
        url: `v3/company/${realmId}/companyinfo/${realmId}?minorversion=75`,
      });
      expect(res.json.CompanyInfo.CompanyName).toBe('Relative Co');
    });
  });
});
