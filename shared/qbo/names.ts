import type { InvoiceSnapshot, SnapshotLine } from '#shared/domain/invoice.ts';

/**
 * QBO's limits on the names and texts the mirror writes: Customer DisplayName 500 characters and
 * CompanyName 100 (Customer reference), Item Name 100 (Item reference). Every other field the push
 * sends is held to QBO's maximum by the push contract itself (docs/currency-and-numbering.md).
 */
export const NAME_LIMITS = { customer: 500, companyName: 100, item: 100 } as const;

/**
 * The text cut to at most `limit` UTF-16 code units (the stricter count: QBO's own is not
 * documented for characters outside the Basic Multilingual Plane), never inside a character.
 *
 * @param text - the text
 * @param limit - the field's maximum
 */
export function fitText(text: string, limit: number): string {
  let out = '';
  for (const char of text) {
    if (out.length + char.length > limit) break;
    out += char;
  }
  return out;
}

/**
 * A name QBO accepts: no colon (QBO's sub-customer/sub-item separator), no tabs or line breaks, no
 * runs of spaces, and cut to the limit. The mapping keeps the original.
 *
 * @param name - the name as TradelyHQ has it
 * @param limit - the field's length limit
 */
export function cleanName(name: string, limit: number): string {
  const cleaned = name
    .replace(/:/g, '-')
    .replace(/\p{Cc}+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return fitText(cleaned, limit).trim() || 'Unnamed';
}

/**
 * The deterministic alternative when a name is taken by a Vendor or Employee (or by another
 * customer that is not this client): `Jane Smith (cl_123)`, cut so the suffix always fits.
 *
 * @param name - the cleaned name
 * @param key - what makes it unique (the client id)
 * @param limit - the field's length limit
 */
export function suffixedName(name: string, key: string, limit: number): string {
  const suffix = ` (${key})`;
  return `${fitText(name, Math.max(1, limit - suffix.length)).trim()}${suffix}`;
}

/**
 * The key an invoice line's item is mirrored under: its item code, else its cleaned name.
 *
 * @param line - an invoice line
 */
export function itemKey(line: SnapshotLine): string {
  return line.itemCode
    ? `code:${line.itemCode}`
    : `name:${cleanName(line.itemName, NAME_LIMITS.item)}`;
}

/**
 * What QBO will show shortened, as QBO's own forms would cut it (an item name to 100 characters,
 * a company name to 100): one notice per field for the invoice's sync view.
 *
 * @param snapshot - the invoice
 */
export function shortenedNotices(snapshot: InvoiceSnapshot): string[] {
  const notices: string[] = [];
  const { companyName } = snapshot.client;
  if (companyName && companyName.length > NAME_LIMITS.companyName) {
    notices.push(
      `The company name of the QuickBooks customer was shortened to ${NAME_LIMITS.companyName} ` +
        `characters, the most QuickBooks allows: "${fitText(companyName, NAME_LIMITS.companyName)}".`,
    );
  }
  for (const line of snapshot.lines) {
    const name = cleanName(line.itemName, NAME_LIMITS.item);
    if (cleanName(line.itemName, Number.POSITIVE_INFINITY).length > NAME_LIMITS.item) {
      notices.push(
        `The QuickBooks item for "${fitText(line.itemName, 40)}…" is named "${name}": QuickBooks ` +
          `allows at most ${NAME_LIMITS.item} characters in an item name.`,
      );
    }
  }
  return [...new Set(notices)];
}

/** A customer or item as QBO answers it (a read or a query row). */
export interface QboNameRecord {
  readonly Id: string;
  readonly DisplayName?: string;
  readonly Name?: string;
  readonly Active?: boolean;
  /** Items only: `Service`, `NonInventory`, `Inventory`, `Category`, … */
  readonly Type?: string;
}

/**
 * Whether an invoice line or `CustomerRef` can name this record: active (QBO refuses an
 * inactive or merged-away name, 2500 / 610), and not a Category (QBO refuses it on a line).
 *
 * @param record - the customer or item as QBO has it
 */
export function isLiveName(record: QboNameRecord): boolean {
  return record.Active !== false && record.Type !== 'Category';
}

/**
 * Why a mirrored customer or item could not be used, for the invoice's sync view, as QBO has it
 * now: gone, a Category, or inactive. An inactive record is shown under the name QBO gave it when
 * it was made inactive, "Name (deleted)" (minimul/qbo_api recordings `deactivate/employee.yml`
 * and `deactivate/account.yml`), which frees the plain name for the active one that replaces it.
 * `undefined` when the record is live.
 *
 * @param entity - Customer or Item
 * @param id - its QBO Id
 * @param record - the record as read, `undefined` when QBO no longer has it
 */
export function unusableNameNotice(
  entity: 'Customer' | 'Item',
  id: string,
  record: QboNameRecord | undefined,
): string | undefined {
  if (record && isLiveName(record)) return undefined;
  const customer = entity === 'Customer';
  const what = customer ? 'customer' : 'item';
  const name = (customer ? record?.DisplayName : record?.Name) ?? `Id ${id}`;
  const instead = customer
    ? "so the invoice was sent to an active customer with the client's name"
    : 'so the line was sent with an active item of its name';
  if (!record) return `The QuickBooks ${what} ${id} no longer exists, ${instead}.`;
  if (record.Type === 'Category') {
    return `The QuickBooks item "${name}" is a category, which QuickBooks does not allow on an invoice line, ${instead}.`;
  }
  return `The QuickBooks ${what} "${name}" was made inactive or merged away in QuickBooks, ${instead}.`;
}
