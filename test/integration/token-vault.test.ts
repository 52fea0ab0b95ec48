import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyWrapper } from '#shared/adapters/local/local-key-wrapper.ts';
import { IntuitUnavailableError, ReconnectRequiredError } from '#shared/oauth/errors.ts';
import { IntuitOAuthClient } from '#shared/oauth/intuit-oauth.ts';
import { TokenVault } from '#shared/oauth/token-vault.ts';
import type { KeyWrapper } from '#shared/ports/key-wrapper.ts';
import { tenantProviderKeysTable } from '#shared/store/tables.ts';
import { TokenRepository } from '#shared/store/token-repository.ts';
import { type IntuitWorld, startIntuitWorld } from '../support/intuit.ts';
import { newTenantId } from '../support/local-api.ts';

let world: IntuitWorld;
beforeAll(async () => {
  world = await startIntuitWorld();
});
afterAll(() => world.emulator.close());

const tokens = new TokenRepository(tenantProviderKeysTable.localName);
const keys = LocalKeyWrapper.ephemeral();

function vault(
  onReconnectRequired = async (_tenantId: string, _reason: string) => {},
  keyWrapper: KeyWrapper = keys,
) {
  return new TokenVault({
    tokens,
    keys: keyWrapper,
    intuit: world.intuit,
    clock: world.clock,
    onReconnectRequired,
  });
}

/** A tenant connected to a fresh emulator company through the real code exchange. */
async function connectedTenant() {
  const tenantId = newTenantId();
  const realmId = await world.newCompany();
  const granted = await world.intuit.exchangeCode(await world.consent(realmId));
  // As a confirmed connect stores it: sealed for the tenant, then written as the tenant's tokens.
  const { accessToken: _a, refreshToken: _r, ...expiries } = granted;
  await tokens.replace(tenantId, {
    ...expiries,
    realmId,
    blob: await vault().seal(tenantId, granted),
  });
  return { tenantId, realmId, granted };
}

/** Access tokens the emulator has issued for a company: 1 at connect, +1 per refresh. */
function issuedAccessTokens(realmId: string): number {
  const grants = Object.values(world.emulator.state.grants).filter((g) => g.realmId === realmId);
  return grants.reduce((n, g) => n + Object.keys(g.accessTokens).length, 0);
}

async function companyInfoStatus(realmId: string, accessToken: string) {
  const res = await fetch(`${world.emulator.url}/v3/company/${realmId}/companyinfo/${realmId}`, {
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
  });
  return res.status;
}

describe('TokenVault', () => {
  it('hands out the stored access token while it is valid, without calling Intuit', async () => {
    const { tenantId, realmId, granted } = await connectedTenant();
    const grant = await vault().getAccessToken(tenantId);
    expect(grant.accessToken).toBe(granted.accessToken);
    expect(grant.realmId).toBe(realmId);
    expect(issuedAccessTokens(realmId)).toBe(1);
  });

  it('opens a token once per process while it is fresh, and again after QBO refuses it', async () => {
    const { tenantId, realmId } = await connectedTenant();
    let unwraps = 0;
    const counting = vault(undefined, {
      generateDataKey: (context) => keys.generateDataKey(context),
      unwrap: (wrapped, context) => {
        unwraps += 1;
        return keys.unwrap(wrapped, context);
      },
    });
    const first = await counting.getAccessToken(tenantId);
    await counting.getAccessToken(tenantId);
    await counting.getAccessToken(tenantId);
    expect(unwraps).toBe(1);
    // QBO answered 401 to that token: the cache is skipped and the token refreshed.
    const second = await counting.getAccessToken(tenantId, first.version);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(issuedAccessTokens(realmId)).toBe(2);
    // Near its expiry a cached token is not handed out any more.
    world.emulator.clock.advance(3600);
    const third = await counting.getAccessToken(tenantId);
    expect(third.accessToken).not.toBe(second.accessToken);
  });

  it('refreshes exactly once at Intuit when 50 callers need a refresh at the same moment', async () => {
    const { tenantId, realmId } = await connectedTenant();
    world.emulator.clock.advance(3600);
    // Ten Lambdas (vault instances), five concurrent calls each.
    const lambdas = Array.from({ length: 10 }, () => vault());
    const grants = await Promise.all(
      Array.from({ length: 50 }, (_, i) => lambdas[i % 10]?.getAccessToken(tenantId)),
    );
    expect(issuedAccessTokens(realmId)).toBe(2);
    const distinct = new Set(grants.map((g) => g?.accessToken));
    expect(distinct.size).toBe(1);
    expect(await companyInfoStatus(realmId, [...distinct][0] as string)).toBe(200);
  });

  it('never stores an older token pair over a newer one when two refreshes race', async () => {
    const { tenantId, realmId } = await connectedTenant();
    world.emulator.clock.advance(3600);
    const stale = (await tokens.get(tenantId))?.version ?? 0;
    const [a, b] = await Promise.all([
      vault().getAccessToken(tenantId, stale),
      vault().getAccessToken(tenantId, stale),
    ]);
    expect(a.version).toBe(stale + 1);
    expect(b.version).toBe(stale + 1);
    expect(a.accessToken).toBe(b.accessToken);
    // A slow worker that read version `stale`, and whose lease expired and was taken again by
    // itself, still cannot write over the newer pair: the version check refuses it.
    const current = await tokens.get(tenantId);
    const lease = await tokens.acquireLease(tenantId, 'slow-worker', world.clock.now() + 60_000, 1);
    expect(lease?.version).toBe(stale + 1);
    const written = await tokens.saveRefreshed(tenantId, stale, 'slow-worker', {
      blob: current?.blob ?? ({} as never),
      accessTokenExpiresAt: 0,
      refreshTokenExpiresAt: 0,
      refreshTokenHardExpiresAt: null,
    });
    expect(written).toBe(false);
    expect((await tokens.get(tenantId))?.version).toBe(stale + 1);
    expect(issuedAccessTokens(realmId)).toBe(2);
  });

  it('refreshes a token QBO rejected even if it looks valid, once, when given its version', async () => {
    const { tenantId, realmId } = await connectedTenant();
    const first = await vault().getAccessToken(tenantId);
    const again = await vault().getAccessToken(tenantId, first.version);
    expect(again.accessToken).not.toBe(first.accessToken);
    const third = await vault().getAccessToken(tenantId, first.version);
    expect(third.accessToken).toBe(again.accessToken);
    expect(issuedAccessTokens(realmId)).toBe(2);
  });

  it('asks Intuit once and reports once when 50 callers meet a revoked grant', async () => {
    const { tenantId, realmId } = await connectedTenant();
    await world.admin('POST', `/_admin/companies/${realmId}/revoke`);
    world.emulator.clock.advance(3600);
    let refreshes = 0;
    const counting = {
      authorizeUrl: (s: string) => world.intuit.authorizeUrl(s),
      exchangeCode: (u: string) => world.intuit.exchangeCode(u),
      revoke: (t: string) => world.intuit.revoke(t),
      refresh: (t: string) => {
        refreshes += 1;
        return world.intuit.refresh(t);
      },
    };
    const reported: string[] = [];
    const lambdas = Array.from(
      { length: 10 },
      () =>
        new TokenVault({
          tokens,
          keys,
          intuit: counting,
          clock: world.clock,
          onReconnectRequired: async (t) => {
            reported.push(t);
          },
        }),
    );
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => lambdas[i % 10]?.getAccessToken(tenantId)),
    );
    expect(
      outcomes.every((o) => o.status === 'rejected' && o.reason instanceof ReconnectRequiredError),
    ).toBe(true);
    expect(refreshes).toBe(1);
    expect(reported).toEqual([tenantId]);
    // Later calls do not ask Intuit again until the tenant reconnects.
    await expect(lambdas[0]?.getAccessToken(tenantId)).rejects.toBeInstanceOf(
      ReconnectRequiredError,
    );
    expect(refreshes).toBe(1);
  });

  it('reports reconnect_required once, and stores nothing, when Intuit answers invalid_grant', async () => {
    const { tenantId, realmId } = await connectedTenant();
    expect((await world.admin('POST', `/_admin/companies/${realmId}/revoke`)).status).toBe(200);
    world.emulator.clock.advance(3600);
    const reported: string[] = [];
    const before = await tokens.get(tenantId);
    await expect(
      vault(async (t) => {
        reported.push(t);
      }).getAccessToken(tenantId),
    ).rejects.toBeInstanceOf(ReconnectRequiredError);
    expect(reported).toEqual([tenantId]);
    const after = await tokens.get(tenantId);
    expect(after?.version).toBe(before?.version);
    expect(after?.leaseOwner).toBeUndefined();
  });

  it('reports reconnect_required when the refresh token lapsed after 101 idle days', async () => {
    const { tenantId } = await connectedTenant();
    world.emulator.clock.advance(102 * 24 * 3600);
    const reported: string[] = [];
    await expect(
      vault(async (t) => {
        reported.push(t);
      }).getAccessToken(tenantId),
    ).rejects.toBeInstanceOf(ReconnectRequiredError);
    expect(reported).toEqual([tenantId]);
  });

  it('never marks the connection broken when the token endpoint cannot be reached', async () => {
    const { tenantId } = await connectedTenant();
    world.emulator.clock.advance(3600);
    const unreachable = new IntuitOAuthClient(
      {
        clientId: world.emulator.clientId,
        clientSecret: world.emulator.clientSecret,
        redirectUri: 'http://127.0.0.1:9/cb',
        environment: 'sandbox',
        // A token endpoint that refuses connections (nothing listens on port 9).
        oauthBaseUrl: 'http://127.0.0.1:9',
      },
      world.clock,
    );
    const reported: string[] = [];
    const broken = new TokenVault({
      tokens,
      keys,
      intuit: unreachable,
      clock: world.clock,
      onReconnectRequired: async (t) => {
        reported.push(t);
      },
    });
    await expect(broken.getAccessToken(tenantId)).rejects.toBeInstanceOf(IntuitUnavailableError);
    expect(reported).toEqual([]);
    expect((await tokens.get(tenantId))?.leaseOwner).toBeUndefined();
    // Once Intuit answers again, the same grant refreshes fine.
    expect((await vault().getAccessToken(tenantId)).accessToken).toBeTruthy();
  });
});
