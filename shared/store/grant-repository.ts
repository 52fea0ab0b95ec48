import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { MESSAGE_RETENTION_DAYS } from '#shared/config/queues.ts';
import type { CompanyProfile } from '#shared/domain/company.ts';
import type { SealedBlob } from '#shared/oauth/envelope.ts';
import type { TokenExpiries } from '#shared/oauth/tokens.ts';
import { conditionHeld, documentClient } from './dynamo.ts';
import { GRANT_DEADLINE_INDEX } from './tables.ts';

/**
 * Where a grant that is not (or no longer) a tenant's connection stands. None of these is final:
 * each has a deadline ({@link GRANT_DEADLINES}), after which the hourly sweep (`sweepGrants`)
 * moves it to `revoke` and queues its revocation, whatever job was lost on the way.
 *
 * - `pending`: Intuit's callback exchanged the code; it waits for the admin who started the flow
 *   to confirm it (10 minutes).
 * - `confirming`: that admin's confirm took it; it becomes the tenant's connection in one
 *   transaction with the record's deletion, so a record still here after its deadline is a confirm
 *   that failed.
 * - `revoke`: it must be given back to Intuit (refused or expired confirmation, disconnect, a
 *   grant a newer one replaced); the grant worker revokes it and then deletes the record.
 */
export type GrantState = 'pending' | 'confirming' | 'revoke';

/** Why a grant is revoked. */
export type RevokeReason =
  | 'disconnect'
  | 'confirmation_mismatch'
  | 'different_company'
  | 'company_in_use'
  | 'expired'
  | 'confirm_failed'
  | 'replaced'
  | 'taken_over';

/** How long each state may last before the sweep acts, in ms. */
export const GRANT_DEADLINES = {
  /** A pending grant, after its confirmation expired (its `expire` job normally acts at once). */
  pending: 10 * 60_000,
  /** A confirm runs for seconds (API Gateway ends it after 30). */
  confirming: 10 * 60_000,
  /** A revocation's job normally runs within seconds. */
  revoke: 15 * 60_000,
  /** After the sweep queued a revocation again: due again by the next hourly sweep. */
  requeued: 50 * 60_000,
} as const;

/**
 * A grant record is kept at least this long (ms): longer than a dead-letter queue keeps the job
 * that names it, so a redriven job still finds it.
 */
export const GRANT_RECORD_KEPT_MS = (MESSAGE_RETENTION_DAYS + 1) * 86_400_000;

/**
 * A grant kept apart from any tenant's connection, sealed as in `tenant_provider_keys` (envelope
 * encryption under the `{tenantId, provider}` context of the tenant whose flow obtained it).
 */
export interface HeldGrant extends TokenExpiries {
  /** The record's id: a hash of the confirmation secret, or a revocation id. */
  readonly ref: string;
  readonly state: GrantState;
  /** The tenant whose flow obtained the grant (the encryption context). */
  readonly tenantId: string;
  readonly realmId: string;
  readonly blob: SealedBlob;
  /** Epoch ms after which a pending grant can no longer be confirmed. */
  readonly expiresAt: number;
  /** The admin who started the flow (pending grants). */
  readonly subject?: string;
  readonly companyName?: string;
  /** The company's settings, read with the grant (pending grants). */
  readonly company?: CompanyProfile;
  /** Where the browser went back to. */
  readonly returnUrl?: string;
  /** The admin allowed switching to another company when starting the flow. */
  readonly allowCompanySwitch?: boolean;
  /** Why it is revoked (state `revoke`). */
  readonly revokeReason?: RevokeReason;
  /** Epoch ms of its last change of state (set by the repository). */
  readonly stateAt?: number;
}

/** A grant whose deadline has passed, as the deadline index shows it (no token). */
export interface DueGrant {
  readonly ref: string;
  readonly state: GrantState;
  readonly stateAt: number;
  readonly tenantId: string;
}

/** The one partition of the deadline index. */
const SWEEP_PK = 'GRANT';
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Grants held outside a connection, in `tenant_provider_keys` (the only table whose readers may
 * hold tokens): pending confirmations and grants waiting to be revoked at Intuit. Each change of
 * state is one conditional write, so a confirm, an expiry and a revocation can never act on the same
 * grant twice. Every record carries its deadline on the `byDeadline` index, which projects no
 * token, and is purged by TTL only once its grant cannot be alive at Intuit (the refresh token's
 * expiry) and a dead-letter queue can no longer hold a job that names it.
 */
export class GrantRepository {
  /** @param tableName - the `tenant_provider_keys` table's physical name */
  constructor(private readonly tableName: string) {}

  private key(ref: string) {
    return { pk: `GRANT#${ref}`, sk: 'GRANT' };
  }

  /**
   * Stores a grant (a new pending confirmation, or a revocation).
   *
   * @param grant - the grant
   * @param now - epoch ms
   */
  async put(grant: HeldGrant, now: number): Promise<void> {
    await documentClient.send(
      new PutCommand({
        ...this.putItem(grant, now),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /**
   * The write of a new grant record, for a transaction (see {@link put}).
   *
   * @param grant - the grant
   * @param now - epoch ms
   */
  putItem(grant: HeldGrant, now: number) {
    const deadline =
      grant.state === 'pending'
        ? grant.expiresAt + GRANT_DEADLINES.pending
        : now + GRANT_DEADLINES[grant.state];
    const keptUntil = Math.max(grant.refreshTokenExpiresAt, now + GRANT_RECORD_KEPT_MS);
    return {
      TableName: this.tableName,
      Item: {
        ...this.key(grant.ref),
        ...grant,
        stateAt: now,
        sweepPk: SWEEP_PK,
        sweepAt: iso(deadline),
        purgeAt: Math.ceil(keptUntil / 1000),
      },
    };
  }

  /**
   * The deletion of a grant record that must still be in `state`, for a transaction (a confirm
   * that adopts it).
   *
   * @param ref - its id
   * @param state - the state it must be in
   */
  deleteItem(ref: string, state: GrantState) {
    return {
      TableName: this.tableName,
      Key: this.key(ref),
      ConditionExpression: '#state = :state',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':state': state },
    };
  }

  /**
   * Reads a grant.
   *
   * @param ref - its id
   */
  async get(ref: string): Promise<HeldGrant | undefined> {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(ref), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  /**
   * Moves a grant from one state to another, only if it is in `from` (and, when given, only while
   * it has or has not expired).
   *
   * @param ref - its id
   * @param from - the state it must be in
   * @param to - the new state
   * @param options - `now` (epoch ms); `expired`: require `expiresAt` to be past (true) or still
   *   ahead (false) of `now`; `revokeReason` to record
   * @returns the grant after the move, or `undefined` when it was not in that state
   */
  async move(
    ref: string,
    from: GrantState,
    to: Exclude<GrantState, 'pending'>,
    options: { now: number; expired?: boolean; revokeReason?: RevokeReason },
  ): Promise<HeldGrant | undefined> {
    let moved: Record<string, unknown> | undefined;
    const held = await conditionHeld(
      documentClient
        .send(
          new UpdateCommand({ ...this.moveInput(ref, from, to, options), ReturnValues: 'ALL_NEW' }),
        )
        .then(({ Attributes }) => {
          moved = Attributes;
        }),
    );
    return held && moved ? fromItem(moved) : undefined;
  }

  /**
   * Moves a grant past its deadline to `revoke`, only if it is still in `from`, without reading it
   * back (the sweep never receives a sealed grant).
   *
   * @param ref - its id
   * @param from - the state it was seen in
   * @param now - epoch ms
   * @param revokeReason - why
   * @returns whether it moved
   */
  retire(ref: string, from: GrantState, now: number, revokeReason: RevokeReason): Promise<boolean> {
    return conditionHeld(
      documentClient.send(
        new UpdateCommand(this.moveInput(ref, from, 'revoke', { now, revokeReason })),
      ),
    );
  }

  /** The update of {@link move} and {@link retire}. */
  private moveInput(
    ref: string,
    from: GrantState,
    to: Exclude<GrantState, 'pending'>,
    options: { now: number; expired?: boolean; revokeReason?: RevokeReason },
  ) {
    const timed = options.expired !== undefined;
    return {
      TableName: this.tableName,
      Key: this.key(ref),
      UpdateExpression: `SET #state = :to, stateAt = :now, sweepAt = :deadline${
        options.revokeReason ? ', revokeReason = :why' : ''
      }`,
      ConditionExpression: `#state = :from${
        timed ? (options.expired ? ' AND expiresAt <= :now' : ' AND expiresAt > :now') : ''
      }`,
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: {
        ':from': from,
        ':to': to,
        ':now': options.now,
        ':deadline': iso(options.now + GRANT_DEADLINES[to]),
        ...(options.revokeReason ? { ':why': options.revokeReason } : {}),
      },
    };
  }

  /**
   * Adds what the callback read of the company to its pending grant (before the confirmation is
   * handed out, so a grant is never confirmed without it).
   *
   * @param ref - the pending grant's id
   * @param companyName - CompanyInfo's name
   * @param company - the company's settings
   */
  async describe(ref: string, companyName: string, company: CompanyProfile): Promise<void> {
    await documentClient.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(ref),
        UpdateExpression: 'SET companyName = :name, company = :company',
        ConditionExpression: '#state = :pending',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':name': companyName,
          ':company': company,
          ':pending': 'pending',
        },
      }),
    );
  }

  /**
   * Gives a revocation the sweep queued again a new deadline, before the next hourly sweep.
   *
   * @param ref - its id
   * @param now - epoch ms
   * @returns whether it was still waiting to be revoked
   */
  postpone(ref: string, now: number): Promise<boolean> {
    return conditionHeld(
      documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(ref),
          UpdateExpression: 'SET sweepAt = :deadline',
          ConditionExpression: '#state = :revoke',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':revoke': 'revoke',
            ':deadline': iso(now + GRANT_DEADLINES.requeued),
          },
        }),
      ),
    );
  }

  /**
   * Every grant whose deadline has passed, from the deadline index (no token is read).
   *
   * @param now - epoch ms
   */
  async *due(now: number): AsyncGenerator<DueGrant> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await documentClient.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: GRANT_DEADLINE_INDEX,
          KeyConditionExpression: 'sweepPk = :grant AND sweepAt <= :now',
          ExpressionAttributeValues: { ':grant': SWEEP_PK, ':now': iso(now) },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        yield {
          ref: String(item.pk).slice('GRANT#'.length),
          state: item.state as GrantState,
          stateAt: Number(item.stateAt ?? 0),
          tenantId: String(item.tenantId),
        };
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }

  /**
   * Deletes a grant (revoked at Intuit, or now a tenant's connection).
   *
   * @param ref - its id
   */
  async delete(ref: string): Promise<void> {
    await documentClient.send(new DeleteCommand({ TableName: this.tableName, Key: this.key(ref) }));
  }
}

function fromItem(item: Record<string, unknown>): HeldGrant {
  const {
    pk: _pk,
    sk: _sk,
    purgeAt: _purge,
    sweepPk: _sweepPk,
    sweepAt: _sweepAt,
    ...grant
  } = item;
  return grant as unknown as HeldGrant;
}
