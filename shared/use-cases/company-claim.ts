import { randomUUID } from 'node:crypto';
import type { Connection } from '#shared/domain/connection.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';
import type { TransactItem } from '#shared/store/dynamo.ts';
import type { GrantRepository } from '#shared/store/grant-repository.ts';
import type { RealmClaimRepository } from '#shared/store/realm-claim-repository.ts';
import type { StoredTokens, TokenRepository } from '#shared/store/token-repository.ts';

/** What planning a claim reads. */
export interface CompanyClaimDeps {
  readonly claims: RealmClaimRepository;
  readonly connections: ConnectionRepository;
  readonly tokens: TokenRepository;
  readonly grants: GrantRepository;
}

/** A dead hold taken over: whose, and the revocation its grant becomes (if it held one). */
export interface TakeOver {
  readonly tenantId: string;
  readonly revokeRef?: string;
}

/**
 * How a confirm may claim a company: refused (another tenant's hold is alive), or the writes that
 * claim it, to go into the confirm's one transaction with everything they depend on, so that a
 * reconnect of the old holder and a takeover cannot both win.
 */
export type ClaimPlan =
  | { readonly refused: true }
  | { readonly refused: false; readonly items: TransactItem[]; readonly takeOver?: TakeOver };

/**
 * Whether a holder's hold on its company is dead, as Intuit itself said so: Intuit refused the
 * holder's own grant (`invalid_grant`, kept on its token row), or confirmed through the Disconnect
 * URL that the app was disconnected inside QuickBooks. Never a lapsed subscription (the grant still
 * works, the company is still theirs), never time alone.
 */
function isDead(connection: Connection, tokens: StoredTokens | undefined): boolean {
  if (connection.status !== 'reconnect_required') return false;
  return Boolean(connection.disconnectedInQuickBooksAt) || Boolean(tokens?.deadReason);
}

/**
 * Plans the claim of a company by a tenant whose consent Intuit proved. One holder per company:
 *
 * - nobody holds it, or the tenant itself: the claim item is written, only if that is still so;
 * - the claim names a tenant that is now elsewhere (disconnected, or connected to another company):
 *   a stale claim, taken while that stays so; that tenant's own connection and tokens are not
 *   touched;
 * - the holder's grant is dead at Intuit: taken over, only while its connection is still in the
 *   state read; its connection becomes `disconnected` (the status says why) and its tokens for
 *   this company become a revocation instead of being deleted;
 * - otherwise refused.
 *
 * Connections made before claims existed are found on the realm index.
 *
 * @param deps - see {@link CompanyClaimDeps}
 * @param tenantId - the claiming tenant
 * @param realmId - the company
 * @param now - epoch ms
 */
export async function planClaim(
  deps: CompanyClaimDeps,
  tenantId: string,
  realmId: string,
  now: number,
): Promise<ClaimPlan> {
  const holder = await deps.claims.holder(realmId);
  const others = holder
    ? holder === tenantId
      ? []
      : [holder]
    : (await deps.connections.tenantsOfRealm(realmId))
        .filter((c) => c.tenantId !== tenantId && c.status !== 'disconnected')
        .map((c) => c.tenantId);
  const [other, ...more] = others;
  const items: TransactItem[] = [
    {
      Put: deps.claims.claimItem(
        realmId,
        tenantId,
        holder && holder !== tenantId ? holder : undefined,
        now,
      ),
    },
  ];
  if (!other) return { refused: false, items };
  if (more.length > 0) return { refused: true };

  const held = await deps.connections.get(other);
  if (!held || held.realmId !== realmId || held.status === 'disconnected') {
    items.push({ ConditionCheck: deps.connections.notOnRealmItem(other, realmId) });
    return { refused: false, items };
  }
  const tokens = await deps.tokens.get(other);
  if (!isDead(held, tokens)) return { refused: true };
  items.push({ Update: deps.connections.takenOverItem(other, realmId, held.status, now) });
  if (!tokens || tokens.realmId !== realmId)
    return { refused: false, items, takeOver: { tenantId: other } };
  const revokeRef = `taken-over-${other}-${randomUUID()}`;
  items.push(
    { Delete: deps.tokens.deleteItem(other, tokens.version) },
    {
      Put: deps.grants.putItem(
        {
          ref: revokeRef,
          state: 'revoke',
          revokeReason: 'taken_over',
          tenantId: other,
          realmId,
          blob: tokens.blob,
          accessTokenExpiresAt: tokens.accessTokenExpiresAt,
          refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
          refreshTokenHardExpiresAt: tokens.refreshTokenHardExpiresAt,
          expiresAt: now,
        },
        now,
      ),
    },
  );
  return { refused: false, items, takeOver: { tenantId: other, revokeRef } };
}
