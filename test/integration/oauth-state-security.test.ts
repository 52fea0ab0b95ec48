import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { STATE_TTL_SECONDS } from '#shared/oauth/oauth-state.ts';
import { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { syncStateTable, tenantProviderKeysTable } from '#shared/store/tables.ts';
import { TokenRepository } from '#shared/store/token-repository.ts';
import { newTenantId } from '../support/local-api.ts';
import { resultOf, startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterEach(() => {
  vi.useRealTimers();
});
afterAll(() => stack.close());

const tokens = new TokenRepository(tenantProviderKeysTable.localName);
const connections = new ConnectionRepository(syncStateTable.localName);

/** The consent URL of the last flow started: any state can be sent through it. */
let authorizeUrl = '';

/** Starts a flow for a tenant and returns its state. */
async function startFlow(tenantId: string, body?: unknown): Promise<string> {
  const res = await stack.call(tenantId, 'POST', '/integrations/quickbooks/connect', body);
  expect(res.status).toBe(200);
  ({ authorizeUrl } = (await res.json()) as { authorizeUrl: string });
  return new URL(authorizeUrl).searchParams.get('state') ?? '';
}

/**
 * Runs consent in the emulator with a state (genuine or not) and returns the callback URL
 * Intuit would send the browser to, with a real code.
 */
async function consent(state: string, realmId: string): Promise<URL> {
  const url = new URL(authorizeUrl);
  url.searchParams.set('state', state);
  url.searchParams.set('auto_approve', realmId);
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') ?? '');
}

/** Calls the callback and returns where it sends the browser (it must always be a 302). */
async function callback(query: string | URL): Promise<URL> {
  const url =
    query instanceof URL ? query : new URL(`${stack.api.url}/oauth/quickbooks/callback?${query}`);
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(302);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const location = new URL(res.headers.get('location') ?? 'http://invalid/');
  // Whatever happened, the browser only ever goes back to the portal.
  expect(location.origin).toBe(stack.api.url);
  expect(location.username + location.password).toBe('');
  // The code, the state and any token stay between Intuit and the stack.
  expect(location.searchParams.has('code')).toBe(false);
  expect(location.href).not.toMatch(/AB11[\w-]{30,}|RT1-|eyJ/);
  return location;
}

const reasonOf = async (query: string | URL) =>
  resultOf(await callback(query)).get('reason') ?? 'connected';

async function expectNothingStored(tenantId: string): Promise<void> {
  expect(await connections.get(tenantId)).toBeUndefined();
  expect(await tokens.get(tenantId)).toBeUndefined();
}

/** Freezes `Date` (which both the API's clock and the emulator's read) at a moment. */
function timeIs(epochMs: number): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(epochMs);
}

describe('OAuth state: forged, crossed, replayed and expired states connect nothing', () => {
  it('refuses a state whose signature was changed, byte by byte, and stores nothing', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    const state = await startFlow(tenantId);
    const [tenant, nonce, mac = ''] = state.split('.');
    const flip = (s: string, i: number) =>
      `${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
    const forgeries = [
      `${tenant}.${nonce}.${flip(mac, 0)}`,
      `${tenant}.${nonce}.${flip(mac, mac.length - 1)}`,
      `${tenant}.${nonce}.${mac.slice(0, -1)}`,
      `${tenant}.${nonce}.${mac}A`,
      `${tenant}.${flip(nonce ?? '', 0)}.${mac}`,
      `${tenant}.${nonce}.`,
    ];
    for (const forged of forgeries) {
      const cb = await consent(forged, realmId);
      expect(await reasonOf(cb), forged).toBe('invalid_state');
    }
    await expectNothingStored(tenantId);
    // The genuine state was never consumed by the forgeries: it still connects.
    expect(await reasonOf(await consent(state, realmId))).toBe('connected');
  });

  it("never lets tenant A's state, or parts of it, complete tenant B's flow", async () => {
    const a = newTenantId('a');
    const b = newTenantId('b');
    const realmId = await stack.world.newCompany();
    const [, nonceA, macA] = (await startFlow(a)).split('.');
    const [, nonceB, macB] = (await startFlow(b)).split('.');
    const crossed = [
      `${b}.${nonceA}.${macA}`, // A's flow relabelled as B's
      `${b}.${nonceB}.${macA}`, // B's record with A's signature
      `${a}.${nonceB}.${macB}`, // B's record claimed by A
      `${a}.${nonceB}.${macA}`,
    ];
    for (const state of crossed) {
      expect(await reasonOf(await consent(state, realmId)), state).toBe('invalid_state');
    }
    await expectNothingStored(a);
    await expectNothingStored(b);
  });

  it('refuses malformed states with a redirect, never an error page', async () => {
    const tenantId = newTenantId();
    const [, nonce, mac] = (await startFlow(tenantId)).split('.');
    const malformed = [
      '',
      '.',
      '..',
      '...',
      `${tenantId}.${nonce}.${mac}.extra`,
      `${tenantId}#x.${nonce}.${mac}`,
      `../${tenantId}.${nonce}.${mac}`,
      'a'.repeat(5000),
      "' OR '1'='1",
      '%00',
      '\u{1F600}.\u05D0.\u0301',
    ];
    for (const state of malformed) {
      expect(await reasonOf(`code=x&realmId=1&state=${encodeURIComponent(state)}`)).toBe(
        'invalid_state',
      );
    }
    expect(await reasonOf('code=x&realmId=1')).toBe('invalid_state');
    expect(await reasonOf('code=x&realmId=1&state=a&state=b')).toBe('invalid_state');
    await expectNothingStored(tenantId);
  });

  it('cannot replay a state, neither after it connected nor after a refused attempt', async () => {
    const connected = newTenantId();
    const realmId = await stack.world.newCompany();
    const state = await startFlow(connected);
    const cb = await consent(state, realmId);
    expect(await reasonOf(cb)).toBe('connected');
    expect(await reasonOf(cb)).toBe('invalid_state');
    // A second consent with the same state yields a fresh code, but the state is spent.
    expect(await reasonOf(await consent(state, realmId))).toBe('invalid_state');

    const denied = newTenantId();
    const deniedState = await startFlow(denied);
    expect(await reasonOf(`error=access_denied&state=${encodeURIComponent(deniedState)}`)).toBe(
      'access_denied',
    );
    expect(await reasonOf(await consent(deniedState, realmId))).toBe('invalid_state');
    await expectNothingStored(denied);
  });

  it('answers missing code or realm and an Intuit error with a reason, storing nothing', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    const missing = async (query: (state: string) => string) =>
      reasonOf(query(encodeURIComponent(await startFlow(tenantId))));
    expect(await missing((s) => `realmId=${realmId}&state=${s}`)).toBe('missing_code');
    expect(await missing((s) => `code=&realmId=${realmId}&state=${s}`)).toBe('missing_code');
    expect(await missing((s) => `code=AB11x&state=${s}`)).toBe('missing_code');
    expect(await missing((s) => `error=access_denied&state=${s}`)).toBe('access_denied');
    expect(await missing((s) => `error=server_error&code=x&state=${s}`)).toBe('intuit_error');
    // A code Intuit never issued is refused by Intuit itself.
    expect(await missing((s) => `code=AB11forged&realmId=${realmId}&state=${s}`)).toBe(
      'intuit_error',
    );
    await expectNothingStored(tenantId);
  });

  it('connects nothing when the callback names a company other than the one consented to', async () => {
    const owner = newTenantId('owner');
    const victimRealm = await stack.world.newCompany('Victim Co');
    await stack.connect(owner, victimRealm);
    const attacker = newTenantId('attacker');
    const ownRealm = await stack.world.newCompany('Attacker Co');
    // Well-formed ids of other companies: the code is exchanged, CompanyInfo proves it wrong.
    // A held company and a free one answer alike: the callback reveals nobody's customers.
    const expected: Record<string, string> = {
      [victimRealm]: 'intuit_error',
      [String(BigInt(ownRealm) + 1n)]: 'intuit_error',
    };
    for (const [realmId, reason] of Object.entries(expected)) {
      const cb = await consent(await startFlow(attacker), ownRealm);
      cb.searchParams.set('realmId', realmId);
      expect(await reasonOf(cb)).toBe(reason);
    }
    // Malformed ids never reach Intuit, DynamoDB keys or a QBO URL path: the code stays unused.
    const malformed = [
      `${ownRealm}/../${victimRealm}`,
      `${ownRealm}%2F..%2F${victimRealm}`,
      `${ownRealm}?minorversion=1`,
      '9'.repeat(2000),
      "' OR '1'='1",
    ];
    for (const realmId of malformed) {
      const cb = await consent(await startFlow(attacker), ownRealm);
      cb.searchParams.set('realmId', realmId);
      expect(await reasonOf(cb), realmId.slice(0, 40)).toBe('intuit_error');
      const code = cb.searchParams.get('code') ?? '';
      expect(stack.world.emulator.state.codes[code]?.usedAt).toBeUndefined();
    }
    await expectNothingStored(attacker);
    expect((await connections.get(owner))?.realmId).toBe(victimRealm);
  });

  it(`still accepts a state just before ${STATE_TTL_SECONDS / 60} minutes`, async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    const issuedAt = Date.now();
    const state = await startFlow(tenantId);
    timeIs(issuedAt + (STATE_TTL_SECONDS - 5) * 1000);
    expect(await reasonOf(await consent(state, realmId))).toBe('connected');
  });

  it(`refuses a state after ${STATE_TTL_SECONDS / 60} minutes, even with a fresh code`, async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    const state = await startFlow(tenantId);
    // Taken after the flow started, so the state is surely older than its lifetime below.
    const issuedAt = Date.now();
    // The admin left the consent page open: the code Intuit sends is new, the state is not.
    timeIs(issuedAt + (STATE_TTL_SECONDS + 1) * 1000);
    expect(await reasonOf(await consent(state, realmId))).toBe('invalid_state');
    await expectNothingStored(tenantId);
  });
});

describe('OAuth return URL: the callback never redirects off the portal', () => {
  const evil = [
    'https://evil.example/phish',
    '//evil.example/phish',
    '///evil.example',
    '\\\\evil.example',
    '/\\evil.example',
    'https:evil.example',
    'http:\\\\evil.example\\',
    'javascript:alert(document.domain)',
    'JaVaScRiPt:alert(1)',
    'java\tscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'https%3A%2F%2Fevil.example',
    '/portal/settings',
    'portal/settings',
    '',
  ];
  const onPortal = (suffix: string) => () => `${stack.api.url}${suffix}`;
  const disguised = [
    () => `${stack.api.url}@evil.example/`,
    () => `${stack.api.url}.evil.example/`,
    () => `${stack.api.url}%2F@evil.example/`,
    () => `${stack.api.url.replace('127.0.0.1', '127.0.0.1.nip.io')}/`,
    () => `https://${stack.api.url.slice('http://'.length)}/`,
    () => `https://portal.example@evil.example/`,
    // Credentials on the portal's own origin make a look-alike link: refused too.
    () => `http://evil.example@${stack.api.url.slice('http://'.length)}/portal`,
    () => `http://user:pass@${stack.api.url.slice('http://'.length)}/portal`,
  ];

  it.each(evil)('refuses %j with 400 naming returnUrl', async (returnUrl) => {
    const res = await stack.call(newTenantId(), 'POST', '/integrations/quickbooks/connect', {
      returnUrl,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 'return_url_not_allowed',
      issues: [{ path: 'returnUrl' }],
    });
  });

  it('refuses look-alikes of the portal origin (userinfo, suffixes, scheme, encodings)', async () => {
    for (const url of disguised) {
      const res = await stack.call(newTenantId(), 'POST', '/integrations/quickbooks/connect', {
        returnUrl: url(),
      });
      expect(res.status, url()).toBe(400);
    }
  });

  it('refuses every page of the portal origin that is not on the allow-list, however odd', async () => {
    const pages = [
      onPortal('/portal\\@evil.example'),
      onPortal('/portal/%2F%2Fevil.example'),
      onPortal('//evil.example/'),
      onPortal('/portal/../admin'),
      onPortal('/portal?next=https://evil.example#frag'),
      onPortal('/portal#quickbooks=confirm'),
      onPortal('/portal/\r\nSet-Cookie: x=1'),
      onPortal('/somewhere-else'),
    ];
    for (const page of pages) {
      const res = await stack.call(newTenantId(), 'POST', '/integrations/quickbooks/connect', {
        returnUrl: page(),
      });
      expect(res.status, page()).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'return_url_not_allowed' });
    }
  });

  it('takes an allowed page with a query, and returns to it with the result in the fragment', async () => {
    const tenantId = newTenantId();
    const state = await startFlow(tenantId, { returnUrl: onPortal('/portal?tab=quickbooks')() });
    const back = await callback(`error=access_denied&state=${encodeURIComponent(state)}`);
    expect(back.pathname).toBe('/portal');
    expect(back.search).toBe('?tab=quickbooks');
    expect(resultOf(back).get('reason')).toBe('access_denied');
  });

  it('for any return URL: a 400, or a callback that lands on the portal origin', async () => {
    const piece = fc.constantFrom(
      'http://',
      'https://',
      '//',
      '\\',
      '/',
      '@',
      ':',
      '.',
      '%2F',
      '%40',
      '%5C',
      '\t',
      '#',
      '?',
      'evil.example',
      'javascript:',
      '127.0.0.1',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(piece, { maxLength: 6 }),
        async (fromPortal, pieces) => {
          const returnUrl = `${fromPortal ? stack.api.url : ''}${pieces.join('')}`;
          const tenantId = newTenantId();
          const res = await stack.call(tenantId, 'POST', '/integrations/quickbooks/connect', {
            returnUrl,
          });
          if (res.status === 400) return;
          expect(res.status).toBe(200);
          const { authorizeUrl } = (await res.json()) as { authorizeUrl: string };
          const state = new URL(authorizeUrl).searchParams.get('state') ?? '';
          // `callback` checks the Location's origin and credentials.
          await callback(`error=access_denied&state=${encodeURIComponent(state)}`);
        },
      ),
      { numRuns: 60 },
    );
  });
});
