import { ValidationError } from '#shared/errors.ts';

/** What a TradelyHQ invoice id may look like: 1-64 letters, digits or `_ . : -`. */
export const INVOICE_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * A TradelyHQ invoice id from the path. An id no invoice can have (say 2,000 characters, too long
 * for a DynamoDB key, which would fail the read with a 500) is a 400 naming the parameter.
 *
 * @param pathParameters - the request's path parameters
 * @param name - the parameter, e.g. `invoiceId`, or `id` on the sync-error routes
 * @throws ValidationError when the id is missing or malformed
 */
export function invoiceIdParam(
  pathParameters: Readonly<Record<string, string | undefined>>,
  name: string,
): string {
  const value = pathParameters[name] ?? '';
  if (!INVOICE_ID.test(value)) {
    throw new ValidationError([{ path: name, message: 'must be 1-64 letters, digits or _ . : -' }]);
  }
  return value;
}
