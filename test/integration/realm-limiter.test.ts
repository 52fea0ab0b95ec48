import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '#shared/ports/clock.ts';
import { QboError } from '#shared/qbo/faults.ts';
import {
  RealmLimiter,
  type RealmLimiterOptions,
  type ReleaseSlot,
} from '#shared/qbo/realm-limiter.ts';
import { documentClient } from '#shared/store/dynamo.ts';
import { syncStateTable } from '#shared/store/tables.ts';
import { newTenantId } from '../support/local-api.ts';

/**
 * The per-company limiter on a real DynamoDB: QBO's 10 requests in flight and 500 a minute,
 * shared by every instance (every Lambda), leases that come back, and 429 pauses per company.
 */

/** A clock the test moves; waits in the limiter take a few real milliseconds whatever they ask. */
function movedClock(start = 1_800_000_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, advance: (ms) => (now += ms) };
}

function limiter(clock: Clock, options: Partial<RealmLimiterOptions> = {}): RealmLimiter {
  return new RealmLimiter({
    tableName: syncStateTable.localName,
    clock,
    sleep: () => new Promise((r) => setTimeout(r, 5)),
    ...options,
  });
}

/** Whether a promise is still pending after a few real milliseconds. */
async function pending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const first = await Promise.race([promise, new Promise((r) => setTimeout(() => r(marker), 100))]);
  return first === marker;
}

async function take(l: RealmLimiter, tenantId: string, realmId: string, n: number) {
  const releases: ReleaseSlot[] = [];
  for (let i = 0; i < n; i += 1) releases.push(await l.acquire(tenantId, realmId));
  return releases;
}

afterEach(() => vi.restoreAllMocks());

describe('RealmLimiter on DynamoDB', () => {
  it('lets 10 requests of a company fly at once, and the 11th waits until one ends', async () => {
    const clock = movedClock();
    const l = limiter(clock);
    const tenantId = newTenantId();
    const releases = await Promise.all(
      Array.from({ length: 10 }, () => l.acquire(tenantId, 'realm-1')),
    );
    const eleventh = l.acquire(tenantId, 'realm-1');
    expect(await pending(eleventh)).toBe(true);
    await releases[3]?.();
    const release = await eleventh;
    await release();
    await Promise.all(releases.map((r) => r()));
  });

  it('grants a burst under the minute quota at once, and blocks past it until the window slides', async () => {
    const clock = movedClock();
    const l = limiter(clock, { perMinute: 500, minuteMargin: 20, maxWaitMs: 120_000 });
    const tenantId = newTenantId();
    // 480 requests within the same minute, released as they end: none of them waits.
    for (let i = 0; i < 48; i += 1) {
      const releases = await Promise.all(
        Array.from({ length: 10 }, () => l.acquire(tenantId, 'realm-1')),
      );
      await Promise.all(releases.map((r) => r()));
      clock.advance(1000);
    }
    const next = l.acquire(tenantId, 'realm-1');
    expect(await pending(next)).toBe(true);
    // 61 s after the first second, its 10 requests have left every 60-second window.
    clock.advance(61_000 - 48_000);
    const release = await next;
    await release();
  });

  it('with no margin, the 501st request of a minute waits', async () => {
    const clock = movedClock();
    const l = limiter(clock, { perMinute: 500, minuteMargin: 0, maxWaitMs: 120_000 });
    const tenantId = newTenantId();
    for (let i = 0; i < 50; i += 1) {
      await Promise.all((await take(l, tenantId, 'realm-1', 10)).map((r) => r()));
      clock.advance(500);
    }
    const next = l.acquire(tenantId, 'realm-1');
    expect(await pending(next)).toBe(true);
    clock.advance(61_000);
    await (await next)();
  });

  it('grants 38 batch requests a minute (40 less the margin); then a batch waits, a request not', async () => {
    const clock = movedClock();
    const l = limiter(clock);
    const tenantId = newTenantId();
    for (let i = 0; i < 38; i += 1) {
      await (await l.acquire(tenantId, 'realm-1', 'batch'))();
      clock.advance(100);
    }
    await expect(l.acquire(tenantId, 'realm-1', 'batch', 0)).rejects.toMatchObject({
      failure: 'throttled',
    });
    expect(await l.hasRoom(tenantId, 'realm-1', 'batch')).toBe(false);
    expect(await l.hasRoom(tenantId, 'realm-1', 'request')).toBe(true);
    const batch = l.acquire(tenantId, 'realm-1', 'batch', 120_000);
    expect(await pending(batch)).toBe(true);
    // Each batch was one request of the minute's 480: plain requests still have room.
    await (await l.acquire(tenantId, 'realm-1', 'request', 0))();
    clock.advance(61_000);
    await (await batch)();
  });

  it("gives a crashed holder's slots back when their leases end", async () => {
    const clock = movedClock();
    const crashed = limiter(clock, { leaseMs: 45_000 });
    const tenantId = newTenantId();
    await take(crashed, tenantId, 'realm-1', 10); // never released
    const other = limiter(clock, { maxWaitMs: 120_000 });
    const next = other.acquire(tenantId, 'realm-1');
    expect(await pending(next)).toBe(true);
    clock.advance(45_000);
    await (await next)();
    // All ten came back, not just one.
    await Promise.all((await take(other, tenantId, 'realm-1', 10)).map((r) => r()));
  });

  it('pauses only the company that got a 429', async () => {
    const clock = movedClock();
    const l = limiter(clock, { maxWaitMs: 5_000 });
    const tenantId = newTenantId();
    await (await l.acquire(tenantId, 'realm-1'))();
    await l.throttle(tenantId, 'realm-1', 60);
    // Another Lambda sees the pause: the wait would pass its limit, so it gives up at once.
    const other = limiter(clock, { maxWaitMs: 5_000 });
    await expect(other.acquire(tenantId, 'realm-1')).rejects.toSatisfy(
      (err) => err instanceof QboError && err.failure === 'throttled',
    );
    // Other companies go on, of the same tenant and of another.
    await (await other.acquire(tenantId, 'realm-2'))();
    await (await other.acquire(newTenantId(), 'realm-1'))();
    clock.advance(60_000);
    await (await other.acquire(tenantId, 'realm-1'))();
  });

  it('a 429 on a company nobody called yet pauses it too', async () => {
    const clock = movedClock();
    const l = limiter(clock, { maxWaitMs: 5_000 });
    const tenantId = newTenantId();
    await l.throttle(tenantId, 'realm-1', 60);
    await expect(l.acquire(tenantId, 'realm-1')).rejects.toBeInstanceOf(QboError);
    clock.advance(60_001);
    await (await l.acquire(tenantId, 'realm-1'))();
  });

  it('shares both limits between two instances (two Lambdas)', async () => {
    const clock = movedClock();
    const a = limiter(clock, { perMinute: 30, minuteMargin: 0, maxWaitMs: 120_000 });
    const b = limiter(clock, { perMinute: 30, minuteMargin: 0, maxWaitMs: 120_000 });
    const tenantId = newTenantId();
    const held = [
      ...(await take(a, tenantId, 'realm-1', 6)),
      ...(await take(b, tenantId, 'realm-1', 4)),
    ];
    const fromA = a.acquire(tenantId, 'realm-1');
    expect(await pending(fromA)).toBe(true);
    await held[9]?.(); // b's slot frees a's request
    held[9] = await fromA;
    await Promise.all(held.map((r) => r()));
    // 11 taken so far; the minute's 30 are shared too.
    await Promise.all((await take(a, tenantId, 'realm-1', 10)).map((r) => r()));
    await Promise.all((await take(b, tenantId, 'realm-1', 9)).map((r) => r()));
    const thirtyFirst = b.acquire(tenantId, 'realm-1');
    expect(await pending(thirtyFirst)).toBe(true);
    clock.advance(61_000);
    await (await thirtyFirst)();
  });

  it('costs 2 DynamoDB requests per QBO request below the limits', async () => {
    const clock = movedClock();
    const l = limiter(clock);
    const tenantId = newTenantId();
    await (await l.acquire(tenantId, 'realm-1'))(); // creates the company's item
    const send = vi.spyOn(documentClient, 'send');
    // 600 requests over 2 minutes, 5 at a time: steady load, the window sliding all along.
    for (let i = 0; i < 120; i += 1) {
      const releases = await Promise.all(
        Array.from({ length: 5 }, () => l.acquire(tenantId, 'realm-1')),
      );
      await Promise.all(releases.map((r) => r()));
      clock.advance(1000);
    }
    const perRequest = send.mock.calls.length / 600;
    console.info(`DynamoDB requests per QBO request: ${perRequest}`);
    expect(perRequest).toBeGreaterThanOrEqual(2);
    expect(perRequest).toBeLessThan(2.05);
  });
});
