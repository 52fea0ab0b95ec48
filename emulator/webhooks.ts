import { createHash, createHmac } from 'node:crypto';
import type { Clock, Scheduler } from './clock.ts';
import { uuid } from './ids.ts';
import type { ChangeEvent, Operation } from './ledger.ts';
import type { WebhookConfig } from './state.ts';

/**
 * Seconds to wait before each retry of a failed delivery: Intuit's schedule "0s, 10s, 20s,
 * 30s, 5m, 20m, 2h, 4h, 6h, then every 6 h" (Intuit blog 2025-10-14), read as the gap before
 * each successive attempt. Measured on the emulator clock, so advancing it fires retries.
 */
export const RETRY_DELAYS_S: readonly number[] = [10, 20, 30, 300, 1200, 7200, 14_400, 21_600];

/** One attempt to deliver a batch. */
export interface DeliveryAttempt {
  /** Emulator time of the attempt (ISO). */
  readonly at: string;
  readonly status?: number;
  readonly error?: string;
  readonly durationMs: number;
}

/** One webhook POST (a batch of events for one realm) and what happened to it. */
export interface Delivery {
  readonly id: string;
  readonly realmId: string;
  readonly url: string;
  readonly format: WebhookConfig['format'];
  readonly events: readonly { name: string; id: string; operation: Operation }[];
  readonly body: string;
  readonly signature: string;
  /** Set on the extra copy sent when `duplicate` is on. */
  readonly duplicateOf?: string;
  status: 'pending' | 'delivered' | 'retrying' | 'failed';
  attempts: DeliveryAttempt[];
  nextAttemptAt?: string;
}

/**
 * Computes the `intuit-signature` header: base64(HMAC-SHA256(verifier token, raw body)).
 *
 * @param verifierToken - the app's webhook verifier token
 * @param body - the exact bytes sent
 */
export function signPayload(verifierToken: string, body: string | Buffer): string {
  return createHmac('sha256', verifierToken).update(body).digest('base64');
}

const PAST_TENSE: Record<Operation, string> = {
  Create: 'created',
  Update: 'updated',
  Delete: 'deleted',
  Void: 'voided',
  Merge: 'merged',
};

/** Most deliveries kept for the admin listing; older ones are dropped first. */
const MAX_KEPT_DELIVERIES = 1000;

/**
 * Intuit's webhook delivery: events are collected for a short window and sent as one POST
 * per realm, one delivery at a time per realm (a failing delivery holds back later ones, as
 * Intuit warns), retried on a non-200 answer, an error or no answer within the timeout.
 */
export class WebhookDispatcher {
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #config: () => WebhookConfig | null;
  readonly #isConnected: (realmId: string) => boolean;
  readonly #source: string;
  readonly #pending = new Map<string, ChangeEvent[]>();
  readonly #windows = new Map<string, NodeJS.Timeout>();
  readonly #queues = new Map<string, Delivery[]>();
  readonly #busy = new Set<string>();
  readonly #deliveries: Delivery[] = [];
  readonly #abort = new AbortController();
  readonly #idleWaiters: (() => void)[] = [];
  #closed = false;

  /**
   * @param clock - emulator clock (event times, retry schedule)
   * @param scheduler - emulator-clock timers for retries
   * @param config - reads the current webhook configuration
   * @param isConnected - only connected companies get notifications, as with Intuit
   * @param appId - identifies the app in the CloudEvents `source`
   */
  constructor(
    clock: Clock,
    scheduler: Scheduler,
    config: () => WebhookConfig | null,
    isConnected: (realmId: string) => boolean,
    appId: string,
  ) {
    this.#clock = clock;
    this.#scheduler = scheduler;
    this.#config = config;
    this.#isConnected = isConnected;
    this.#source = `intuit.${createHash('sha256').update(appId).digest('base64')}`;
  }

  /**
   * Queues one change for delivery.
   *
   * @param event - the change
   */
  enqueue(event: ChangeEvent): void {
    const config = this.#config();
    if (this.#closed || !config || !this.#isConnected(event.realmId)) return;
    const list = this.#pending.get(event.realmId) ?? [];
    list.push(event);
    this.#pending.set(event.realmId, list);
    if (!this.#windows.has(event.realmId)) {
      const timer = setTimeout(() => this.#flush(event.realmId), config.batchWindowMs);
      this.#windows.set(event.realmId, timer);
    }
  }

  /** Every delivery so far, oldest first. */
  deliveries(): readonly Delivery[] {
    return this.#deliveries;
  }

  /** Forgets the delivery log (pending deliveries keep going). */
  clearDeliveries(): void {
    this.#deliveries.length = 0;
  }

  /**
   * Resolves once no events are waiting in a batch window and no delivery attempt is in
   * flight (deliveries waiting for a retry do not count).
   */
  async idle(): Promise<void> {
    if (this.#isIdle()) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops all timers and aborts attempts in flight. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#windows.values()) clearTimeout(timer);
    this.#windows.clear();
    this.#pending.clear();
    this.#abort.abort();
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  #isIdle(): boolean {
    return this.#windows.size === 0 && this.#busy.size === 0;
  }

  #notifyIdle(): void {
    if (!this.#isIdle()) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  #flush(realmId: string): void {
    this.#windows.delete(realmId);
    const events = this.#pending.get(realmId) ?? [];
    this.#pending.delete(realmId);
    const config = this.#config();
    if (!config || events.length === 0 || this.#closed) {
      this.#notifyIdle();
      return;
    }
    const ordered = config.shuffle ? outOfOrder(events) : events;
    const body = this.#render(config.format, realmId, ordered);
    const delivery: Delivery = {
      id: uuid(),
      realmId,
      url: config.url,
      format: config.format,
      events: ordered.map((e) => ({ name: e.entity, id: e.id, operation: e.operation })),
      body,
      signature: signPayload(config.verifierToken, body),
      status: 'pending',
      attempts: [],
    };
    this.#record(delivery);
    const queue = this.#queues.get(realmId) ?? [];
    queue.push(delivery);
    if (config.duplicate) {
      const copy: Delivery = { ...delivery, id: uuid(), duplicateOf: delivery.id, attempts: [] };
      this.#record(copy);
      queue.push(copy);
    }
    this.#queues.set(realmId, queue);
    this.#pump(realmId);
  }

  #record(delivery: Delivery): void {
    this.#deliveries.push(delivery);
    if (this.#deliveries.length > MAX_KEPT_DELIVERIES) this.#deliveries.shift();
  }

  #pump(realmId: string): void {
    if (this.#busy.has(realmId) || this.#closed) return;
    const queue = this.#queues.get(realmId);
    const head = queue?.[0];
    if (!head) {
      this.#notifyIdle();
      return;
    }
    if (head.status === 'retrying') {
      // Held back until its retry fires; later deliveries of this realm wait behind it.
      this.#notifyIdle();
      return;
    }
    this.#busy.add(realmId);
    void this.#attempt(head).finally(() => {
      this.#busy.delete(realmId);
      this.#pump(realmId);
      this.#notifyIdle();
    });
  }

  async #attempt(delivery: Delivery): Promise<void> {
    const config = this.#config();
    const timeoutMs = config?.timeoutMs ?? 3000;
    const started = Date.now();
    const at = new Date(this.#clock.now()).toISOString();
    let status: number | undefined;
    let error: string | undefined;
    try {
      const res = await fetch(delivery.url, {
        method: 'POST',
        body: delivery.body,
        headers: {
          'content-type':
            delivery.format === 'cloudevents' ? 'application/cloudevents+json' : 'application/json',
          'intuit-signature': delivery.signature,
          'user-agent': 'Intuit-Webhooks-Emulator',
        },
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(timeoutMs)]),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      error =
        err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
          ? `no answer within ${timeoutMs} ms`
          : err instanceof Error
            ? err.message
            : String(err);
    }
    delivery.attempts.push({
      at,
      durationMs: Date.now() - started,
      ...(status === undefined ? {} : { status }),
      ...(error === undefined ? {} : { error }),
    });
    if (this.#closed) return;
    const queue = this.#queues.get(delivery.realmId) ?? [];
    if (status === 200) {
      delivery.status = 'delivered';
      delivery.nextAttemptAt = undefined;
      queue.shift();
      return;
    }
    const maxAttempts = config?.maxAttempts ?? 12;
    if (delivery.duplicateOf !== undefined || delivery.attempts.length >= maxAttempts) {
      delivery.status = 'failed';
      delivery.nextAttemptAt = undefined;
      queue.shift();
      return;
    }
    const delayS =
      RETRY_DELAYS_S[Math.min(delivery.attempts.length - 1, RETRY_DELAYS_S.length - 1)] ?? 21_600;
    const dueAt = this.#clock.now() + delayS * 1000;
    delivery.status = 'retrying';
    delivery.nextAttemptAt = new Date(dueAt).toISOString();
    this.#scheduler.at(dueAt, () => {
      delivery.status = 'pending';
      this.#pump(delivery.realmId);
    });
  }

  #render(format: WebhookConfig['format'], realmId: string, events: ChangeEvent[]): string {
    if (format === 'legacy') {
      return JSON.stringify({
        eventNotifications: [
          {
            realmId,
            dataChangeEvent: {
              entities: events.map((e) => ({
                name: e.entity,
                id: e.id,
                operation: e.operation,
                lastUpdated: new Date(e.at).toISOString(),
                // Intuit's webhooks page spells it `deletedID` (emulator/README.md, Webhooks).
                ...(e.deletedId ? { deletedID: e.deletedId } : {}),
              })),
            },
          },
        ],
      });
    }
    return JSON.stringify(
      events.map((e) => ({
        specversion: '1.0',
        id: uuid(),
        source: this.#source,
        type: `qbo.${e.entity.toLowerCase()}.${PAST_TENSE[e.operation]}.v1`,
        datacontenttype: 'application/json',
        time: new Date(e.at).toISOString(),
        intuitentityid: e.id,
        intuitaccountid: e.realmId,
        data: e.deletedId ? { deletedid: e.deletedId } : {},
      })),
    );
  }
}

/** A permutation of the events that is guaranteed to differ from the original order. */
function outOfOrder<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  if (copy.length > 1 && copy.every((item, i) => item === items[i])) copy.reverse();
  return copy;
}
