import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '#shared/ports/clock.ts';
import { documentClient } from '#shared/store/dynamo.ts';
import { tenantPk } from '#shared/store/keys.ts';
import { QboError } from './faults.ts';

/** Options of a {@link RealmLimiter}. */
export interface RealmLimiterOptions {
  readonly tableName: string;
  readonly clock: Clock;
  /**
   * Requests in flight at once per company. Intuit answers 429 past 10 concurrent requests per
   * company and app (https://blogs.intuit.com/2016/08/08/idg-concurrent-api-use-changes-coming-soon/;
   * https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles). @default 10
   */
  readonly maxInFlight?: number;
  /**
   * QBO's quota of requests per company in any 60 seconds (Intuit: 500 per minute per realm ID,
   * batch requests included; same sources). @default 500
   */
  readonly perMinute?: number;
  /**
   * Requests a minute left unused, for clock skew between our window and QBO's and for other apps
   * connected to the same company: the limiter grants `perMinute - minuteMargin`. @default 20
   */
  readonly minuteMargin?: number;
  /**
   * QBO's quota of batch requests per company and app in any 60 seconds (Intuit: 40; each batch
   * also counts as one request toward `perMinute`). @default 40
   */
  readonly batchesPerMinute?: number;
  /** Batch requests a minute left unused, as `minuteMargin` is for requests. @default 2 */
  readonly batchMargin?: number;
  /**
   * How long a slot is leased: a holder that dies without releasing gives it back after this. It
   * must outlast the longest request (the client's timeout). @default 45 s
   */
  readonly leaseMs?: number;
  /** Longest a caller waits for a slot before giving up (the message is retried). @default 20 s */
  readonly maxWaitMs?: number;
  /** How often a caller re-reads the company's state while all its slots are taken. @default 50 ms */
  readonly pollMs?: number;
  /** How a caller waits (tests replace it to run on a moved clock). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Gives a slot back; never throws (a slot it fails to give back comes back when its lease ends). */
export type ReleaseSlot = () => Promise<void>;

/** The company's item in the sync-state table. */
interface LimitItem {
  /** Lease id → end of the lease (epoch ms): the requests in flight. */
  readonly leases?: Record<string, number>;
  /** Epoch second → requests granted in it: the sliding minute. */
  readonly sec?: Record<string, number>;
  /** Sum of `sec`. */
  readonly total?: number;
  /** Epoch ms before which nobody calls the company (set by a 429). */
  readonly pausedUntil?: number;
  /** Epoch second → batch requests granted in it: the sliding minute of batches. */
  readonly bsec?: Record<string, number>;
  /** Sum of `bsec`. */
  readonly btotal?: number;
}

/** A plain request, or a batch request (which also counts against the batch quota). */
export type SlotKind = 'request' | 'batch';

/** Seconds a granted request counts: a bucket covers a whole second, so 60 s plus that second. */
const WINDOW_SECONDS = 61;
/** Past this many buckets, a grant also drops the expired ones (keeps the item under 1.5 KB). */
const MAX_BUCKETS = 90;
/** At most this many leases and buckets are dropped per tidy-up update. */
const TIDY_BATCH = 90;

/**
 * QBO's per-company limits, shared by every Lambda through one DynamoDB item per company (sort key
 * `QBOLIMIT#<realmId>` under the tenant): at most {@link RealmLimiterOptions.maxInFlight} requests
 * in flight and at most `perMinute - minuteMargin` granted in any sliding 60 s (per-second buckets
 * counted for 61 s, so the bound holds for any window), and a "paused until" mark that a 429 sets
 * for that company only. Under the quota a burst goes out at QBO's concurrency, unpaced.
 *
 * A slot is a lease with an end: {@link RealmLimiter.acquire} returns the function that gives it
 * back, and a holder that crashes gives it back when the lease ends (the next caller that finds
 * the company full drops expired leases). TTL (`expiresAt`, a day after the last grant) only
 * clears idle companies' items; correctness never depends on it.
 *
 * Cost, measured in `test/integration/realm-limiter.test.ts`: **2 DynamoDB requests per QBO
 * request** when the company is not at a limit (one conditional `UpdateItem` grants the slot and
 * counts it in the minute, one `UpdateItem` releases it), plus one `UpdateItem` at most every
 * 30 s per busy company to drop expired buckets: 2.002 per request, measured at 5 requests a
 * second. A caller that finds the company at a limit spends a refused `UpdateItem` and a `GetItem`
 * per look (every `pollMs` while all slots are taken, once per window slide while over the quota)
 * and one more `UpdateItem` when it drops expired leases or buckets. Writes stay 1–2 WCU: the
 * item holds at most 10 leases and about 90 one-second buckets.
 */
export class RealmLimiter {
  /** @param options - see {@link RealmLimiterOptions} */
  constructor(private readonly options: RealmLimiterOptions) {}

  /**
   * Waits for a slot for a company and leases it.
   *
   * @param tenantId - the tenant that owns the company
   * @param realmId - the company
   * @param kind - a batch request takes a slot of the batch quota as well
   * @param maxWaitMs - longest to wait this time (default: the limiter's `maxWaitMs`)
   * @returns the function that releases the slot (call it when the request ends, however it ends)
   * @throws QboError `throttled` when no slot came within the wait limit
   */
  async acquire(
    tenantId: string,
    realmId: string,
    kind: SlotKind = 'request',
    maxWaitMs = this.options.maxWaitMs ?? 20_000,
  ): Promise<ReleaseSlot> {
    const { clock } = this.options;
    const deadline = clock.now() + maxWaitMs;
    const key = this.key(tenantId, realmId);
    for (;;) {
      const now = clock.now();
      const leaseId = randomBytes(6).toString('hex');
      const granted = await this.grant(key, leaseId, now, kind);
      if (granted) {
        // The first grant of a second (one caller at most) drops old buckets now and then.
        const second = String(Math.floor(now / 1000));
        const buckets = granted.sec ?? {};
        if (buckets[second] === 1 && Object.keys(buckets).length > MAX_BUCKETS) {
          await this.tidy(key, granted, now);
        }
        return () => this.release(key, leaseId);
      }
      const item = await this.read(key);
      if (item?.leases === undefined || item.sec === undefined || item.bsec === undefined) {
        await this.create(key);
        continue;
      }
      if (await this.tidy(key, item, now)) continue;
      const wait = this.waitFor(item, now, kind);
      if (now + wait > deadline) throw new QboError('throttled', 429, [], false);
      await (this.options.sleep ?? sleep)(wait);
    }
  }

  /**
   * Whether a request of this kind would get a slot now (one consistent read, nothing taken):
   * for a caller that prepares a batch only if one can go out soon.
   *
   * @param tenantId - the tenant that owns the company
   * @param realmId - the company
   * @param kind - a batch also needs room in the minute's batches
   */
  async hasRoom(tenantId: string, realmId: string, kind: SlotKind): Promise<boolean> {
    const now = this.options.clock.now();
    const item = await this.read(this.key(tenantId, realmId));
    if (!item) return true;
    const inWindow = (buckets: Record<string, number> | undefined) =>
      Object.entries(buckets ?? {})
        .filter(([second]) => Number(second) + WINDOW_SECONDS > Math.floor(now / 1000))
        .reduce((sum, [, n]) => sum + n, 0);
    const leases = Object.values(item.leases ?? {}).filter((end) => end > now).length;
    const budget = (this.options.perMinute ?? 500) - (this.options.minuteMargin ?? 20);
    return (
      (item.pausedUntil ?? 0) <= now &&
      leases < (this.options.maxInFlight ?? 10) &&
      inWindow(item.sec) < budget &&
      (kind !== 'batch' || inWindow(item.bsec) < this.batchBudget())
    );
  }

  /**
   * Pauses a company (QBO answered 429): nobody calls it for `seconds`; other companies go on.
   *
   * @param tenantId - the tenant that owns the company
   * @param realmId - the company
   * @param seconds - how long to stay away (Intuit: "wait 60 seconds before retrying")
   */
  async throttle(tenantId: string, realmId: string, seconds: number): Promise<void> {
    const until = this.options.clock.now() + seconds * 1000;
    try {
      await documentClient.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key(tenantId, realmId),
          // Also pushes TTL back, so an idle company's item is not deleted under its pause.
          UpdateExpression: 'SET pausedUntil = :until, expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(pausedUntil) OR pausedUntil < :until',
          ExpressionAttributeValues: {
            ':until': until,
            ':expires': Math.floor(until / 1000) + 86_400,
          },
        }),
      );
    } catch (err) {
      // A longer pause is already set.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  private key(tenantId: string, realmId: string) {
    return { pk: tenantPk(tenantId), sk: `QBOLIMIT#${realmId}` };
  }

  /**
   * One conditional update: a free slot, room in the minute (and for a batch in the minute's
   * batches), no pause → lease and count.
   */
  private async grant(
    key: object,
    leaseId: string,
    now: number,
    kind: SlotKind,
  ): Promise<LimitItem | undefined> {
    const perMinute = this.options.perMinute ?? 500;
    const batch = kind === 'batch';
    try {
      const { Attributes } = await documentClient.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: key,
          UpdateExpression: `SET leases.#lease = :leaseEnd, sec.#second = if_not_exists(sec.#second, :zero) + :one, ${batch ? 'bsec.#second = if_not_exists(bsec.#second, :zero) + :one, ' : ''}expiresAt = :expires ADD #total :one${batch ? ', btotal :one' : ''}`,
          ConditionExpression: `size(leases) < :maxInFlight AND #total < :budget AND pausedUntil <= :now${batch ? ' AND attribute_exists(bsec) AND btotal < :batchBudget' : ''}`,
          ExpressionAttributeNames: {
            '#lease': leaseId,
            '#second': String(Math.floor(now / 1000)),
            '#total': 'total',
          },
          ExpressionAttributeValues: {
            ':leaseEnd': now + (this.options.leaseMs ?? 45_000),
            ':zero': 0,
            ':one': 1,
            ':expires': Math.floor(now / 1000) + 86_400,
            ':maxInFlight': this.options.maxInFlight ?? 10,
            ':budget': perMinute - (this.options.minuteMargin ?? 20),
            ':now': now,
            ...(batch ? { ':batchBudget': this.batchBudget() } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return (Attributes ?? {}) as LimitItem;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  private batchBudget(): number {
    return (this.options.batchesPerMinute ?? 40) - (this.options.batchMargin ?? 2);
  }

  private async release(key: object, leaseId: string): Promise<void> {
    try {
      await documentClient.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: key,
          UpdateExpression: 'REMOVE leases.#lease',
          ExpressionAttributeNames: { '#lease': leaseId },
        }),
      );
    } catch {
      // The lease ends on its own.
    }
  }

  private async read(key: object): Promise<LimitItem | undefined> {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: this.options.tableName, Key: key, ConsistentRead: true }),
    );
    return Item as LimitItem | undefined;
  }

  /** Creates the company's item, or completes one a 429 created; keeps whatever is there. */
  private async create(key: object): Promise<void> {
    await documentClient.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: key,
        UpdateExpression:
          'SET leases = if_not_exists(leases, :empty), sec = if_not_exists(sec, :empty), #total = if_not_exists(#total, :zero), pausedUntil = if_not_exists(pausedUntil, :zero), bsec = if_not_exists(bsec, :empty), btotal = if_not_exists(btotal, :zero)',
        ExpressionAttributeNames: { '#total': 'total' },
        ExpressionAttributeValues: { ':empty': {}, ':zero': 0 },
      }),
    );
  }

  /**
   * Drops expired leases and buckets that left the window, if any, in one update that only
   * applies if nobody changed them meanwhile (else someone else tidied: fine).
   *
   * @returns whether there was anything to drop
   */
  private async tidy(key: object, item: LimitItem, now: number): Promise<boolean> {
    const nowSecond = Math.floor(now / 1000);
    const leases = Object.entries(item.leases ?? {}).filter(([, end]) => end <= now);
    const expired = ([second]: [string, number]) => Number(second) + WINDOW_SECONDS <= nowSecond;
    const drop = [
      ...leases.map(([id, end]) => ['leases', id, end] as const),
      ...Object.entries(item.sec ?? {})
        .filter(expired)
        .map(([second, n]) => ['sec', second, n] as const),
      ...Object.entries(item.bsec ?? {})
        .filter(expired)
        .map(([second, n]) => ['bsec', second, n] as const),
    ].slice(0, TIDY_BATCH);
    if (drop.length === 0) return false;
    const names: Record<string, string> = {};
    const values: Record<string, number> = { ':dropped': 0, ':bdropped': 0 };
    const paths = drop.map(([map, name, value], i) => {
      names[`#d${i}`] = name;
      values[`:d${i}`] = value;
      if (map === 'sec') values[':dropped'] = (values[':dropped'] ?? 0) - value;
      if (map === 'bsec') values[':bdropped'] = (values[':bdropped'] ?? 0) - value;
      return `${map}.#d${i}`;
    });
    try {
      await documentClient.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: key,
          UpdateExpression: `REMOVE ${paths.join(', ')} ADD #total :dropped, btotal :bdropped`,
          ConditionExpression: paths.map((path, i) => `${path} = :d${i}`).join(' AND '),
          ExpressionAttributeNames: { ...names, '#total': 'total' },
          ExpressionAttributeValues: values,
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
    return true;
  }

  /** How long until the company may have room again (nothing expired is left in `item`). */
  private waitFor(item: LimitItem, now: number, kind: SlotKind): number {
    if ((item.pausedUntil ?? 0) > now) return (item.pausedUntil ?? 0) - now;
    const waits = [0];
    const leaseEnds = Object.values(item.leases ?? {});
    if (leaseEnds.length >= (this.options.maxInFlight ?? 10)) {
      waits.push(Math.min(this.options.pollMs ?? 50, Math.min(...leaseEnds) - now));
    }
    const budget = (this.options.perMinute ?? 500) - (this.options.minuteMargin ?? 20);
    const seconds = Object.keys(item.sec ?? {}).map(Number);
    if ((item.total ?? 0) >= budget && seconds.length > 0) {
      waits.push((Math.min(...seconds) + WINDOW_SECONDS) * 1000 - now);
    }
    const batchSeconds = Object.keys(item.bsec ?? {}).map(Number);
    if (kind === 'batch' && (item.btotal ?? 0) >= this.batchBudget() && batchSeconds.length > 0) {
      waits.push((Math.min(...batchSeconds) + WINDOW_SECONDS) * 1000 - now);
    }
    // Jitter spreads the callers that wait for the same slot.
    return Math.max(...waits) + Math.random() * 10;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
