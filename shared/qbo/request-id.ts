import { createHash } from 'node:crypto';

/**
 * A stable QBO `requestid` (≤ 50 characters) for one logical create: the same parts always give
 * the same id, so a retry of that create, even after a lost answer, is answered with the first
 * result instead of a second object.
 *
 * @param parts - what identifies the create (tenant, invoice, revision, …)
 */
export function requestId(...parts: readonly (string | number)[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 40);
}
