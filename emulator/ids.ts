import { randomBytes, randomInt, randomUUID } from 'node:crypto';

/**
 * An opaque, unguessable token string (access token, refresh token, authorization code).
 * Intuit's tokens carry no readable structure a client may rely on, so neither do these.
 *
 * @param bytes - entropy in bytes
 */
export function opaqueToken(bytes = 48): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * A new realm id in the shape of Intuit sandbox company ids: 16 digits starting `9341`.
 *
 * @param taken - ids already in use
 */
export function newRealmId(taken: ReadonlySet<string>): string {
  for (;;) {
    let id = '9341';
    for (let i = 0; i < 12; i += 1) id += String(randomInt(10));
    if (!taken.has(id)) return id;
  }
}

/** A random UUID (webhook event ids, `intuit_tid` response headers, grant ids). */
export function uuid(): string {
  return randomUUID();
}
