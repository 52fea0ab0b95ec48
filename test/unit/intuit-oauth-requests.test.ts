import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IntuitOAuthClient } from '#shared/oauth/intuit-oauth.ts';

interface Seen {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * What the product puts on the wire to Intuit's token and revoke endpoints, seen by a loopback
 * server standing in for Intuit. (The emulator accepts both revoke bodies, so it cannot tell.)
 */
describe('IntuitOAuthClient requests', () => {
  let server: Server;
  let baseUrl: string;
  let seen: Seen[] = [];
  const client = () =>
    new IntuitOAuthClient(
      {
        clientId: 'app-id',
        clientSecret: 'app-secret',
        redirectUri: 'http://127.0.0.1:9/oauth/quickbooks/callback',
        environment: 'sandbox',
        oauthBaseUrl: baseUrl,
      },
      { now: () => Date.parse('2026-12-01T00:00:00Z') },
    );

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          req.url?.endsWith('/revoke')
            ? ''
            : JSON.stringify({
                token_type: 'bearer',
                access_token: 'at',
                expires_in: 3600,
                refresh_token: 'rt',
                x_refresh_token_expires_in: 8726400,
                x_refresh_token_hard_expires_in: 86400,
              }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen = [];
  });

  const basic = `Basic ${Buffer.from('app-id:app-secret').toString('base64')}`;

  it('revokes with a JSON {"token"} body and Basic credentials, as intuit-oauth does', async () => {
    await client().revoke('RT1-grant');
    expect(seen).toHaveLength(1);
    const [revoke] = seen;
    expect(revoke?.path).toBe('/v2/oauth2/tokens/revoke');
    expect(revoke?.headers['content-type']).toBe('application/json');
    expect(revoke?.headers.authorization).toBe(basic);
    expect(JSON.parse(revoke?.body ?? '')).toEqual({ token: 'RT1-grant' });
  });

  it('asks for the 5-year hard expiry on the code exchange and on every refresh', async () => {
    const granted = await client().exchangeCode(
      'http://127.0.0.1:9/oauth/quickbooks/callback?code=AB11code&state=s&realmId=9130357766540566',
    );
    const refreshed = await client().refresh('RT1-grant');
    expect(seen.map((s) => s.headers['x-include-refresh-token-hard-expires-in'])).toEqual([
      'true',
      'true',
    ]);
    expect(seen.map((s) => s.headers.authorization)).toEqual([basic, basic]);
    // The cap Intuit sends back is what the connection's warning is computed from.
    const day = Date.parse('2026-12-02T00:00:00Z');
    expect(granted.refreshTokenHardExpiresAt).toBe(day);
    expect(refreshed.refreshTokenHardExpiresAt).toBe(day);
  });
});
