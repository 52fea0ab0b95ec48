/**
 * Money without floats: amounts are integers of the currency's minor unit (cents), parsed from
 * decimal strings (`"934.00"`) or given as integer minor units (`93400`). Quantities and unit
 * prices may carry more decimals; their product is computed exactly in scaled integers and rounded
 * half away from zero to the minor unit.
 */

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;
/** Scale of quantities and unit prices: 6 decimals. */
const SCALE_DIGITS = 6;
const SCALE = 10n ** BigInt(SCALE_DIGITS);

/**
 * Number of minor-unit digits of an ISO 4217 currency (USD 2, JPY 0, BHD 3).
 *
 * @param currency - ISO 4217 code
 * @throws RangeError for an unknown code
 */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
    .maximumFractionDigits as number;
}

/**
 * Is this a currency code the runtime knows?
 *
 * @param currency - candidate ISO 4217 code
 */
export function isCurrency(currency: string): boolean {
  if (!/^[A-Z]{3}$/.test(currency)) return false;
  try {
    return Intl.supportedValuesOf('currency').includes(currency);
  } catch {
    return false;
  }
}

/**
 * Parses an amount to minor units.
 *
 * @param value - a non-negative decimal string with at most the currency's digits, or an integer
 *   number of minor units
 * @param digits - the currency's minor-unit digits
 * @returns the amount in minor units, or an error message
 */
export function parseAmount(value: string | number, digits: number): number | string {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0
      ? value
      : 'must be a decimal string like "12.50" or an integer number of minor units';
  }
  const m = DECIMAL.exec(value);
  if (!m) return 'must be a non-negative decimal string like "12.50"';
  const fraction = m[2] ?? '';
  if (fraction.length > digits) return `has more than ${digits} decimal places`;
  const minor = BigInt(`${m[1]}${fraction.padEnd(digits, '0')}`);
  return minor <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(minor) : 'is too large';
}

/**
 * Parses a quantity or unit price to a scaled integer (6 decimals).
 *
 * @param value - a non-negative decimal string or a number (an integer, for quantities)
 * @returns the scaled value, or an error message
 */
export function parseScaled(value: string | number): bigint | string {
  const text = typeof value === 'number' ? (Number.isInteger(value) ? String(value) : '') : value;
  const m = DECIMAL.exec(text);
  if (!m) return 'must be a non-negative decimal string like "1.5"';
  const fraction = m[2] ?? '';
  if (fraction.length > SCALE_DIGITS) return `has more than ${SCALE_DIGITS} decimal places`;
  return BigInt(`${m[1]}${fraction.padEnd(SCALE_DIGITS, '0')}`);
}

/**
 * Quantity × unit price in minor units, rounded half away from zero.
 *
 * @param quantity - scaled quantity
 * @param unitPrice - scaled unit price (in major units)
 * @param digits - the currency's minor-unit digits
 */
export function lineAmount(quantity: bigint, unitPrice: bigint, digits: number): number {
  // quantity·price has 12 decimals in major units; keep `digits` of them.
  const divisor = (SCALE * SCALE) / 10n ** BigInt(digits);
  const product = quantity * unitPrice;
  return Number((product + divisor / 2n) / divisor);
}

/**
 * Formats minor units as a decimal string with the currency's digits (`93400`, 2 → `"934.00"`).
 *
 * @param minor - the amount in minor units
 * @param digits - the currency's minor-unit digits
 */
export function formatAmount(minor: number, digits: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor)
    .toString()
    .padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${abs}` : `${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
}

/**
 * Formats a scaled value without trailing zeros (`1500000n` → `"1.5"`).
 *
 * @param scaled - a value with 6 decimals
 */
export function formatScaled(scaled: bigint): string {
  const whole = scaled / SCALE;
  const fraction = (scaled % SCALE).toString().padStart(SCALE_DIGITS, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

/**
 * Minor units as the JSON number QBO expects (`93400`, 2 → `934`); exact for any safe integer
 * amount because the division is by a power of ten and the result is printed by shortest round-trip.
 *
 * @param minor - the amount in minor units
 * @param digits - the currency's minor-unit digits
 */
export function toQboNumber(minor: number, digits: number): number {
  return Number(formatAmount(minor, digits));
}

/**
 * A QBO money number back to minor units (QBO sends `934.0` or `934`).
 *
 * @param value - QBO's number
 * @param digits - the currency's minor-unit digits
 */
export function fromQboNumber(value: number, digits: number): number {
  return Math.round(value * 10 ** digits);
}
