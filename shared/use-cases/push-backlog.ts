import type { CompanyProfile } from '#shared/domain/company.ts';
import type { Connection } from '#shared/domain/connection.ts';
import type { InvoiceRecord } from '#shared/domain/invoice-record.ts';
import { PushRefusal } from '#shared/domain/push-refusal.ts';
import type { TaxCodeRates } from '#shared/domain/tax.ts';
import { logger } from '#shared/observability/logger.ts';
import { publishCounts } from '#shared/observability/metrics.ts';
import { messageGroup } from '#shared/ports/push-queue.ts';
import { QBO_FAULT, QboError } from '#shared/qbo/faults.ts';
import { withCompanySettings } from '#shared/qbo/invoice-settings.ts';
import { type BatchCreated, createInvoices } from '#shared/qbo/invoice-writes.ts';
import { itemKey } from '#shared/qbo/names.ts';
import type { QboClient } from '#shared/qbo/qbo-client.ts';
import { toQboInvoiceBody } from '#shared/qbo/qbo-invoice.ts';
import { planTax, type TaxPlan } from '#shared/qbo/qbo-tax.ts';
import { readTaxCodes } from '#shared/qbo/tax-codes.ts';
import { ReadAhead } from '#shared/store/read-ahead.ts';
import type { InvoiceSyncDeps } from './invoice-sync-deps.ts';
import { ensureCustomer, ensureItem, type MirrorContext, mappingRefs } from './mirror.ts';
import { exchangeRateFor, pushSettings } from './push-settings.ts';
import { createRequestId, iso, isRefusal, recordPushed, save } from './push-steps.ts';

/** Most operations QBO takes in one batch request (Intuit's limits page; docs/qbo-facts.md). */
export const MAX_BATCH_ITEMS = 30;
/**
 * How long a batch waits for a slot of the company's limits: a company at its concurrency gets
 * one soon; one out of its minute's batches does not, and its invoices go out one by one.
 */
const BATCH_SLOT_WAIT_MS = 2_000;

/** What {@link pushBacklog} did with the invoice whose message is being processed. */
export type BacklogResult =
  /** Created in QBO by a batch. */
  | { readonly batched: true }
  /** Not batched: push it alone, from this record (the latest read). */
  | { readonly batched: false; readonly record: InvoiceRecord };

/** An invoice claimed for the batch, and its sync error read ahead. */
interface Claimed {
  readonly record: InvoiceRecord;
  readonly ahead: ReadAhead;
}

/** A claimed invoice whose customer and items QBO has and whose tax is planned: ready to send. */
interface Ready extends Claimed {
  readonly customer: { readonly qboId: string; readonly notice?: string };
  readonly itemIds: ReadonlyMap<string, string>;
  readonly tax: TaxPlan;
  readonly company: CompanyProfile;
  /** The ExchangeRate it goes with, as a single push would send it. */
  readonly exchangeRate: string | null;
}

/**
 * Month-end backlogs: when the invoice's message group is seconds behind (the caller passes a
 * `minBacklog` only for a message that waited that long) and at least `minBacklog` other invoices
 * there wait for their first create, they go to QBO together in one batch request (up to
 * {@link MAX_BATCH_ITEMS}), every guarantee of a single push kept:
 *
 * - Only the group's message in flight leads a batch, and it takes only its own group's invoices,
 *   so no two workers push one invoice and each invoice's revisions stay in order. Each invoice is
 *   claimed with a version-checked write that notes its create as pending (`pendingCreate`, as a
 *   single push does), so whatever happens to the batch, its own message (still queued; it finds
 *   the invoice pushed and stops) never creates it twice.
 * - Customers and items are mirrored first, once per batch; each invoice's tax and exchange rate
 *   are those a single push would send.
 * - A lost answer (timeout, reset, 5xx) leaves every item pending: each one's own message looks
 *   its invoice up in QBO by DocNumber and our PrivateNote marker before it creates anything (a
 *   batch's requestid cannot tell which of its items QBO created, so it is not relied on).
 * - An item QBO refused is given back unsent-as-it-were (a refusal creates nothing): its own
 *   message pushes it alone, so the fault is handled exactly as a single push's.
 * - A batch counts as one request of the company's minute and one of its 40 batches a minute; with
 *   those spent, or when QBO refuses the batch as too large (1040), invoices go out one by one.
 *
 * @param deps - see {@link InvoiceSyncDeps}
 * @param own - the invoice of the message being processed (a first create)
 * @param connection - the tenant's connection (connected)
 * @param ahead - the own invoice's sync error, read ahead
 * @param minBacklog - other waiting invoices needed for a batch
 */
export async function pushBacklog(
  deps: InvoiceSyncDeps,
  own: InvoiceRecord,
  connection: Connection,
  ahead: ReadAhead,
  minBacklog: number,
): Promise<BacklogResult> {
  const alone = { batched: false, record: own } as const;
  const { tenantId } = own;
  const realmId = connection.realmId;
  if (minBacklog <= 0 || !waitsForFirstCreate(own, realmId)) return alone;
  const ids = (await deps.invoices.backlog(tenantId, messageGroup(own), MAX_BATCH_ITEMS))
    .filter((id) => id !== own.invoiceId)
    .slice(0, MAX_BATCH_ITEMS - 1);
  if (ids.length < minBacklog) return alone;

  const qbo = deps.qbo(tenantId);
  // Out of the minute's batches (or paused): no batch is prepared, the invoice goes alone. The
  // slot itself is taken when the batch is sent, so the minute counts it when QBO does.
  if (!(await qbo.hasRoom('batch'))) return alone;
  // The company's settings, as a single push reads them: an invoice in a currency the company
  // cannot hold is refused here, before anything is claimed. Only invoices in the same currency
  // join it.
  const company = await pushSettings(deps, connection, qbo, own.snapshot.currency);
  const claimed = await claim(deps, own, ids, realmId, ahead);
  let mirrored: Ready[];
  try {
    mirrored = await mirrorAll(deps, qbo, claimed, connection, company);
  } catch (err) {
    // Nothing was sent (QBO failed a mirror): every claim is given back as it was.
    await Promise.all(claimed.map((c) => release(deps, c.record, { pending: false })));
    throw err;
  }
  if (!mirrored.some((c) => c.record.invoiceId === own.invoiceId)) {
    // QBO refused the own invoice's customer or item: it goes alone, and reports it so.
    if (mirrored.length > 0) await sendBatch(deps, qbo, own, mirrored, realmId);
    return { batched: false, record: await latest(deps, own) };
  }
  return sendBatch(deps, qbo, own, mirrored, realmId);
}

/** A first create nothing is pending for, in this company, not parked or refused before. */
function waitsForFirstCreate(record: InvoiceRecord, realmId: string): boolean {
  return (
    record.qboInvoiceId === null &&
    record.pendingCreate === null &&
    record.pushedRevision === null &&
    !record.parked &&
    !record.refusedCreates &&
    (record.realmId === null || record.realmId === realmId)
  );
}

/** Reads the backlog's invoices (and their sync errors) in one go and claims those still waiting. */
async function claim(
  deps: InvoiceSyncDeps,
  own: InvoiceRecord,
  ids: readonly string[],
  realmId: string,
  ownAhead: ReadAhead,
): Promise<Claimed[]> {
  const { tenantId } = own;
  const ahead = await ReadAhead.of(
    ids.flatMap((id) => [deps.invoices.ref(tenantId, id), deps.syncErrors.ref(tenantId, id)]),
  );
  const others = await Promise.all(ids.map((id) => deps.invoices.get(tenantId, id, ahead)));
  const changes = (r: InvoiceRecord) => ({
    status: 'pushing' as const,
    realmId,
    // Noted before the batch is sent: if its answer is lost, each invoice is looked up first.
    pendingCreate: createRequestId(r, realmId),
  });
  const mine = await save(deps, own, changes(own));
  const theirs = await Promise.all(
    others
      .filter(
        (r): r is InvoiceRecord =>
          r !== undefined &&
          r.status === 'queued' &&
          r.lastError === null &&
          r.snapshot.currency === own.snapshot.currency &&
          waitsForFirstCreate(r, realmId),
      )
      // A record that changed since it was read is left to its own message.
      .map(async (r) => ({ record: await deps.invoices.update(r, changes(r), iso(deps)), ahead })),
  );
  return [
    { record: mine, ahead: ownAhead },
    ...theirs.filter((c): c is Claimed => c.record !== undefined),
  ];
}

/**
 * Mirrors the customers and items of every claimed invoice (each once). An invoice whose mirroring
 * QBO refuses is given back to its own message, which reports it as a single push would.
 */
async function mirrorAll(
  deps: InvoiceSyncDeps,
  qbo: QboClient,
  claimed: readonly Claimed[],
  connection: Connection,
  company: CompanyProfile,
): Promise<Ready[]> {
  const { tenantId, realmId } = connection;
  const ctx: MirrorContext = {
    mappings: deps.mappings,
    qbo,
    tenantId,
    realmId,
    incomeAccountId: connection.incomeAccountId,
    ...(company?.multiCurrency ? { currency: claimed[0]?.record.snapshot.currency } : {}),
    ahead: await ReadAhead.of(
      claimed.flatMap((c) => mappingRefs(deps.mappings, tenantId, realmId, c.record.snapshot)),
    ),
  };
  // One after another, each customer and item once: mirroring them all at once would keep the
  // company at its 10 in flight and its callers polling the limiter (measured: 2.4 more DynamoDB
  // requests per invoice in the cost benchmark).
  const customers = new Map<string, ReturnType<typeof ensureCustomer>>();
  const items = new Map<string, Promise<string>>();
  const codes = new Map<string, Promise<TaxCodeRates[]>>();
  const taxSettings = {
    company,
    taxCodeMap: connection.taxCodeMap,
    taxCodes: () => once(codes, realmId, () => readTaxCodes(qbo)),
  };
  const ready: Ready[] = [];
  for (const c of claimed) {
    const { client, lines } = c.record.snapshot;
    try {
      // Refused here (PushRefusal), before its names are mirrored, as a single push: a tax QBO
      // would book differently, or a foreign currency with no rate, leaves the invoice alone.
      const tax = await planTax(qbo, taxSettings, c.record.snapshot);
      const exchangeRate = await exchangeRateFor(qbo, realmId, company, c.record.snapshot);
      const customer = await once(customers, client.id, () => ensureCustomer(ctx, client));
      const itemIds = new Map<string, string>();
      for (const line of lines) {
        const key = itemKey(line);
        itemIds.set(key, await once(items, key, () => ensureItem(ctx, key, line)));
      }
      ready.push({ ...c, customer, itemIds, tax, company, exchangeRate });
    } catch (err) {
      if (!(err instanceof PushRefusal) && !isRefusal(err)) throw err;
      await release(deps, c.record, { pending: false });
    }
  }
  return ready;
}

/** The map's value for the key, made and kept on first use. */
function once<V>(made: Map<string, V>, key: string, make: () => V): V {
  let value = made.get(key);
  if (value === undefined) {
    value = make();
    made.set(key, value);
  }
  return value;
}

/** Sends the batch and settles every item as a single push would settle its create. */
async function sendBatch(
  deps: InvoiceSyncDeps,
  qbo: QboClient,
  own: InvoiceRecord,
  items: readonly Ready[],
  realmId: string,
): Promise<BacklogResult> {
  const bodyOf = (c: Ready) =>
    withCompanySettings(
      toQboInvoiceBody(
        c.record.invoiceId,
        c.record.snapshot,
        { customerId: c.customer.qboId, itemIds: c.itemIds },
        c.tax,
      ),
      c.company,
      { currency: c.record.snapshot.currency, qboDocNumber: null, exchangeRate: c.exchangeRate },
    );
  const sentAt = deps.clock.now();
  let outcomes: BatchCreated<Ready>[];
  try {
    outcomes = await createInvoices(qbo, items, bodyOf, BATCH_SLOT_WAIT_MS);
  } catch (err) {
    // A lost answer may have created any of them: each stays pending, to be looked up first.
    const pending = !(err instanceof QboError) || err.ambiguous;
    await Promise.all(items.map((c) => release(deps, c.record, { pending })));
    // No slot came, QBO throttled, or it took fewer items than this (1040: Intuit's pages say 30
    // and 10): nothing was created; the invoice goes alone.
    const unbatchable = err instanceof QboError && err.faultCode === QBO_FAULT.batchTooLarge;
    if (err instanceof QboError && (err.failure === 'throttled' || unbatchable) && !pending) {
      return { batched: false, record: await latest(deps, own) };
    }
    throw err;
  }
  let result: BacklogResult = { batched: true };
  let ownError: unknown;
  await Promise.all(
    outcomes.map(async ({ item: c, created }) => {
      const mine = c.record.invoiceId === own.invoiceId;
      if (!(created instanceof QboError)) {
        await recordPushed(deps, {
          record: c.record,
          current: c.record,
          realmId,
          saved: created,
          customer: c.customer,
          itemIds: c.itemIds,
          sentAt,
          updated: false,
          ahead: c.ahead,
          company: c.company,
          exchangeRate: c.exchangeRate,
        });
        return;
      }
      const refused = isRefusal(created);
      const current = await release(deps, c.record, { pending: !refused, refused });
      if (!mine) return;
      if (refused) result = { batched: false, record: current };
      else ownError = created;
    }),
  );
  logger.info('Invoices created in QuickBooks in one batch', {
    tenantId: own.tenantId,
    realmId,
    items: items.length,
  });
  publishCounts({ QboBatches: 1 }, { tenantId: own.tenantId, realmId });
  if (ownError) throw ownError;
  return result;
}

/**
 * Gives a claimed invoice back to its own message: queued again, its create still pending when it
 * may have happened (the message looks it up first), or counted as refused (its next create gets
 * a requestid of its own, as after a single push's refusal).
 */
async function release(
  deps: InvoiceSyncDeps,
  record: InvoiceRecord,
  how: { readonly pending: boolean; readonly refused?: boolean },
): Promise<InvoiceRecord> {
  return save(deps, record, {
    status: 'queued',
    pendingCreate: how.pending ? record.pendingCreate : null,
    ...(how.refused ? { refusedCreates: (record.refusedCreates ?? 0) + 1 } : {}),
  });
}

async function latest(deps: InvoiceSyncDeps, record: InvoiceRecord): Promise<InvoiceRecord> {
  return (await deps.invoices.get(record.tenantId, record.invoiceId)) ?? record;
}
