import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { localGrantQueue } from '#shared/adapters/local/local-queues.ts';
import { IntuitUnavailableError } from '#shared/oauth/errors.ts';
import { IntuitOAuthClient } from '#shared/oauth/intuit-oauth.ts';
import { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { RealmClaimRepository } from '#shared/store/realm-claim-repository.ts';
import { syncStateTable, tenantProviderKeysTable } from '#shared/store/tables.ts';
import { TokenRepository } from '#shared/store/token-repository.ts';
import { newTenantId } from '../support/local-api.ts';
import { QUEUE_WORK, resultOf, startTestStack, type TestStack } from '../support/local-stack.ts';
import { invoiceBody, pushInvoice } from '../support/push.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});
afterAll(() => stack.close());

const connections = new ConnectionRepository(syncStateTable.localName);
const tokens = new TokenRepository(tenantProviderKeysTable.localName);
const claims = new RealmClaimRepository(syncStateTable.localName);

interface ConnectionView {
  status: string;
  realmId: string | null;
  companyName: string | null;
  warning: string | null;
  revokedAtIntuit: boolean | null;
}

const statusOf = async (tenantId: string) =>
  (await (await stack.call(tenantId, 'GET', '/integrations/quickbooks')).json()) as ConnectionView;

const grantsOf = (realmId: string) => stack.world.grantsOf(realmId);

/** Sends `POST /integrations/quickbooks/confirm` with any bearer token (or none). */
function confirmWith(token: string | undefined, confirmation: string): Promise<Response> {
  return fetch(`${stack.api.url}/integrations/quickbooks/confirm`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ confirmation }),
  });
}

/**
 * Mallory (admin of tenant M) starts "Connect QuickBooks" and sends Intuit's genuine consent link
 * to Victor, who administers company X. Victor's browser approves on Intuit's page and follows the
 * redirects: the callback keeps the grant and sends his browser to the portal to confirm.
 */
async function victorApproves(mallory: string, companyX: string): Promise<string> {
  const started = await stack.call(mallory, 'POST', '/integrations/quickbooks/connect');
  const { authorizeUrl } = (await started.json()) as { authorizeUrl: string };
  // Victor's browser: Intuit's consent page, approved for company X, then the callback.
  const consent = new URL(authorizeUrl);
  consent.searchParams.set('auto_approve', companyX);
  const toCallback = await fetch(consent, { redirect: 'manual' });
  const callback = await fetch(toCallback.headers.get('location') ?? '', { redirect: 'manual' });
  expect(callback.status).toBe(302);
  const portal = new URL(callback.headers.get('location') ?? '');
  expect(resultOf(portal).get('quickbooks')).toBe('confirm');
  // Nothing is connected, and no company is held, until the right admin confirms.
  expect((await statusOf(mallory)).status).toBe('disconnected');
  expect(await tokens.get(mallory)).toBeUndefined();
  return resultOf(portal).get('confirmation') ?? '';
}

/** Each tenant's admin consents to the company, then all confirm at the same moment. */
async function consentThenConfirmAtOnce(tenants: string[], company: string): Promise<Response[]> {
  const pages = await Promise.all(tenants.map((tenantId) => stack.consent(tenantId, company)));
  return Promise.all(
    tenants.map((tenantId, i) =>
      stack.call(tenantId, 'POST', '/integrations/quickbooks/confirm', {
        confirmation: resultOf(pages[i]).get('confirmation'),
      }),
    ),
  );
}

describe('Connection hijack: only the admin who started a connection can finish it', () => {
  it.each([
    [
      'a token of his own tenant',
      (_m: string, victim: string) => ({ tenantId: victim, subject: undefined }),
    ],
    ["another user's token of Mallory's tenant", (m: string) => ({ tenantId: m, subject: 'bob' })],
  ])(
    'refuses Victor with %s, revokes the grant, and leaves X to its own tenant',
    async (_what, who) => {
      const mallory = newTenantId('m');
      const victim = newTenantId('x');
      const companyX = await stack.world.newCompany('Victor Co');
      const confirmation = await victorApproves(mallory, companyX);

      const { tenantId, subject } = who(mallory, victim);
      const token = await stack.api.issuer.mint(tenantId, subject ? { subject } : {});
      const refused = await confirmWith(token, confirmation);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ code: 'confirmation_mismatch' });

      // Mallory is not connected and cannot finish it either: the approval is gone.
      expect((await statusOf(mallory)).status).toBe('disconnected');
      const late = await stack.call(mallory, 'POST', '/integrations/quickbooks/confirm', {
        confirmation,
      });
      expect(late.status).toBe(410);
      expect(await late.json()).toMatchObject({ code: 'confirmation_expired' });
      // The grant Victor gave is revoked at Intuit.
      await vi.waitFor(
        async () => expect(await grantsOf(companyX)).toEqual(['revoked']),
        QUEUE_WORK,
      );
      // X's own tenant connects X normally.
      expect(resultOf(await stack.connect(victim, companyX)).get('quickbooks')).toBe('connected');
      expect(await statusOf(victim)).toMatchObject({ status: 'connected', realmId: companyX });
    },
  );

  it('refuses a confirm with no token before anything runs, and the approval still expires', async () => {
    const mallory = newTenantId('m');
    const companyX = await stack.world.newCompany('Victor Co');
    const confirmation = await victorApproves(mallory, companyX);
    const anonymous = await confirmWith(undefined, confirmation);
    expect(anonymous.status).toBe(401);
    // Ten minutes later nobody confirmed: the grant is given back to Intuit.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 11 * 60_000);
    await vi.waitFor(async () => expect(await grantsOf(companyX)).toEqual(['revoked']), QUEUE_WORK);
    const late = await stack.call(mallory, 'POST', '/integrations/quickbooks/confirm', {
      confirmation,
    });
    expect(late.status).toBe(410);
    expect((await statusOf(mallory)).status).toBe('disconnected');
  });

  it('answers an unknown or malformed confirmation with 410, never a 500', async () => {
    const tenantId = newTenantId();
    for (const confirmation of ['x', 'A'.repeat(43), '../../GRANT#x', '%00']) {
      const res = await stack.call(tenantId, 'POST', '/integrations/quickbooks/confirm', {
        confirmation,
      });
      expect(res.status, confirmation).toBe(410);
    }
    const tooLong = await stack.call(tenantId, 'POST', '/integrations/quickbooks/confirm', {
      confirmation: 'x'.repeat(200),
    });
    expect(tooLong.status).toBe(400);
  });
});

describe('One holder per company, proven by Intuit', () => {
  it('answers a held company and a free one alike at the callback (no probing)', async () => {
    const holder = newTenantId('h');
    const held = await stack.world.newCompany('Held Co');
    await stack.connect(holder, held);
    const prober = newTenantId('p');
    const free = await stack.world.newCompany('Prober Co');
    // The prober consents to its own company and swaps the realm in the callback.
    const reasons = [];
    for (const realmId of [held, String(BigInt(held) + 10_000n)]) {
      const started = await stack.call(prober, 'POST', '/integrations/quickbooks/connect');
      const consent = new URL(((await started.json()) as { authorizeUrl: string }).authorizeUrl);
      consent.searchParams.set('auto_approve', free);
      const callback = new URL(
        (await fetch(consent, { redirect: 'manual' })).headers.get('location') ?? '',
      );
      callback.searchParams.set('realmId', realmId);
      const back = await fetch(callback, { redirect: 'manual' });
      reasons.push(resultOf(back.headers.get('location') ?? '').get('reason'));
    }
    expect(reasons).toEqual(['intuit_error', 'intuit_error']);
  });

  it('lets exactly one of two simultaneous confirms for one company win', async () => {
    const company = await stack.world.newCompany('Race Co');
    const [a, b] = [newTenantId('a'), newTenantId('b')];
    const answers = await consentThenConfirmAtOnce([a, b], company);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const loser = answers[0]?.status === 409 ? answers[0] : answers[1];
    expect(await loser?.json()).toMatchObject({ code: 'company_in_use' });
    const statuses = [(await statusOf(a)).status, (await statusOf(b)).status].sort();
    expect(statuses).toEqual(['connected', 'disconnected']);
    // The loser's grant is given back; the winner's still works.
    await vi.waitFor(
      async () => expect((await grantsOf(company)).sort()).toEqual(['live', 'revoked']),
      QUEUE_WORK,
    );
  });

  it('lets a confirmed consent take over a company held only by a dead grant', async () => {
    const company = await stack.world.newCompany('Sold Co');
    const [old, next] = [newTenantId('old'), newTenantId('new')];
    await stack.connect(old, company);
    // The grant dies at Intuit, but nobody told us yet: the company is still held.
    await stack.world.admin('POST', `/_admin/companies/${company}/revoke`);
    expect(resultOf(await stack.connect(next, company)).get('reason')).toBe('company_in_use');
    // Intuit's Disconnect URL: the grant worker asks Intuit, which proves the grant dead.
    await fetch(`${stack.api.url}/oauth/quickbooks/disconnected?realmId=${company}`, {
      redirect: 'manual',
    });
    await vi.waitFor(
      async () => expect((await statusOf(old)).status).toBe('reconnect_required'),
      QUEUE_WORK,
    );
    expect(resultOf(await stack.connect(next, company)).get('quickbooks')).toBe('connected');
    const was = await statusOf(old);
    expect(was).toMatchObject({ status: 'disconnected' });
    expect(was.warning).toMatch(/connected to another TradelyHQ account/);
    expect(await tokens.get(old)).toBeUndefined();
  });

  it("takes over at once a company whose holder's own grant Intuit refused (invalid_grant)", async () => {
    const company = await stack.world.newCompany('Sold Co');
    const [old, next] = [newTenantId('old'), newTenantId('new')];
    await stack.connect(old, company);
    await stack.world.admin('POST', `/_admin/companies/${company}/revoke`);
    // The old holder's next QBO call meets Intuit's invalid_grant on its own refresh token.
    await stack.call(old, 'GET', '/integrations/quickbooks/accounts');
    expect((await statusOf(old)).status).toBe('reconnect_required');
    expect(resultOf(await stack.connect(next, company)).get('quickbooks')).toBe('connected');
    const was = await statusOf(old);
    expect(was.status).toBe('disconnected');
    expect(was.warning).toMatch(/connected to another TradelyHQ account/);
    // Its grant became a revocation (not deleted unrevoked): nothing of it is live at Intuit.
    expect(await tokens.get(old)).toBeUndefined();
    await vi.waitFor(
      async () => expect(await grantsOf(company)).toEqual(['revoked', 'live']),
      QUEUE_WORK,
    );
  });

  it('never takes over a lapsed subscription, however long it lasts', async () => {
    const company = await stack.world.newCompany('Lapsed Co');
    const [old, next] = [newTenantId('old'), newTenantId('new')];
    await stack.connect(old, company);
    await stack.world.admin('POST', `/_admin/companies/${company}/lapse`);
    await pushInvoice(stack, old, 'inv_1', invoiceBody());
    await vi.waitFor(
      async () => expect((await statusOf(old)).status).toBe('subscription_lapsed'),
      QUEUE_WORK,
    );
    // Lapsed for 31 days already (time alone never makes a hold dead), and just renewed, so Intuit
    // lets another tenant's admin consent again, while the old holder has not reconnected yet.
    const lapsedSince = new Date(Date.now() - 31 * 86_400_000).toISOString();
    await connections.patch(old, { reconnectRequiredAt: lapsedSince });
    await stack.world.admin('POST', `/_admin/companies/${company}/reactivate`);
    expect(resultOf(await stack.connect(next, company)).get('reason')).toBe('company_in_use');
    expect((await statusOf(old)).status).toBe('subscription_lapsed');
    expect(await tokens.get(old)).toMatchObject({ realmId: company });
    // Nor a holder marked for a reconnect without Intuit saying its grant is dead (an operator's
    // prompt): its grant still works.
    await connections.patch(old, { status: 'reconnect_required' });
    expect(resultOf(await stack.connect(next, company)).get('reason')).toBe('company_in_use');
    await vi.waitFor(
      async () => expect((await grantsOf(company)).filter((g) => g === 'live')).toHaveLength(1),
      QUEUE_WORK,
    );
  });

  it('lets one of a reconnect and a takeover win, and tells the other', async () => {
    const company = await stack.world.newCompany('Contested Co');
    const [old, next] = [newTenantId('old'), newTenantId('new')];
    await stack.connect(old, company);
    await stack.world.admin('POST', `/_admin/companies/${company}/revoke`);
    await stack.call(old, 'GET', '/integrations/quickbooks/accounts');
    expect((await statusOf(old)).status).toBe('reconnect_required');
    // Both consent, then both confirm at the same moment.
    const answers = await consentThenConfirmAtOnce([old, next], company);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = answers[0]?.status === 200 ? old : next;
    const loser = winner === old ? next : old;
    expect(await statusOf(winner)).toMatchObject({ status: 'connected', realmId: company });
    expect((await statusOf(loser)).status).toBe('disconnected');
    if (loser === old) expect((await statusOf(old)).warning).toMatch(/another TradelyHQ account/);
    // One live grant at Intuit, the winner's; the company's webhooks reach the winner.
    await vi.waitFor(
      async () => expect((await grantsOf(company)).filter((g) => g === 'live')).toHaveLength(1),
      QUEUE_WORK,
    );
    expect(await claims.holder(company)).toBe(winner);
  });
});

describe('Disconnect always revokes', () => {
  it('keeps the grant sealed when Intuit is down, and revokes it from the queue later', async () => {
    const tenantId = newTenantId();
    const company = await stack.world.newCompany();
    await stack.connect(tenantId, company);
    const real = IntuitOAuthClient.prototype.revoke;
    let calls = 0;
    vi.spyOn(IntuitOAuthClient.prototype, 'revoke').mockImplementation(function (
      this: IntuitOAuthClient,
      token: string,
    ) {
      calls += 1;
      if (calls <= 2) return Promise.reject(new IntuitUnavailableError('network error'));
      return real.call(this, token);
    });
    const res = await stack.call(tenantId, 'DELETE', '/integrations/quickbooks');
    expect(await res.json()).toMatchObject({ status: 'disconnected', revokedAtIntuit: false });
    // The keys are gone at once; the refresh token waits, sealed, for Intuit.
    expect(await tokens.get(tenantId)).toBeUndefined();
    expect(await grantsOf(company)).toEqual(['live']);
    await vi.waitFor(
      async () => expect((await statusOf(tenantId)).revokedAtIntuit).toBe(true),
      QUEUE_WORK,
    );
    expect(calls).toBe(3);
    expect(await grantsOf(company)).toEqual(['revoked']);
    expect(localGrantQueue.deadLettered()).toEqual([]);
  });
});
