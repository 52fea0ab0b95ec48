/**
 * The public routes' proof of passage through the edge (`lib/edge.ts`): CloudFront adds a secret
 * header to every request it forwards, and a public route refuses a request without it before any
 * work, so a caller cannot go around the per-client limits by calling the API's own endpoint.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The header CloudFront adds to every request it forwards to the API. */
export const EDGE_ORIGIN_HEADER = 'x-tradelyhq-origin';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Did the request come through the edge? Always, when no secret is configured (local mode, or the
 * edge turned off); otherwise only when it carries the secret. Compared in constant time (over
 * digests, so that the lengths match too).
 *
 * @param headers - the request's lower-cased headers
 * @param secret - the value CloudFront sends, from the environment
 */
export function cameThroughEdge(
  headers: Readonly<Record<string, string | undefined>>,
  secret: string | undefined,
): boolean {
  if (!secret) return true;
  const sent = headers[EDGE_ORIGIN_HEADER];
  return sent !== undefined && timingSafeEqual(digest(sent), digest(secret));
}
