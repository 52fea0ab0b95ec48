import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { localGrantQueue } from '#shared/adapters/local/local-queues.ts';
import { LocalScheduleRegistry } from '#shared/adapters/local/local-schedule-registry.ts';
import { IntuitUnavailableError } from '#shared/oauth/errors.ts';
import { IntuitOAuthClient } from '#shared/oauth/intuit-oauth.ts';
import { TokenVault } from '#shared/oauth/token-vault.ts';
import { documentClient } from '#shared/store/dynamo.ts';
import { type DueGrant, GRANT_DEADLINES, GrantRepository } from '#shared/store/grant-repository.ts';
import { tenantProviderKeysTable } from '#shared/store/tables.ts';
import { TokenRepository } from '#shared/store/token-repository.ts';
import { REVOKE_OVERDUE_MS, sweepGrants } from '#shared/use-cases/sweep-grants.ts';
import { intuitServices } from '#shared/wiring/intuit-services.ts';
import { services } from '#shared/wiring/services.ts';
import { newTenantId } from '../support/local-api.ts';
import { QUEUE_WORK, resultOf, startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * "Disconnect always revokes", and so does every other way a grant can end up held by nobody:
 * each path below ends with the grant revoked at the emulator's Intuit, whatever failed on the
 * way (a lost job, a crash after the code exchange, a confirm that died half-way, a refresh racing
 * a disconnect).
 */

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});
afterAll(() => stack.close());

const grants = new GrantRepository(tenantProviderKeysTable.localName);

const grantsOf = (realmId: string) => stack.world.grantsOf(realmId);

/** Every grant of the company revoked at Intuit, once the queues have done their work. */
const allRevoked = (realmId: string) =>
  vi.waitFor(async () => {
    const statuses = await grantsOf(realmId);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 'revoked')).toBe(true);
  }, QUEUE_WORK);

/** The state of the tenant's grant record (one due within the hour), if it has one. */
async function grantState(tenantId: string) {
  for await (const due of grants.due(Date.now() + 3600_000)) {
    if (due.tenantId === tenantId) return due.state;
  }
  return undefined;
}

/** Moves the clock on (Date only: the local queues keep their real timers) and sweeps. */
async function sweepAfter(ms: number) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + ms);
  return sweepGrants(services());
}

const statusOf = async (tenantId: string) =>
  (await (await stack.call(tenantId, 'GET', '/integrations/quickbooks')).json()) as {
    status: string;
    realmId: string | null;
    revokedAtIntuit: boolean | null;
  };

/** A tenant connected to a company of its own. */
async function connectedTenant() {
  const tenantId = newTenantId();
  const company = await stack.world.newCompany();
  await stack.connect(tenantId, company);
  return { tenantId, company };
}

/** Intuit's revoke endpoint cannot be reached until the mocks are restored. */
const intuitRevokeDown = () =>
  vi
    .spyOn(IntuitOAuthClient.prototype, 'revoke')
    .mockRejectedValue(new IntuitUnavailableError('Intuit is down'));

/** The grant queue refuses every message. */
const sqsDown = () => {
  throw new Error('SQS unavailable');
};

const confirm = (tenantId: string, confirmation: string | null) =>
  stack.call(tenantId, 'POST', '/integrations/quickbooks/confirm', { confirmation });

describe('Every grant is revoked: the sweep', () => {
  it('revokes a consent nobody confirmed whose expiry job was lost', async () => {
    const tenantId = newTenantId();
    const company = await stack.world.newCompany();
    vi.spyOn(localGrantQueue, 'send').mockImplementation(() => undefined);
    await stack.consent(tenantId, company);
    vi.restoreAllMocks();
    expect(await grantsOf(company)).toEqual(['live']);
    // Before its deadline nothing happens; after it the sweep revokes it.
    // (The table is shared with other test files: sweeps may queue their grants too; what is
    // checked is this company's grant.)
    await sweepAfter(5 * 60_000);
    // The sweep moves a grant to 'revoke' before it queues its job: still pending, none was.
    expect(await grantState(tenantId)).toBe('pending');
    expect(await grantsOf(company)).toEqual(['live']);
    await sweepAfter(20 * 60_000);
    await allRevoked(company);
  });

  it('revokes the grant of a confirm that failed after taking it, and connects nothing', async () => {
    const tenantId = newTenantId();
    const company = await stack.world.newCompany();
    const back = await stack.consent(tenantId, company);
    vi.spyOn(LocalScheduleRegistry.prototype, 'upsert').mockRejectedValueOnce(
      new Error('Scheduler unavailable'),
    );
    const failed = await confirm(tenantId, resultOf(back).get('confirmation'));
    expect(failed.status).toBe(500);
    expect((await statusOf(tenantId)).status).toBe('disconnected');
    expect(await grantsOf(company)).toEqual(['live']);
    await sweepAfter(GRANT_DEADLINES.confirming + 60_000);
    await allRevoked(company);
    expect((await statusOf(tenantId)).status).toBe('disconnected');
  });

  it('queues again a refused confirmation whose revocation could not be queued', async () => {
    const tenantId = newTenantId();
    const company = await stack.world.newCompany();
    const back = await stack.consent(tenantId, company);
    vi.spyOn(localGrantQueue, 'send').mockImplementation(sqsDown);
    const intruder = await stack.api.issuer.mint(tenantId, { subject: 'someone-else' });
    const refused = await fetch(`${stack.api.url}/integrations/quickbooks/confirm`, {
      method: 'POST',
      headers: { authorization: `Bearer ${intruder}`, 'content-type': 'application/json' },
      body: JSON.stringify({ confirmation: resultOf(back).get('confirmation') }),
    });
    // The admin is still told what happened; the revocation waits on its record's deadline.
    expect(refused.status).toBe(403);
    vi.restoreAllMocks();
    expect(await grantsOf(company)).toEqual(['live']);
    await sweepAfter(GRANT_DEADLINES.revoke + 60_000);
    await allRevoked(company);
  });

  it("queues again a disconnect's revocation that Intuit and the queue both failed", async () => {
    const { tenantId, company } = await connectedTenant();
    intuitRevokeDown();
    vi.spyOn(localGrantQueue, 'send').mockImplementation(sqsDown);
    const res = await stack.call(tenantId, 'DELETE', '/integrations/quickbooks');
    expect(await res.json()).toMatchObject({ status: 'disconnected', revokedAtIntuit: false });
    vi.restoreAllMocks();
    expect((await statusOf(tenantId)).status).toBe('disconnected');
    expect(await grantsOf(company)).toEqual(['live']);
    await sweepAfter(GRANT_DEADLINES.revoke + 60_000);
    await allRevoked(company);
    await vi.waitFor(
      async () => expect((await statusOf(tenantId)).revokedAtIntuit).toBe(true),
      QUEUE_WORK,
    );
  });

  it('says when a revocation has waited over 6 hours, and keeps queuing it until Intuit answers', async () => {
    const { tenantId, company } = await connectedTenant();
    intuitRevokeDown();
    await stack.call(tenantId, 'DELETE', '/integrations/quickbooks');
    const early = await sweepAfter(GRANT_DEADLINES.revoke + 60_000);
    expect(early.revokesOverdue).not.toContain(tenantId);
    const late = await sweepAfter(REVOKE_OVERDUE_MS);
    expect(late.revokesOverdue).toContain(tenantId);
    vi.restoreAllMocks();
    await sweepAfter(GRANT_DEADLINES.requeued + 60_000);
    await allRevoked(company);
  });
});

describe('Every grant is revoked: the callback', () => {
  it.each([
    [
      'sealing it',
      () => vi.spyOn(TokenVault.prototype, 'seal').mockRejectedValueOnce(new Error('KMS down')),
    ],
    [
      'storing it',
      () => vi.spyOn(GrantRepository.prototype, 'put').mockRejectedValueOnce(new Error('DB down')),
    ],
    ['queuing its expiry', () => vi.spyOn(localGrantQueue, 'send').mockImplementationOnce(sqsDown)],
  ])('gives the grant back to Intuit when %s fails after the code exchange', async (_, fail) => {
    const tenantId = newTenantId();
    const company = await stack.world.newCompany();
    fail();
    const back = await stack.consent(tenantId, company);
    expect(resultOf(back).get('quickbooks')).toBe('error');
    expect(resultOf(back).get('reason')).toBe('internal_error');
    expect(resultOf(back).get('confirmation')).toBeNull();
    expect(await grantsOf(company)).toEqual(['revoked']);
  });
});

describe('Every grant is revoked: replaced grants and records', () => {
  it('revokes the live grant a confirm for another company replaces', async () => {
    const tenantId = newTenantId();
    const [first, second] = [await stack.world.newCompany(), await stack.world.newCompany()];
    // Two flows started before either was confirmed (two tabs), the second a confirmed switch.
    const one = await stack.consent(tenantId, first);
    const other = await stack.consent(tenantId, second, { switchCompany: true });
    expect((await confirm(tenantId, resultOf(one).get('confirmation'))).status).toBe(200);
    expect((await confirm(tenantId, resultOf(other).get('confirmation'))).status).toBe(200);
    await vi.waitFor(async () => expect(await grantsOf(first)).toEqual(['revoked']), QUEUE_WORK);
    expect(await grantsOf(second)).toEqual(['live']);
    // The live one is the connection's: a QBO call works.
    expect((await stack.call(tenantId, 'GET', '/integrations/quickbooks/accounts')).status).toBe(
      200,
    );
  });

  it('overwrites, never revokes, a grant a confirm for the same company replaces', async () => {
    const tenantId = newTenantId();
    const company = await stack.world.newCompany();
    const one = await stack.consent(tenantId, company);
    const again = await stack.consent(tenantId, company);
    expect((await confirm(tenantId, resultOf(one).get('confirmation'))).status).toBe(200);
    expect((await confirm(tenantId, resultOf(again).get('confirmation'))).status).toBe(200);
    // Whether Intuit's revoke of the first would end the second is undocumented: it is left to
    // expire unused (docs/qbo-facts.md#revocation). The connection works on the second.
    expect((await stack.call(tenantId, 'GET', '/integrations/quickbooks/accounts')).status).toBe(
      200,
    );
    expect(await grantsOf(company)).toEqual(['live', 'live']);
  });

  it('puts the grant on record before reading the company, so a callback ended there is swept', async () => {
    const tenantId = newTenantId();
    const company = await stack.world.newCompany();
    // QBO never answers the company read (the emulator holds it until the client gives up): the
    // moment a function could be ended there.
    await stack.world.admin('POST', `/_admin/companies/${company}/faults`, { kind: 'timeout' });
    const consenting = stack.consent(tenantId, company);
    // The emulator took the fault: the company read is held, and the grant is on record.
    await vi.waitFor(
      async () => {
        const res = await stack.world.admin('GET', `/_admin/companies/${company}/faults`);
        expect(await res.json()).toMatchObject({ pendingFaults: [] });
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(await grantState(tenantId)).toBe('pending');
    const back = await consenting;
    expect(resultOf(back).get('quickbooks')).toBe('error');
    // Had the function been ended there, the sweep would revoke it; here the callback did.
    expect(await grantsOf(company)).toEqual(['revoked']);
  });

  it('keeps a revocation record at least as long as a dead-letter queue keeps its job', async () => {
    const { tenantId } = await connectedTenant();
    intuitRevokeDown();
    const before = Date.now();
    await stack.call(tenantId, 'DELETE', '/integrations/quickbooks');
    let mine: DueGrant | undefined;
    for await (const due of grants.due(before + GRANT_DEADLINES.revoke + 60_000)) {
      if (due.tenantId === tenantId) mine = due;
    }
    expect(mine).toBeDefined();
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: tenantProviderKeysTable.localName,
        Key: { pk: `GRANT#${mine?.ref}`, sk: 'GRANT' },
      }),
    );
    // The grant worker keeps retrying for about eight hours, then the job waits 14 days in the
    // dead-letter queue; the record outlives both, and the refresh token's own expiry.
    expect(Item?.purgeAt * 1000).toBeGreaterThan(before + 15 * 86_400_000 - 60_000);
    expect(Item?.purgeAt * 1000).toBeGreaterThanOrEqual(Item?.refreshTokenExpiresAt);
  });

  it('never answers revokedAtIntuit while a refresh racing the disconnect holds a newer grant', async () => {
    const { tenantId, company } = await connectedTenant();
    const { vault } = await intuitServices();
    const tokens = new TokenRepository(tenantProviderKeysTable.localName);
    // A refresh that has its new pair from Intuit, and has not stored it yet.
    let release = () => {};
    const held = new Promise<void>((go) => {
      release = go;
    });
    let refreshedAtIntuit = () => {};
    const refreshed = new Promise<void>((done) => {
      refreshedAtIntuit = done;
    });
    const real = IntuitOAuthClient.prototype.refresh;
    vi.spyOn(IntuitOAuthClient.prototype, 'refresh').mockImplementationOnce(async function (
      this: IntuitOAuthClient,
      token: string,
    ) {
      const fresh = await real.call(this, token);
      refreshedAtIntuit();
      await held;
      return fresh;
    });
    const version = (await tokens.get(tenantId))?.version;
    const refreshing = vault.getAccessToken(tenantId, version);
    await refreshed;
    const leases = vi.spyOn(TokenRepository.prototype, 'acquireLease');
    const disconnecting = stack.call(tenantId, 'DELETE', '/integrations/quickbooks');
    // The disconnect meets the refresh's lease, and waits.
    await vi.waitFor(
      () => {
        const refused = leases.mock.calls.filter(
          ([tenant], i) =>
            tenant === tenantId &&
            leases.mock.settledResults[i]?.type === 'fulfilled' &&
            leases.mock.settledResults[i]?.value === undefined,
        );
        expect(refused.length).toBeGreaterThan(0);
      },
      { timeout: 5_000, interval: 10 },
    );
    release();
    await refreshing;
    const answer = (await (await disconnecting).json()) as { revokedAtIntuit: boolean };
    expect(answer.revokedAtIntuit).toBe(true);
    // What it said is true: Intuit holds no live grant of the company.
    expect((await grantsOf(company)).filter((g) => g !== 'revoked')).toEqual([]);
  });

  it('hands over, and revokes, a grant a confirm wrote while the disconnect was taking the old one', async () => {
    const { tenantId } = await connectedTenant();
    const other = await stack.world.newCompany('Switched Co');
    const { vault } = await intuitServices();
    const tokens = new TokenRepository(tenantProviderKeysTable.localName);
    // A grant for another company, written as a confirm of a switch writes it, just after the
    // disconnect read the old one under its lease.
    const granted = await stack.world.intuit.exchangeCode(await stack.world.consent(other));
    const real = TokenVault.prototype.takeForRevocation;
    vi.spyOn(TokenVault.prototype, 'takeForRevocation').mockImplementationOnce(async function (
      this: TokenVault,
      tenant: string,
    ) {
      const taken = await real.call(this, tenant);
      const { accessToken: _a, refreshToken: _r, ...expiries } = granted;
      await tokens.replace(tenant, {
        ...expiries,
        realmId: other,
        blob: await vault.seal(tenant, granted),
      });
      return taken;
    });
    const res = await stack.call(tenantId, 'DELETE', '/integrations/quickbooks');
    expect(await res.json()).toMatchObject({ status: 'disconnected', revokedAtIntuit: true });
    expect(await tokens.get(tenantId)).toBeUndefined();
    // The grant written meanwhile was not deleted unrevoked: it was handed over and revoked.
    expect(await grantsOf(other)).toEqual(['revoked']);
  });
});
