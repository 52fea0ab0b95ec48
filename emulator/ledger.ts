import { type Clock, qboDateTime } from './clock.ts';
import {
  appliedTo,
  customerBalance,
  isObj,
  money,
  nameHolder,
  normalizeEntity,
  num,
  type Obj,
  refValue,
  type WriteOptions,
} from './entity-rules.ts';
import type { QboFaultError } from './errors.ts';
import {
  businessValidation,
  invalidProperty,
  invalidRequest,
  objectNotFound,
  requiredParam,
  staleObject,
} from './faults.ts';
import { firstUnknownField } from './fields.ts';
import { storedName } from './inactive-names.ts';
import { type CompanyState, type Entity, type EntityName, systemFields } from './state.ts';

/** Webhook-visible operations (the legacy `operation` values). */
export type Operation = 'Create' | 'Update' | 'Delete' | 'Void' | 'Merge';

/** One change to an entity, as a webhook reports it. */
export interface ChangeEvent {
  readonly realmId: string;
  readonly entity: EntityName;
  readonly id: string;
  readonly operation: Operation;
  readonly at: number;
  /** On a Merge: the record merged away (`id` is the one kept). */
  readonly deletedId?: string;
}

/** How an update treats properties the request leaves out. */
export interface UpdateOptions {
  /** Sparse update: merge into the stored entity instead of replacing it. */
  readonly sparse: boolean;
  /** Admin hand-edit: no SyncToken needed (a bookkeeper in the QBO UI has the latest copy). */
  readonly skipSyncToken?: boolean;
}

/** The longest name each merged entity can have (Customer and Item references). */
const NAME_MAX = { Customer: 500, Item: 100 } as const;

const SYSTEM_KEYS = new Set(['Id', 'SyncToken', 'MetaData', 'domain', 'sparse', 'status']);

function without(body: Obj, keys: ReadonlySet<string>): Obj {
  return Object.fromEntries(Object.entries(body).filter(([k]) => !keys.has(k)));
}

function bump(syncToken: string): string {
  return String(Number(syncToken) + 1);
}

/**
 * The company's books: every create, update, delete and void, with QBO's validation and
 * money rules. Invoice `Balance` is always derived from the payments applied to it, so it
 * can never drift from the `LinkedTxn` links.
 */
export class Ledger {
  readonly #clock: Clock;
  readonly #emit: (event: ChangeEvent) => void;

  /**
   * @param clock - emulator clock (MetaData times, TxnDate defaults)
   * @param emit - receives every change (webhooks)
   */
  constructor(clock: Clock, emit: (event: ChangeEvent) => void) {
    this.#clock = clock;
    this.#emit = emit;
  }

  /**
   * Reads a live (not deleted) entity.
   *
   * @param company - the company
   * @param entity - entity name
   * @param id - entity Id
   * @throws QboFaultError 610 when it does not exist
   */
  read(company: CompanyState, entity: EntityName, id: string): Entity {
    const found = company.entities[entity][id];
    if (!found) throw objectNotFound(entity, id);
    return found;
  }

  /**
   * Creates an entity.
   *
   * @param company - the company
   * @param entity - entity name
   * @param body - the QBO JSON sent
   */
  create(
    company: CompanyState,
    entity: EntityName,
    body: unknown,
    writeOptions: WriteOptions = {},
  ): Entity {
    const input = this.#checkBody(entity, body);
    const now = this.#clock.now();
    const id = String(company.nextIds[entity]);
    const draft: Entity = { ...systemFields(id, now), ...without(input, SYSTEM_KEYS) };
    const record = normalizeEntity(company, entity, draft, undefined, now, writeOptions);
    company.nextIds[entity] += 1;
    company.entities[entity][id] = record;
    this.#touch(company, entity, record, 'Create', now);
    this.#afterChange(company, entity, record, undefined, now);
    return record;
  }

  /**
   * Full or sparse update.
   *
   * @param company - the company
   * @param entity - entity name
   * @param body - must carry `Id` and the current `SyncToken`
   * @param options - sparse or full; admin edits skip the SyncToken check
   */
  update(
    company: CompanyState,
    entity: EntityName,
    body: unknown,
    options: UpdateOptions,
    writeOptions: WriteOptions = {},
  ): Entity {
    const input = this.#checkBody(entity, body);
    const existing = this.#current(company, entity, input, options.skipSyncToken === true);
    const now = this.#clock.now();
    const changes = without(input, SYSTEM_KEYS);
    const base: Obj = options.sparse
      ? structuredClone(existing)
      : {
          domain: 'QBO',
          sparse: false,
          Id: existing.Id,
          SyncToken: existing.SyncToken,
          MetaData: existing.MetaData,
        };
    const draft = { ...base, ...changes, sparse: false } as unknown as Entity;
    const record = normalizeEntity(company, entity, draft, existing, now, writeOptions);
    record.SyncToken = bump(existing.SyncToken);
    company.entities[entity][existing.Id] = record;
    this.#touch(company, entity, record, 'Update', now);
    this.#afterChange(company, entity, record, existing, now);
    return record;
  }

  /**
   * Deletes a transaction (`operation=delete`). Name-list entities cannot be deleted in QBO;
   * they are made inactive with `Active: false` instead.
   *
   * @param company - the company
   * @param entity - entity name
   * @param body - `Id` and `SyncToken`
   * @param skipSyncToken - admin deletes need no SyncToken
   */
  remove(
    company: CompanyState,
    entity: EntityName,
    body: unknown,
    skipSyncToken = false,
  ): Record<string, unknown> {
    if (entity !== 'Invoice' && entity !== 'Payment') {
      throw invalidRequest(
        `Operation delete is not supported for ${entity}; set Active to false instead`,
      );
    }
    const input = isObj(body) ? body : {};
    const existing = this.#current(company, entity, input, skipSyncToken);
    const now = this.#clock.now();
    if (entity === 'Invoice') this.#unlinkPaymentsFrom(company, existing.Id, now);
    delete company.entities[entity][existing.Id];
    company.deleted.push({ entity, id: existing.Id, at: now });
    company.changedAt[`${entity}/${existing.Id}`] = now;
    this.#emit({ realmId: company.realmId, entity, id: existing.Id, operation: 'Delete', at: now });
    this.#afterChange(company, entity, undefined, existing, now);
    return { domain: 'QBO', status: 'Deleted', Id: existing.Id };
  }

  /**
   * Voids an invoice or payment: every amount becomes 0; `PrivateNote` becomes "Voided" when it
   * was empty (qbo_api `void/invoice.yml`) and an existing note is left as it was (what QBO does
   * to one is unconfirmed: the reading a client cannot lean on). Payments applied to a voided
   * invoice become unapplied.
   *
   * @param company - the company
   * @param entity - Invoice or Payment
   * @param body - `Id` and `SyncToken`
   * @param skipSyncToken - admin voids need no SyncToken
   */
  void(company: CompanyState, entity: EntityName, body: unknown, skipSyncToken = false): Entity {
    if (entity !== 'Invoice' && entity !== 'Payment') {
      throw invalidRequest(`Operation void is not supported for ${entity}`);
    }
    const input = isObj(body) ? body : {};
    const existing = this.#current(company, entity, input, skipSyncToken);
    const now = this.#clock.now();
    const record = structuredClone(existing);
    if (entity === 'Invoice') {
      this.#unlinkPaymentsFrom(company, existing.Id, now);
      // Quantities go to 0 with the amounts, so every line still satisfies
      // Amount = Qty × UnitPrice and the voided invoice can be saved again.
      record.Line = (record.Line as Obj[]).map((line) => {
        const detail = line.SalesItemLineDetail;
        return isObj(detail) && detail.Qty !== undefined
          ? { ...line, Amount: 0, SalesItemLineDetail: { ...detail, Qty: 0 } }
          : { ...line, Amount: 0 };
      });
      record.TxnTaxDetail = { TotalTax: 0 };
      record.TotalAmt = 0;
      record.Balance = 0;
      record.LinkedTxn = [];
    } else {
      record.Line = (record.Line as Obj[]).map((line) => ({ ...line, Amount: 0 }));
      record.TotalAmt = 0;
      record.UnappliedAmt = 0;
    }
    if (typeof record.PrivateNote !== 'string' || record.PrivateNote === '') {
      record.PrivateNote = 'Voided';
    }
    record.SyncToken = bump(existing.SyncToken);
    company.entities[entity][existing.Id] = record;
    this.#touch(company, entity, record, 'Void', now);
    this.#afterChange(company, entity, record, existing, now);
    return record;
  }

  /**
   * Merges one customer (or item) into another, as a bookkeeper does in the QBO UI: every
   * transaction that names the merged-away record now names the survivor, and the merged-away
   * record is kept as inactive (Intuit: "the merged customer is saved as inactive, like all
   * deleted customers … their transactions added to the other profile"), renamed "Name
   * (deleted)" as an inactive name is (`inactive-names.ts`). One Merge event names
   * the survivor, with the merged-away id (CloudEvents `data.deletedid`).
   *
   * @param company - the company
   * @param entity - Customer or Item
   * @param fromId - the record that goes away
   * @param intoId - the record kept
   */
  merge(
    company: CompanyState,
    entity: 'Customer' | 'Item',
    fromId: string,
    intoId: string,
  ): Entity {
    const from = this.read(company, entity, fromId);
    const into = this.read(company, entity, intoId);
    if (from.Id === into.Id) throw businessValidation('A record cannot be merged into itself.');
    if (from.Active === false || into.Active === false) {
      throw businessValidation('Inactive records cannot be merged.');
    }
    if (entity === 'Item' && from.Type !== into.Type) {
      throw businessValidation('Only items of the same type can be merged.');
    }
    const now = this.#clock.now();
    // The moved transactions change (SyncToken, LastUpdatedTime, CDC) without webhooks of their
    // own: whether QBO notifies them is unconfirmed, and the Merge event is the stricter case.
    for (const txnEntity of ['Invoice', 'Payment'] as const) {
      for (const txn of Object.values(company.entities[txnEntity])) {
        if (!moveRefs(txn, entity, from.Id, into)) continue;
        txn.SyncToken = bump(txn.SyncToken);
        txn.MetaData = { ...txn.MetaData, LastUpdatedTime: qboDateTime(now) };
        company.changedAt[`${txnEntity}/${txn.Id}`] = now;
      }
    }
    // Saved as inactive "like all deleted customers" (Intuit's merge help), so named as one.
    const field = entity === 'Customer' ? 'DisplayName' : 'Name';
    const name = storedName(String(from[field]), true, false, NAME_MAX[entity], (candidate) =>
      Boolean(nameHolder(company, entity, from.Id, candidate)),
    );
    const merged: Entity = {
      ...from,
      [field]: name,
      FullyQualifiedName: name,
      Active: false,
      SyncToken: bump(from.SyncToken),
      MetaData: { ...from.MetaData, LastUpdatedTime: qboDateTime(now) },
    };
    company.entities[entity][from.Id] = merged;
    company.changedAt[`${entity}/${from.Id}`] = now;
    company.changedAt[`${entity}/${into.Id}`] = now;
    if (entity === 'Customer') {
      for (const c of [merged, into]) {
        c.Balance = customerBalance(company, c.Id);
        c.BalanceWithJobs = c.Balance;
      }
    }
    this.#emit({
      realmId: company.realmId,
      entity,
      id: into.Id,
      operation: 'Merge',
      at: now,
      deletedId: from.Id,
    });
    return into;
  }

  /**
   * Records a payment against one invoice, as a bookkeeper does in the QBO UI.
   *
   * @param company - the company
   * @param invoiceId - the invoice paid
   * @param amount - amount received; defaults to the open balance
   */
  receivePayment(company: CompanyState, invoiceId: string, amount?: number): Entity {
    const invoice = this.read(company, 'Invoice', invoiceId);
    const paid = amount ?? (invoice.Balance as number);
    if (!(paid > 0)) {
      throw businessValidation(
        `Invoice ${invoiceId} has no open balance to receive a payment for.`,
      );
    }
    return this.create(company, 'Payment', {
      CustomerRef: invoice.CustomerRef,
      TotalAmt: paid,
      Line: [{ Amount: paid, LinkedTxn: [{ TxnId: invoiceId, TxnType: 'Invoice' }] }],
    });
  }

  #checkBody(entity: EntityName, body: unknown): Obj {
    if (!isObj(body)) throw invalidRequest(`Request body must be a ${entity} object`);
    const unknown = firstUnknownField(entity, body);
    if (unknown !== undefined) throw invalidProperty(entity, unknown);
    return body;
  }

  /** The stored entity an update/delete/void addresses, after the Id and SyncToken checks. */
  #current(company: CompanyState, entity: EntityName, input: Obj, skipSyncToken: boolean): Entity {
    const id = input.Id === undefined ? undefined : String(input.Id);
    if (!id) throw requiredParam('Id');
    const existing = this.read(company, entity, id);
    if (skipSyncToken) return existing;
    if (input.SyncToken === undefined || input.SyncToken === null) {
      throw requiredParam('SyncToken');
    }
    if (String(input.SyncToken) !== existing.SyncToken) throw staleObject();
    return existing;
  }

  #touch(
    company: CompanyState,
    entity: EntityName,
    record: Entity,
    operation: Operation,
    now: number,
  ): void {
    record.MetaData = { ...record.MetaData, LastUpdatedTime: qboDateTime(now) };
    company.changedAt[`${entity}/${record.Id}`] = now;
    this.#emit({ realmId: company.realmId, entity, id: record.Id, operation, at: now });
  }

  /** Removes a (voided or deleted) invoice from every payment; the money becomes unapplied. */
  #unlinkPaymentsFrom(company: CompanyState, invoiceId: string, now: number): void {
    for (const payment of Object.values(company.entities.Payment)) {
      const lines = (payment.Line as Obj[] | undefined) ?? [];
      const keep = lines.filter(
        (line) =>
          !((line.LinkedTxn as Obj[] | undefined) ?? []).some(
            (l) => l.TxnType === 'Invoice' && String(l.TxnId) === invoiceId,
          ),
      );
      if (keep.length === lines.length) continue;
      const applied = keep.reduce((s, l) => s + (num(l.Amount) ?? 0), 0);
      payment.Line = keep;
      payment.UnappliedAmt = money((payment.TotalAmt as number) - applied);
      payment.SyncToken = bump(payment.SyncToken);
      this.#touch(company, 'Payment', payment, 'Update', now);
    }
  }

  /** Keeps invoice balances, invoice↔payment links and customer balances consistent. */
  #afterChange(
    company: CompanyState,
    entity: EntityName,
    record: Entity | undefined,
    previous: Entity | undefined,
    now: number,
  ): void {
    if (record && previous) this.#renameRefs(company, entity, record, previous);
    const customers = new Set<string>();
    if (entity === 'Payment') {
      const invoices = new Set<string>([
        ...linkedInvoiceIds(record),
        ...linkedInvoiceIds(previous),
      ]);
      for (const invoiceId of invoices) this.#refreshInvoice(company, invoiceId, now);
      for (const invoiceId of invoices) {
        const invoice = company.entities.Invoice[invoiceId];
        const customerId = invoice ? refValue(invoice.CustomerRef) : undefined;
        if (customerId) customers.add(customerId);
      }
    }
    if (entity === 'Invoice') {
      for (const e of [record, previous]) {
        const customerId = e ? refValue(e.CustomerRef) : undefined;
        if (customerId) customers.add(customerId);
      }
    }
    for (const customerId of customers) {
      const customer = company.entities.Customer[customerId];
      if (!customer) continue;
      customer.Balance = customerBalance(company, customerId);
      customer.BalanceWithJobs = customer.Balance;
    }
  }

  /**
   * QBO resolves a reference's `name` when it reads a transaction, so renaming a customer or
   * an item shows the new name on its invoices and payments at once, without changing their
   * SyncToken or LastUpdatedTime. The stored copies are kept in step here.
   */
  #renameRefs(company: CompanyState, entity: EntityName, record: Entity, previous: Entity): void {
    if (entity === 'Customer' && record.DisplayName !== previous.DisplayName) {
      for (const txn of [
        ...Object.values(company.entities.Invoice),
        ...Object.values(company.entities.Payment),
      ]) {
        if (refValue(txn.CustomerRef) === record.Id) {
          txn.CustomerRef = { ...(txn.CustomerRef as Obj), name: record.DisplayName };
        }
      }
    }
    if (entity === 'Item' && record.Name !== previous.Name) {
      for (const invoice of Object.values(company.entities.Invoice)) {
        for (const line of (invoice.Line as Obj[] | undefined) ?? []) {
          const detail = line.SalesItemLineDetail;
          if (isObj(detail) && refValue(detail.ItemRef) === record.Id) {
            detail.ItemRef = { ...(detail.ItemRef as Obj), name: record.Name };
          }
        }
      }
    }
  }

  /** Recomputes an invoice's Balance and Payment links; a change bumps it and is announced. */
  #refreshInvoice(company: CompanyState, invoiceId: string, now: number): void {
    const invoice = company.entities.Invoice[invoiceId];
    if (!invoice) return;
    const paymentLinks: Obj[] = [];
    for (const payment of Object.values(company.entities.Payment)) {
      const applies = ((payment.Line as Obj[] | undefined) ?? []).some(
        (line) =>
          (num(line.Amount) ?? 0) > 0 &&
          ((line.LinkedTxn as Obj[] | undefined) ?? []).some(
            (l) => l.TxnType === 'Invoice' && String(l.TxnId) === invoiceId,
          ),
      );
      if (applies) paymentLinks.push({ TxnId: payment.Id, TxnType: 'Payment' });
    }
    const otherLinks = ((invoice.LinkedTxn as Obj[] | undefined) ?? []).filter(
      (l) => l.TxnType !== 'Payment',
    );
    const linkedTxn = [...otherLinks, ...paymentLinks];
    const balance = money((invoice.TotalAmt as number) - appliedTo(company, invoiceId));
    const changed =
      balance !== invoice.Balance ||
      JSON.stringify(linkedTxn) !== JSON.stringify(invoice.LinkedTxn);
    if (!changed) return;
    invoice.Balance = balance;
    invoice.LinkedTxn = linkedTxn;
    invoice.SyncToken = bump(invoice.SyncToken);
    this.#touch(company, 'Invoice', invoice, 'Update', now);
  }
}

/** Points a transaction's references to `fromId` at `into`; whether anything changed. */
function moveRefs(txn: Entity, entity: 'Customer' | 'Item', fromId: string, into: Entity): boolean {
  if (entity === 'Customer') {
    if (refValue(txn.CustomerRef) !== fromId) return false;
    txn.CustomerRef = { value: into.Id, name: into.DisplayName };
    return true;
  }
  let moved = false;
  for (const line of (txn.Line as Obj[] | undefined) ?? []) {
    const detail = line.SalesItemLineDetail;
    if (isObj(detail) && refValue(detail.ItemRef) === fromId) {
      detail.ItemRef = { value: into.Id, name: into.Name };
      moved = true;
    }
  }
  return moved;
}

function linkedInvoiceIds(payment: Entity | undefined): string[] {
  if (!payment) return [];
  const ids: string[] = [];
  for (const line of (payment.Line as Obj[] | undefined) ?? []) {
    for (const l of (line.LinkedTxn as Obj[] | undefined) ?? []) {
      if (l.TxnType === 'Invoice') ids.push(String(l.TxnId));
    }
  }
  return ids;
}

/**
 * Narrows an unknown error to a {@link QboFaultError}.
 *
 * @param err - anything thrown
 */
export function isQboFault(err: unknown): err is QboFaultError {
  return err instanceof Error && err.name === 'QboFaultError';
}
