import type { IncomingMessage } from 'node:http';

/** The names a loopback server is reached by, as a `Host` header gives them (without the port). */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * Is this request one that a server meant for this machine alone must refuse? It is when its
 * `Host` is not one of the server's own names and port (a web page that rebinds its own host name
 * to 127.0.0.1), or when it comes from a page: an `Origin` of another site, or with
 * `sameOrigin: false` any `Origin` at all (nothing in a browser has a reason to call a store).
 * Clients that are not browsers (curl, the AWS SDK, fetch in Node) send no `Origin`.
 *
 * The emulator, the local API and the embedded DynamoDB use it; DynamoDB Local's launcher applies
 * the same rule in Java (`bin/local/java/LoopbackDynamoDbLocal.java`).
 *
 * @param req - the request
 * @param port - the port the server listens on
 * @param options - `sameOrigin`: a page of the server itself may call it (default true);
 *   `extraNames`: other names it is reached by (an emulator bound to another interface)
 */
export function foreignRequest(
  req: IncomingMessage,
  port: number,
  options: { sameOrigin?: boolean; extraNames?: readonly string[] } = {},
): boolean {
  const hosts = [...LOOPBACK_NAMES, ...(options.extraNames ?? [])].map((name) => `${name}:${port}`);
  const host = req.headers.host?.toLowerCase() ?? '';
  const origin = req.headers.origin;
  if (!hosts.includes(host)) return true;
  if (origin === undefined) return false;
  return options.sameOrigin === false || !hosts.some((h) => origin.toLowerCase() === `http://${h}`);
}
