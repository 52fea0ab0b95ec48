import type { InvoiceSnapshot, SnapshotLine } from '#shared/domain/invoice.ts';
import { PushRefusal } from '#shared/domain/push-refusal.ts';
import { QBO_FAULT, QboError } from '#shared/qbo/faults.ts';
import {
  cleanName,
  fitText,
  isLiveName,
  itemKey,
  NAME_LIMITS,
  type QboNameRecord,
  suffixedName,
} from '#shared/qbo/names.ts';
import type { QboClient } from '#shared/qbo/qbo-client.ts';
import { quote, rows } from '#shared/qbo/query.ts';
import { requestId } from '#shared/qbo/request-id.ts';
import type { Mapping, MappingRepository } from '#shared/store/mapping-repository.ts';
import type { ItemRef, ReadAhead } from '#shared/store/read-ahead.ts';

/** What mirroring needs: the mappings and a QBO client of the tenant's company. */
export interface MirrorContext {
  readonly mappings: MappingRepository;
  readonly qbo: QboClient;
  readonly tenantId: string;
  readonly realmId: string;
  /** The tenant's chosen income account for new items, if any. */
  readonly incomeAccountId: string | null;
  /**
   * In a multicurrency company, the invoice's currency: a new customer is created in it, and a
   * customer in another currency is never linked (QBO cannot change a customer's currency).
   */
  readonly currency?: string;
  /** Mappings read ahead ({@link mappingRefs}); each stands in for its first read. */
  readonly ahead?: ReadAhead;
}

/**
 * The mappings an invoice's mirroring reads (its client's and its items'), to read them ahead in
 * one request.
 *
 * @param mappings - the mapping repository
 * @param tenantId - the tenant
 * @param realmId - the company
 * @param snapshot - the invoice
 */
export function mappingRefs(
  mappings: MappingRepository,
  tenantId: string,
  realmId: string,
  snapshot: Pick<InvoiceSnapshot, 'client' | 'lines'>,
): ItemRef[] {
  return [
    mappings.ref(tenantId, 'CUSTOMERMAP', realmId, snapshot.client.id),
    ...snapshot.lines.map((line) => mappings.ref(tenantId, 'ITEMMAP', realmId, itemKey(line))),
  ];
}

interface QboNamed extends QboNameRecord {
  /** Customers only: the currency QBO fixed when it was created. */
  readonly CurrencyRef?: { readonly value?: string };
}

const isDuplicateName = (err: unknown) =>
  err instanceof QboError && err.faultCode === QBO_FAULT.duplicateName;

/**
 * The QBO Customer of a TradelyHQ client, mirrored on first use: the recorded mapping, else a
 * Customer with the same DisplayName (linked, not duplicated), else a new one. A duplicate-name
 * fault (6240) means a race, or a Vendor, an Employee or an inactive customer holding the name:
 * look again and link, or create the customer under a deterministic suffixed name and say so. A
 * stale mapping (QBO refused its customer as inactive) is replaced the same way.
 *
 * @param ctx - see {@link MirrorContext}
 * @param client - the invoice's client
 * @returns the Customer Id, and a notice when the name had to change
 */
export async function ensureCustomer(
  ctx: MirrorContext,
  client: InvoiceSnapshot['client'],
): Promise<{ qboId: string; notice?: string }> {
  const known = await ctx.mappings.get(
    ctx.tenantId,
    'CUSTOMERMAP',
    ctx.realmId,
    client.id,
    ctx.ahead,
  );
  if (known && !known.stale) {
    await checkCustomerCurrency(ctx, known);
    return { qboId: known.qboId };
  }
  const replacing = known?.qboId;
  const name = cleanName(client.displayName, NAME_LIMITS.customer);
  const record = (qboId: string, qboName: string, how: 'linked' | 'created') =>
    ctx.mappings.putIfAbsent(
      ctx.tenantId,
      'CUSTOMERMAP',
      ctx.realmId,
      client.id,
      {
        qboId,
        qboName,
        originalName: client.displayName,
        how,
        ...(ctx.currency ? { currency: ctx.currency } : {}),
      },
      replacing,
    );

  const existing = await findByName(ctx, 'Customer', 'DisplayName', name);
  if (existing && existing.Id !== replacing) {
    return { qboId: (await record(existing.Id, name, 'linked')).qboId };
  }
  try {
    const created = await createCustomer(ctx, client, name, replacing);
    return { qboId: (await record(created, name, 'created')).qboId };
  } catch (err) {
    if (!isDuplicateName(err)) throw err;
  }
  // 6240: someone created this customer a moment ago (link it), or a Vendor or Employee has it.
  const raced = await findByName(ctx, 'Customer', 'DisplayName', name);
  if (raced && raced.Id !== replacing) {
    return { qboId: (await record(raced.Id, name, 'linked')).qboId };
  }
  const alternative = suffixedName(name, client.id, NAME_LIMITS.customer);
  const notice =
    `The QuickBooks customer was created as "${alternative}" because a vendor, an employee, ` +
    `an inactive customer or a customer in another currency already uses the name "${name}".`;
  const taken = await findByName(ctx, 'Customer', 'DisplayName', alternative);
  const qboId =
    taken && taken.Id !== replacing
      ? taken.Id
      : await createCustomer(ctx, client, alternative, replacing);
  return { qboId: (await record(qboId, alternative, taken ? 'linked' : 'created')).qboId, notice };
}

/**
 * Creates the customer. The requestid is the same for every retry of one create, and new for the
 * create that replaces a refused customer (a replay would answer with the refused one).
 */
async function createCustomer(
  ctx: MirrorContext,
  client: InvoiceSnapshot['client'],
  displayName: string,
  replacing: string | undefined,
): Promise<string> {
  const address = client.billingAddress;
  const parts = [ctx.tenantId, ctx.realmId, 'customer', client.id, displayName];
  const out = await ctx.qbo.send<{ Customer: QboNamed }>({
    method: 'POST',
    path: 'customer',
    query: { requestid: requestId(...parts, ...(replacing ? [replacing] : [])) },
    body: {
      DisplayName: displayName,
      ...(ctx.currency ? { CurrencyRef: { value: ctx.currency } } : {}),
      ...(client.companyName
        ? { CompanyName: fitText(client.companyName, NAME_LIMITS.companyName) }
        : {}),
      ...(client.email ? { PrimaryEmailAddr: { Address: client.email } } : {}),
      ...(client.phone ? { PrimaryPhone: { FreeFormNumber: client.phone } } : {}),
      ...(address
        ? {
            BillAddr: {
              ...(address.line1 ? { Line1: address.line1 } : {}),
              ...(address.line2 ? { Line2: address.line2 } : {}),
              ...(address.city ? { City: address.city } : {}),
              ...(address.region ? { CountrySubDivisionCode: address.region } : {}),
              ...(address.postalCode ? { PostalCode: address.postalCode } : {}),
              ...(address.country ? { Country: address.country } : {}),
            },
          }
        : {}),
    },
  });
  return out.Customer.Id;
}

/**
 * The QBO Items of an invoice's lines, mirrored on first use: the mapping, else an Item with the
 * same (cleaned) name, else a new Service item with the tenant's income account. A Category is
 * never linked (QBO refuses it on a line); when it, or an inactive item, holds the name, the new
 * item is named `<name> (service)`. A stale mapping is replaced the same way.
 *
 * @param ctx - see {@link MirrorContext}
 * @param lines - the invoice lines
 * @returns item Id by {@link itemKey}
 */
export async function ensureItems(
  ctx: MirrorContext,
  lines: readonly SnapshotLine[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const line of lines) {
    const key = itemKey(line);
    if (ids.has(key)) continue;
    ids.set(key, await ensureItem(ctx, key, line));
  }
  return ids;
}

/**
 * The QBO Item of one line, mirrored as {@link ensureItems} mirrors each.
 *
 * @param ctx - see {@link MirrorContext}
 * @param key - the line's {@link itemKey}
 * @param line - the invoice line
 * @returns the item's Id
 */
export async function ensureItem(
  ctx: MirrorContext,
  key: string,
  line: SnapshotLine,
): Promise<string> {
  const known = await ctx.mappings.get(ctx.tenantId, 'ITEMMAP', ctx.realmId, key, ctx.ahead);
  if (known && !known.stale) return known.qboId;
  const replacing = known?.qboId;
  const record = async (qboId: string, qboName: string, how: 'linked' | 'created') =>
    (
      await ctx.mappings.putIfAbsent(
        ctx.tenantId,
        'ITEMMAP',
        ctx.realmId,
        key,
        { qboId, qboName, originalName: line.itemName, how },
        replacing,
      )
    ).qboId;
  const name = cleanName(line.itemName, NAME_LIMITS.item);
  const alternative = suffixedName(name, 'service', NAME_LIMITS.item);
  for (const candidate of [name, alternative]) {
    const existing = await findItem(ctx, candidate, replacing);
    if (existing) return record(existing.Id, candidate, 'linked');
    try {
      const account = await incomeAccount(ctx);
      const out = await ctx.qbo.send<{ Item: QboNamed }>({
        method: 'POST',
        path: 'item',
        query: {
          // The income account is part of the id: QBO answers a repeated requestid with its first
          // answer, refusals included, so after the admin picks another account (the fix for a
          // refused item) the create must be a new one. A retry of the same create keeps its id.
          requestid: requestId(
            ...[ctx.tenantId, ctx.realmId, 'item', key, account],
            ...(candidate === name ? [] : [candidate]),
            ...(replacing ? [replacing] : []),
          ),
        },
        body: {
          Name: candidate,
          Type: 'Service',
          IncomeAccountRef: { value: account },
          ...(line.itemCode ? { Sku: line.itemCode.slice(0, 100) } : {}),
        },
      });
      return record(out.Item.Id, candidate, 'created');
    } catch (err) {
      if (!isDuplicateName(err)) throw err;
    }
    // 6240: created a moment ago (link it), or a Category or an inactive item has the name.
    const raced = await findItem(ctx, candidate, replacing);
    if (raced) return record(raced.Id, candidate, 'linked');
  }
  throw new QboError(
    'validation',
    400,
    [
      {
        code: 'item_name_taken',
        message: `No usable QuickBooks item for "${name}"`,
        detail: `Both "${name}" and "${alternative}" are taken by categories or inactive items.`,
      },
    ],
    false,
  );
}

/** A live item ({@link isLiveName}) with that name, other than the one being replaced. */
async function findItem(
  ctx: MirrorContext,
  name: string,
  replacing: string | undefined,
): Promise<QboNamed | undefined> {
  return findByName(ctx, 'Item', 'Name', name, (row) => row.Id !== replacing);
}

/** The tenant's income account, else the company's first income account (looked up once). */
async function incomeAccount(ctx: MirrorContext): Promise<string> {
  if (ctx.incomeAccountId) return ctx.incomeAccountId;
  const cached = await ctx.mappings.get(ctx.tenantId, 'ACCOUNTMAP', ctx.realmId, 'income-default');
  if (cached) return cached.qboId;
  const answer = await ctx.qbo.send<{ QueryResponse?: Record<string, unknown> }>({
    method: 'GET',
    path: 'query',
    query: { query: "SELECT * FROM Account WHERE AccountType = 'Income' MAXRESULTS 100" },
  });
  const accounts = rows<QboNamed>(answer, 'Account').filter((a) => a.Active !== false);
  const preferred = accounts.find((a) => /^(services|sales)/i.test(a.Name ?? '')) ?? accounts[0];
  if (!preferred) {
    throw new QboError(
      'validation',
      400,
      [
        {
          code: 'no_income_account',
          message: 'The QuickBooks company has no income account',
          detail: 'Create one, or choose one in Settings → Integrations.',
        },
      ],
      false,
    );
  }
  const mapping = await ctx.mappings.putIfAbsent(
    ctx.tenantId,
    'ACCOUNTMAP',
    ctx.realmId,
    'income-default',
    {
      qboId: preferred.Id,
      qboName: preferred.Name ?? '',
      originalName: 'default income account',
      how: 'linked',
    },
  );
  return mapping.qboId;
}

async function findByName(
  ctx: MirrorContext,
  entity: 'Customer' | 'Item',
  field: 'DisplayName' | 'Name',
  name: string,
  usable: (row: QboNamed) => boolean = () => true,
): Promise<QboNamed | undefined> {
  const answer = await ctx.qbo.send<{ QueryResponse?: Record<string, unknown> }>({
    method: 'GET',
    path: 'query',
    query: { query: `SELECT * FROM ${entity} WHERE ${field} = ${quote(name)}` },
  });
  // QBO matches names without regard to case; a looser match (accents composed differently,
  // ignorable characters such as a soft hyphen) is another customer or item: never link it.
  const wanted = name.toLowerCase();
  return rows<QboNamed>(answer, entity).find(
    (row) =>
      row[field]?.toLowerCase() === wanted &&
      isLiveName(row) &&
      usable(row) &&
      (entity !== 'Customer' || holdsCurrency(ctx, row)),
  );
}

/** Whether a QBO customer can take the invoice's currency (always, outside multicurrency). */
function holdsCurrency(ctx: MirrorContext, customer: QboNamed): boolean {
  const held = customer.CurrencyRef?.value;
  return !ctx.currency || held === undefined || held === ctx.currency;
}

/**
 * A client's mirrored customer must hold the invoice's currency: QBO fixes a customer's currency
 * when it is created and cannot change it. Mappings made before currencies were recorded are
 * checked by reading the customer.
 *
 * @throws PushRefusal `customer_currency`, saying what the admin can do
 */
async function checkCustomerCurrency(ctx: MirrorContext, known: Mapping): Promise<void> {
  const wanted = ctx.currency;
  if (!wanted || known.currency === wanted) return;
  let held = known.currency;
  if (!held) {
    const out = await ctx.qbo.send<{ Customer: QboNamed }>({
      method: 'GET',
      path: `customer/${known.qboId}`,
    });
    held = out.Customer.CurrencyRef?.value;
  }
  if (held === undefined || held === wanted) return;
  throw new PushRefusal(
    'validation',
    'customer_currency',
    `This client's QuickBooks customer "${known.qboName}" is in ${held}, and QuickBooks cannot ` +
      `change a customer's currency, so it cannot take this ${wanted} invoice. Send the invoice ` +
      `in ${held}, or send ${wanted} invoices under a separate client in TradelyHQ: its ` +
      `QuickBooks customer is then created in ${wanted}.`,
  );
}
