import { QboError } from './faults.ts';
import type { QboClient } from './qbo-client.ts';

/**
 * A string literal for QBO's query language: single quotes around, `\` and `'` escaped with a
 * backslash (the language has no other escapes).
 *
 * @param value - any text, e.g. a customer name with an apostrophe
 */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The rows of a QBO query answer: `{"QueryResponse":{"Invoice":[…]}}`, or none when absent. */
export function rows<T>(answer: { QueryResponse?: Record<string, unknown> }, entity: string): T[] {
  const found = answer.QueryResponse?.[entity];
  return Array.isArray(found) ? (found as T[]) : [];
}

/**
 * Reads one QBO object; `undefined` when QBO says it does not exist.
 *
 * @param qbo - the company's client
 * @param path - e.g. `invoice/42`
 */
export async function readOrGone<T>(qbo: QboClient, path: string): Promise<T | undefined> {
  try {
    return await qbo.send<T>({ method: 'GET', path });
  } catch (err) {
    // QBO answers a deleted object with "Object Not Found" (610) or 400 / 404.
    if (err instanceof QboError && err.failure === 'not_found') return undefined;
    throw err;
  }
}
