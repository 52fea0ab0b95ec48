import type { Clock } from '#shared/ports/clock.ts';
import type { QboClient } from '#shared/qbo/qbo-client.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';
import type { InvoiceRepository } from '#shared/store/invoice-repository.ts';
import type { MappingRepository } from '#shared/store/mapping-repository.ts';
import type { QboLinkRepository } from '#shared/store/qbo-link-repository.ts';
import type { SyncErrorRepository } from '#shared/store/sync-error-repository.ts';

/**
 * What the use cases that keep an invoice and its QBO copy in step need: the push
 * (`push-invoice.ts`, `push-backlog.ts`) and the changes coming back (`apply-qbo-change.ts`, the
 * catch-up after a reconnect, the reconcile).
 */
export interface InvoiceSyncDeps {
  readonly invoices: InvoiceRepository;
  readonly mappings: MappingRepository;
  readonly syncErrors: SyncErrorRepository;
  readonly connections: ConnectionRepository;
  readonly links: QboLinkRepository;
  /** A QBO client for a tenant's company. */
  readonly qbo: (tenantId: string) => QboClient;
  readonly clock: Clock;
}
