import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Verifies Intuit's `intuit-signature` header: base64(HMAC-SHA256(verifier token, raw body)),
 * computed over the raw bytes as received (never a re-serialised body) and compared in constant
 * time. Every configured token is tried, so the verifier token can be rotated without downtime.
 *
 * @param rawBody - the request body exactly as received
 * @param signature - the `intuit-signature` header, if any
 * @param verifierTokens - the current verifier token(s)
 */
export function verifyIntuitSignature(
  rawBody: Buffer,
  signature: string | undefined,
  verifierTokens: readonly string[],
): boolean {
  if (!signature || signature.length > 128) return false;
  const given = Buffer.from(signature.trim(), 'base64');
  if (given.length !== 32) return false;
  let valid = false;
  for (const token of verifierTokens) {
    const expected = createHmac('sha256', token).update(rawBody).digest();
    // Every token is checked (no early exit), so timing says nothing about which one matched.
    valid = timingSafeEqual(expected, given) || valid;
  }
  return valid;
}
