import { randomUUID } from 'node:crypto';
import {
  type Connection,
  type ConnectionView,
  toConnectionView,
} from '#shared/domain/connection.ts';
import { AppError, UnauthenticatedError } from '#shared/errors.ts';
import type { TokenExpiries } from '#shared/oauth/tokens.ts';
import { logger } from '#shared/observability/logger.ts';
import type { GrantQueue } from '#shared/ports/grant-queue.ts';
import type { ScheduleRegistry } from '#shared/ports/schedule-registry.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { type TransactItem, writeTogether } from '#shared/store/dynamo.ts';
import type { GrantRepository, HeldGrant, RevokeReason } from '#shared/store/grant-repository.ts';
import type { RealmClaimRepository } from '#shared/store/realm-claim-repository.ts';
import type { TokenRepository } from '#shared/store/token-repository.ts';
import { type AfterReconnectDeps, afterReconnect } from './after-reconnect.ts';
import { planClaim } from './company-claim.ts';
import { confirmationRef } from './receive-consent.ts';
import { queueRevocation } from './revoke-held-grant.ts';

/** What {@link confirmConnect} needs (and {@link afterReconnect}, which it runs once connected). */
export interface ConfirmConnectDeps extends AfterReconnectDeps {
  readonly connections: ConnectionRepository;
  readonly claims: RealmClaimRepository;
  readonly grants: GrantRepository;
  readonly grantQueue: GrantQueue;
  readonly tokens: TokenRepository;
  readonly schedules: ScheduleRegistry;
  readonly config: { readonly defaultTimezone: string };
}

/** Who is confirming: the tenant and the user (`sub`) of the verified token. */
export interface Confirmer {
  readonly tenantId: string;
  readonly subject: string;
}

/**
 * `POST /integrations/quickbooks/confirm`: the admin who started "Connect QuickBooks" finishes it.
 * The pending grant is taken by one conditional write, so it is confirmed at most once. Only the
 * same tenant **and** the same user who started the flow can confirm; anyone else's attempt
 * cancels it, and the grant is revoked at Intuit at once (someone sent the consent link to another
 * person). Then the company is claimed by one conditional write (one holder per company, proven by
 * Intuit's consent), the sealed tokens become the tenant's, the nightly schedule is set and the
 * connection recorded. Reconnecting to the same company keeps everything else (mappings, invoices,
 * settings); a different company needs the admin's confirmation given when the flow started.
 *
 * @param deps - see {@link ConfirmConnectDeps}
 * @param caller - tenant and user of the verified token
 * @param confirmation - the secret from `#quickbooks=confirm&confirmation=`
 * @returns the connection, as `GET /integrations/quickbooks` shows it
 * @throws AppError `confirmation_expired` (410), `confirmation_mismatch` (403),
 *   `different_company` (409), `company_in_use` (409)
 */
export async function confirmConnect(
  deps: ConfirmConnectDeps,
  caller: Confirmer,
  confirmation: string,
): Promise<ConnectionView> {
  if (!caller.subject) throw new UnauthenticatedError('The token names no user (claim "sub").');
  const now = deps.clock.now();
  const ref = confirmationRef(confirmation);
  const grant = await deps.grants.move(ref, 'pending', 'confirming', { now, expired: false });
  if (!grant) {
    throw new AppError(
      'gone',
      'confirmation_expired',
      'This QuickBooks approval is no longer valid: it was already used, or is older than ' +
        '10 minutes. Click Connect QuickBooks again.',
    );
  }
  if (grant.tenantId !== caller.tenantId || grant.subject !== caller.subject) {
    logger.warn('QuickBooks confirmation by someone other than who started it', {
      tenantId: caller.tenantId,
      startedBy: grant.tenantId,
      realmId: grant.realmId,
    });
    await refuse(deps, grant, 'confirmation_mismatch');
    throw new AppError(
      'forbidden',
      'confirmation_mismatch',
      'Only the admin who clicked Connect QuickBooks can finish connecting. This approval has ' +
        'been cancelled and given back to Intuit.',
    );
  }
  const tenantId = grant.tenantId;
  const previous = await deps.connections.get(tenantId);
  if (previous && previous.realmId !== grant.realmId && !grant.allowCompanySwitch) {
    await refuse(deps, grant, 'different_company');
    throw new AppError(
      'conflict',
      'different_company',
      `That is a different QuickBooks company from ${previous.companyName}, connected before. ` +
        'Start again and confirm the switch to connect another company.',
    );
  }
  const claim = await planClaim(deps, tenantId, grant.realmId, now);
  if (claim.refused) return refuseInUse(deps, grant);

  const sameCompany = previous?.realmId === grant.realmId;
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const connection: Connection = {
    tenantId,
    status: 'connected',
    realmId: grant.realmId,
    companyName: grant.companyName ?? '',
    company: grant.company ?? null,
    connectedAt: new Date(now).toISOString(),
    refreshTokenExpiresAt: iso(grant.refreshTokenExpiresAt),
    refreshTokenHardExpiresAt: iso(grant.refreshTokenHardExpiresAt),
    timezone: previous?.timezone ?? deps.config.defaultTimezone,
    incomeAccountId: sameCompany ? (previous?.incomeAccountId ?? null) : null,
    taxCodeMap: sameCompany ? (previous?.taxCodeMap ?? null) : null,
    reconnectReason: null,
    lastReconcile: sameCompany ? (previous?.lastReconcile ?? null) : null,
    // A reconnect catches up from where the company's changes were last seen.
    changesCaughtUpTo: sameCompany
      ? (previous?.changesCaughtUpTo ?? previous?.connectedAt ?? null)
      : null,
  };
  // The schedule first: a connection is never shown as connected without its nightly reconcile.
  await deps.schedules.upsert(tenantId, connection.timezone);
  const replacedRef = await adopt(deps, grant, connection, claim.items, now).catch(
    async (err: unknown) => {
      // Refused in the transaction: the schedule just set goes too, unless a connection had it.
      if (!previous || previous.status === 'disconnected') {
        await deps.schedules.delete(tenantId).catch(() => undefined);
      }
      throw err;
    },
  );
  if (previous && previous.realmId !== grant.realmId) {
    await deps.claims.release(previous.realmId, tenantId);
  }
  if (replacedRef) await queueRevocation(deps.grantQueue, replacedRef, tenantId);
  const takenFrom = claim.takeOver?.tenantId;
  if (claim.takeOver) {
    await deps.schedules.delete(claim.takeOver.tenantId);
    if (claim.takeOver.revokeRef) {
      await queueRevocation(deps.grantQueue, claim.takeOver.revokeRef, claim.takeOver.tenantId);
    }
    logger.warn('QuickBooks company taken over from a dead connection', {
      tenantId: claim.takeOver.tenantId,
      realmId: grant.realmId,
    });
  }
  // Parked pushes go out again; changes missed while disconnected are caught up.
  await afterReconnect(deps, tenantId);
  logger.info('QuickBooks connected', {
    tenantId,
    realmId: grant.realmId,
    sameCompany,
    previous: previous?.status,
    tookOverFrom: takenFrom,
    replacedGrant: replacedRef !== undefined,
  });
  return toConnectionView(connection, now);
}

/** Times a confirm re-reads the tenant's tokens when a refresh changed them under it. */
const ADOPT_ATTEMPTS = 3;

/**
 * One transaction makes the grant the tenant's connection: its tokens into the tenant's row, its
 * record deleted, the connection written, the company claimed (and a dead holder's hold ended,
 * see {@link planClaim}), and the grant it replaces (the tenant's earlier one, for another
 * company) kept as a revocation. So a confirm that fails anywhere before leaves its grant `confirming` (the sweep
 * revokes it), one that succeeds leaves no grant unaccounted for, and a takeover and the old
 * holder's reconnect cannot both win.
 *
 * @returns the id of the revocation of the replaced grant, if there was one
 * @throws AppError `confirmation_expired` when the grant is no longer `confirming` (the sweep took
 *   it after a confirm that ran past its deadline); `company_in_use` when the claim lost a race
 */
async function adopt(
  deps: ConfirmConnectDeps,
  grant: HeldGrant,
  connection: Connection,
  claimItems: readonly TransactItem[],
  now: number,
): Promise<string | undefined> {
  const tenantId = grant.tenantId;
  for (let attempt = 1; ; attempt += 1) {
    const held = await deps.tokens.get(tenantId);
    // The grant replaced is revoked when it is for another company. One for the same company is
    // only overwritten: whether Intuit's revoke of one grant ends the app's other grants for that
    // company is undocumented (docs/qbo-facts.md#revocation), and if it does, revoking the old one
    // would end the connection being made.
    const replacedRef =
      held && held.realmId !== grant.realmId ? `replaced-${tenantId}-${randomUUID()}` : undefined;
    // The first three in this order: a refusal is told apart by its index.
    const refused = await writeTogether([
      {
        Update: deps.tokens.replaceItem(
          tenantId,
          { realmId: grant.realmId, blob: grant.blob, ...expiriesOf(grant) },
          held ? held.version : null,
        ),
      },
      { Delete: deps.grants.deleteItem(grant.ref, 'confirming') },
      { Put: deps.connections.putItem(connection) },
      ...claimItems,
      ...(held && replacedRef
        ? [
            {
              Put: deps.grants.putItem(
                {
                  ref: replacedRef,
                  state: 'revoke',
                  revokeReason: 'replaced',
                  tenantId,
                  realmId: held.realmId,
                  blob: held.blob,
                  ...expiriesOf(held),
                  expiresAt: now,
                },
                now,
              ),
            },
          ]
        : []),
    ]);
    if (refused.length === 0) return replacedRef;
    if (refused.includes(1)) {
      throw new AppError(
        'gone',
        'confirmation_expired',
        'This QuickBooks approval took too long to finish and has been given back to Intuit. ' +
          'Click Connect QuickBooks again.',
      );
    }
    // The claim lost a race: another tenant, or the old holder's reconnect, won the company.
    if (refused.some((i) => i >= 3)) await refuseInUse(deps, grant);
    // The tenant's tokens changed since they were read (a refresh): read them again.
    if (attempt >= ADOPT_ATTEMPTS)
      throw new Error('The tenant tokens kept changing during a confirm');
  }
}

const expiriesOf = (t: TokenExpiries) => ({
  accessTokenExpiresAt: t.accessTokenExpiresAt,
  refreshTokenExpiresAt: t.refreshTokenExpiresAt,
  refreshTokenHardExpiresAt: t.refreshTokenHardExpiresAt,
});

/**
 * The company is another tenant's (or another tenant won it at the same moment): the grant goes
 * back to Intuit and the admin is told.
 *
 * @throws AppError `company_in_use`, always
 */
async function refuseInUse(deps: ConfirmConnectDeps, grant: HeldGrant): Promise<never> {
  await refuse(deps, grant, 'company_in_use');
  throw new AppError(
    'conflict',
    'company_in_use',
    'That QuickBooks company is connected to another TradelyHQ account. It must be ' +
      'disconnected there first.',
  );
}

/** A refused confirmation: the grant goes back to Intuit, now. */
async function refuse(
  deps: ConfirmConnectDeps,
  grant: HeldGrant,
  revokeReason: RevokeReason,
): Promise<void> {
  await deps.grants.move(grant.ref, 'confirming', 'revoke', {
    now: deps.clock.now(),
    revokeReason,
  });
  await queueRevocation(deps.grantQueue, grant.ref, grant.tenantId);
}
