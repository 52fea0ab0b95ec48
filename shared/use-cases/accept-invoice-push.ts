import { type PushInvoiceBody, toSnapshot } from '#shared/domain/invoice.ts';
import type { InvoiceStatus } from '#shared/domain/invoice-status.ts';
import { ValidationError } from '#shared/errors.ts';
import { NotConnectedError } from '#shared/oauth/errors.ts';
import type { Clock } from '#shared/ports/clock.ts';
import { type PushQueue, pushOf } from '#shared/ports/push-queue.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';
import type { AcceptResult, InvoiceRepository } from '#shared/store/invoice-repository.ts';
import { ReadAhead } from '#shared/store/read-ahead.ts';

/** What "Authorize & Send" gets back. */
export interface AcceptedPush {
  readonly status: InvoiceStatus;
  readonly revision: number;
  /** `accepted` (queued), `duplicate` (this revision was already sent), `stale` (older: ignored). */
  readonly result: AcceptResult;
}

/**
 * "Authorize & Send": validates the invoice (schema and money rules), stores the revision and
 * queues it for the push worker. The same revision again does nothing new (but is queued again if
 * it has not reached QBO yet, so a caller retrying after a failure never loses it); an older
 * revision is ignored. A tenant waiting for a reconnect is accepted (the push waits); one that
 * never connected, or disconnected, is refused.
 *
 * @param deps - invoices, connections, the push queue, clock
 * @param tenantId - the tenant, from the verified JWT
 * @param invoiceId - TradelyHQ's invoice id
 * @param body - the schema-valid push body
 * @throws ValidationError listing every money problem by path
 * @throws NotConnectedError (409 `quickbooks_not_connected`)
 */
export async function acceptInvoicePush(
  deps: {
    readonly invoices: InvoiceRepository;
    readonly connections: ConnectionRepository;
    readonly pushQueue: PushQueue;
    readonly clock: Clock;
  },
  tenantId: string,
  invoiceId: string,
  body: PushInvoiceBody,
): Promise<AcceptedPush> {
  const snapshot = toSnapshot(body);
  if (Array.isArray(snapshot)) throw new ValidationError(snapshot, 'The invoice is not valid.');
  // The connection and the invoice in one read.
  const ahead = await ReadAhead.of([
    deps.connections.ref(tenantId),
    deps.invoices.ref(tenantId, invoiceId),
  ]);
  const connection = await deps.connections.get(tenantId, ahead);
  if (!connection || connection.status === 'disconnected') throw new NotConnectedError();

  const now = new Date(deps.clock.now()).toISOString();
  // `invoice.queued` is written with the accepted revision (the outbox).
  const accepted = await deps.invoices.accept(tenantId, invoiceId, snapshot, now, ahead, {
    type: 'invoice.queued',
    detail: { revision: snapshot.revision, docNumber: snapshot.docNumber },
  });
  const { result, record: current } = accepted;
  const notYetInQbo =
    current.revision === snapshot.revision && current.pushedRevision !== snapshot.revision;
  if (result === 'accepted' || (result === 'duplicate' && notYetInQbo && !current.parked)) {
    await deps.pushQueue.send(pushOf(current));
  }
  return { status: current.status, revision: current.revision, result };
}
