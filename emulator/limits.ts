import type { Clock } from './clock.ts';

/** Intuit's per-realm limits ([limits]; Intuit blog 2016-08-08). */
export interface LimitConfig {
  /** Requests per rolling minute per realm (Intuit: 500). */
  readonly perMinute: number;
  /** Requests in flight at once per realm (Intuit: 10). */
  readonly concurrent: number;
  /** Batch requests per rolling minute per realm and app (Intuit: 40); each is also a request. */
  readonly batchesPerMinute: number;
}

/** Intuit's published limits. */
export const DEFAULT_LIMITS: LimitConfig = { perMinute: 500, concurrent: 10, batchesPerMinute: 40 };

/** The kinds of fault the admin API can inject. */
export const FAULT_KINDS = [
  '500',
  '503',
  '429',
  'timeout',
  'reset',
  'commit_then_reset',
  'drop_row',
] as const;

/** One of {@link FAULT_KINDS}. */
export type FaultKind = (typeof FAULT_KINDS)[number];

interface RealmCounters {
  inFlight: number;
  /** Emulator times of accepted requests within the last minute. */
  window: number[];
  /** Emulator times of accepted batch requests within the last minute. */
  batchWindow: number[];
  faults: FaultKind[];
  throttled: number;
  throttleBodies: number;
  /** Batch requests admitted, ever. */
  batches: number;
}

/**
 * Per-realm throttling (a rolling one-minute window measured on the emulator clock, plus a
 * concurrency cap) and the queue of injected faults.
 */
export class RealmLimiter {
  readonly #clock: Clock;
  readonly #config: LimitConfig;
  readonly #realms = new Map<string, RealmCounters>();

  /**
   * @param clock - emulator clock (advancing it a minute empties the window)
   * @param config - the limits
   */
  constructor(clock: Clock, config: LimitConfig) {
    this.#clock = clock;
    this.#config = config;
  }

  #counters(realmId: string): RealmCounters {
    let c = this.#realms.get(realmId);
    if (!c) {
      c = {
        inFlight: 0,
        window: [],
        batchWindow: [],
        faults: [],
        throttled: 0,
        throttleBodies: 0,
        batches: 0,
      };
      this.#realms.set(realmId, c);
    }
    return c;
  }

  /**
   * Admits a request or refuses it with a throttle.
   *
   * @param realmId - the realm
   * @param batch - a batch request, which also needs room in the minute's batches
   * @returns a release function for an admitted request, or `'throttled'`
   */
  admit(realmId: string, batch = false): (() => void) | 'throttled' {
    const c = this.#counters(realmId);
    const now = this.#clock.now();
    c.window = c.window.filter((t) => now - t < 60_000);
    c.batchWindow = c.batchWindow.filter((t) => now - t < 60_000);
    if (
      c.inFlight >= this.#config.concurrent ||
      c.window.length >= this.#config.perMinute ||
      (batch && c.batchWindow.length >= this.#config.batchesPerMinute)
    ) {
      c.throttled += 1;
      return 'throttled';
    }
    c.window.push(now);
    if (batch) {
      c.batchWindow.push(now);
      c.batches += 1;
    }
    c.inFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      c.inFlight -= 1;
    };
  }

  /**
   * Whether the next 429 for this realm should carry the XML body. Intuit sends the throttle
   * fault as XML at times and as JSON at others, so the emulator alternates, XML first.
   *
   * @param realmId - the realm
   */
  nextThrottleIsXml(realmId: string): boolean {
    const c = this.#counters(realmId);
    c.throttleBodies += 1;
    return c.throttleBodies % 2 === 1;
  }

  /**
   * Queues faults for the next `count` Accounting API requests of a realm.
   *
   * @param realmId - the realm
   * @param kind - the fault
   * @param count - how many requests it applies to
   */
  inject(realmId: string, kind: FaultKind, count: number): void {
    const c = this.#counters(realmId);
    for (let i = 0; i < count; i += 1) c.faults.push(kind);
  }

  /**
   * Takes the next injected fault, if any.
   *
   * @param realmId - the realm
   */
  takeFault(realmId: string): FaultKind | undefined {
    return this.#counters(realmId).faults.shift();
  }

  /**
   * Clears the injected faults of a realm.
   *
   * @param realmId - the realm
   */
  clearFaults(realmId: string): void {
    this.#counters(realmId).faults = [];
  }

  /**
   * Pending faults and live counters of a realm (admin view).
   *
   * @param realmId - the realm
   */
  describe(realmId: string): {
    pendingFaults: FaultKind[];
    inFlight: number;
    lastMinute: number;
    throttled: number;
    batches: number;
  } {
    const c = this.#counters(realmId);
    const now = this.#clock.now();
    return {
      throttled: c.throttled,
      batches: c.batches,
      pendingFaults: [...c.faults],
      inFlight: c.inFlight,
      lastMinute: c.window.filter((t) => now - t < 60_000).length,
    };
  }
}
