import type { SnapshotLine } from '#shared/domain/invoice.ts';

/** QBO's limits on names: Customer DisplayName 500 characters, Item Name 100. */
export const NAME_LIMITS = { customer: 500, item: 100 } as const;

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
  return [...cleaned].slice(0, limit).join('').trim() || 'Unnamed';
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
  return `${[...name]
    .slice(0, Math.max(1, limit - suffix.length))
    .join('')
    .trim()}${suffix}`;
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
