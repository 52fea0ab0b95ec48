/**
 * The composition root: the one place where the runtime's dependencies are built, from the AWS
 * adapters in Lambda or from the local adapters that local mode and the tests register before any
 * handler loads. Handlers take what they need from {@link services} (and, when they talk to Intuit,
 * from `intuitServices` in `./intuit-services.ts`, kept apart so that a function that never talks
 * to Intuit bundles none of OAuth, the vault, the QBO client or the app's secret); nothing else
 * constructs a repository, a queue or a client.
 * Everything is made on first use, so a function whose row in `lib/functions.ts` grants it no
 * token table, no queue or no Intuit secret never reads their environment variables.
 */
import { required } from '#shared/config/runtime-env.ts';
import type { ChangeQueue } from '#shared/ports/change-queue.ts';
import { type Clock, systemClock } from '#shared/ports/clock.ts';
import type { EventPublisher } from '#shared/ports/event-publisher.ts';
import type { GrantQueue } from '#shared/ports/grant-queue.ts';
import type { KeyWrapper } from '#shared/ports/key-wrapper.ts';
import type { MessageDelay, PushQueue } from '#shared/ports/push-queue.ts';
import type { ReconcileQueue } from '#shared/ports/reconcile-queue.ts';
import type { ScheduleRegistry } from '#shared/ports/schedule-registry.ts';
import { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { GrantRepository } from '#shared/store/grant-repository.ts';
import { InvoiceRepository } from '#shared/store/invoice-repository.ts';
import { MappingRepository } from '#shared/store/mapping-repository.ts';
import { OutboxRepository } from '#shared/store/outbox-repository.ts';
import { QboLinkRepository } from '#shared/store/qbo-link-repository.ts';
import { RealmClaimRepository } from '#shared/store/realm-claim-repository.ts';
import { ReconcileRunRepository } from '#shared/store/reconcile-run-repository.ts';
import { SyncErrorRepository } from '#shared/store/sync-error-repository.ts';
import { TokenRepository } from '#shared/store/token-repository.ts';
import { WebhookRepository } from '#shared/store/webhook-repository.ts';
import { awsAdapters } from './aws-adapters.ts';

/** What differs between AWS and local mode: each made on first use. */
export interface PlatformAdapters {
  /** Wraps token data keys: KMS, or the local master key. */
  keys(): KeyWrapper;
  /** Tenants' nightly schedules: EventBridge Scheduler, or croner jobs. */
  schedules(): ScheduleRegistry;
  /** `invoice.*` events for TradelyHQ core: EventBridge, or memory. */
  events(): EventPublisher;
  pushQueue(): PushQueue & MessageDelay;
  changeQueue(): ChangeQueue & MessageDelay;
  reconcileQueue(): ReconcileQueue & MessageDelay;
  grantQueue(): GrantQueue & MessageDelay;
}

let localAdapters: PlatformAdapters | undefined;

/**
 * Local mode and the tests hand their adapters here before any handler loads; in Lambda nobody
 * does, and the AWS adapters are used. No local adapter is ever imported by a Lambda bundle.
 *
 * @param adapters - local mode's queues, schedules, events and key
 */
export function useLocalAdapters(adapters: PlatformAdapters): void {
  localAdapters = adapters;
}

/** Everything a handler may need, each made on first use. */
export interface Services {
  readonly clock: Clock;
  readonly connections: ConnectionRepository;
  readonly claims: RealmClaimRepository;
  readonly invoices: InvoiceRepository;
  readonly mappings: MappingRepository;
  readonly syncErrors: SyncErrorRepository;
  readonly links: QboLinkRepository;
  readonly runs: ReconcileRunRepository;
  readonly webhooks: WebhookRepository;
  /** Grants no connection holds: pending confirmations and revocations (token table). */
  readonly grants: GrantRepository;
  /** Tenants' sealed tokens (token table); read and write them through the vault. */
  readonly tokens: TokenRepository;
  readonly schedules: ScheduleRegistry;
  readonly events: EventPublisher;
  /** Events not yet accepted by the bus (sync-state table). */
  readonly outbox: OutboxRepository;
  readonly pushQueue: PushQueue & MessageDelay;
  readonly changeQueue: ChangeQueue & MessageDelay;
  readonly reconcileQueue: ReconcileQueue & MessageDelay;
  readonly grantQueue: GrantQueue & MessageDelay;
}

/** Makes a value on first use and keeps it. */
export function once<T>(make: () => T): () => T {
  let value: { v: T } | undefined;
  return () => {
    value ??= { v: make() };
    return value.v;
  };
}

export class Root implements Services {
  readonly clock = systemClock;
  private readonly adapters = localAdapters ?? awsAdapters;
  private readonly sync = once(() => required('syncTable'));
  private readonly keysTable = once(() => required('keysTable'));
  private readonly made = new Map<string, unknown>();

  private get<T>(name: string, make: () => T): T {
    if (!this.made.has(name)) this.made.set(name, make());
    return this.made.get(name) as T;
  }

  get connections() {
    return this.get('connections', () => new ConnectionRepository(this.sync()));
  }
  get claims() {
    return this.get('claims', () => new RealmClaimRepository(this.sync()));
  }
  get invoices() {
    return this.get('invoices', () => new InvoiceRepository(this.sync()));
  }
  get mappings() {
    return this.get('mappings', () => new MappingRepository(this.sync()));
  }
  get syncErrors() {
    return this.get('syncErrors', () => new SyncErrorRepository(this.sync()));
  }
  get links() {
    return this.get('links', () => new QboLinkRepository(this.sync()));
  }
  get runs() {
    return this.get('runs', () => new ReconcileRunRepository(this.sync()));
  }
  get webhooks() {
    return this.get('webhooks', () => new WebhookRepository(this.sync()));
  }
  get grants() {
    return this.get('grants', () => new GrantRepository(this.keysTable()));
  }
  get tokens() {
    return this.get('tokens', () => new TokenRepository(this.keysTable()));
  }
  get schedules() {
    return this.get('schedules', () => this.adapters.schedules());
  }
  get outbox() {
    return this.get('outbox', () => new OutboxRepository(this.sync()));
  }
  get events() {
    return this.get('events', () => this.adapters.events());
  }
  get pushQueue() {
    return this.get('pushQueue', () => this.adapters.pushQueue());
  }
  get changeQueue() {
    return this.get('changeQueue', () => this.adapters.changeQueue());
  }
  get reconcileQueue() {
    return this.get('reconcileQueue', () => this.adapters.reconcileQueue());
  }
  get grantQueue() {
    return this.get('grantQueue', () => this.adapters.grantQueue());
  }
  get keys() {
    return this.get('keys', () => this.adapters.keys());
  }
}

const root = once((): Services => new Root());

/** The process's services (stores, queues, events, schedules, clock), made on first use. */
export function services(): Services {
  return root();
}
