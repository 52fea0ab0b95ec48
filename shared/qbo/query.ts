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
