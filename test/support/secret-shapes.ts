/** The webhook verifier token the test app and its emulator share. */
export const WEBHOOK_TOKEN = 'test-verifier-token-0123456789';

/** The emulator's client secret (`emulator/server.ts`). */
const CLIENT_SECRET = 'emulator-client-secret';

const literal = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

/**
 * The shapes of the secrets tests handle, the emulator's and the test stack's, as they could
 * leak into a log line: loose, so that even a cut-off token is caught.
 */
export const SECRET_SHAPES: readonly RegExp[] = [
  /AB11[\w-]{30,}/, // authorization code
  /RT1-[\w-]{30,}/, // refresh token
  /eyJ[\w-]{60,}/, // access token, or a bearer JWT of the API
  literal(CLIENT_SECRET),
  literal(WEBHOOK_TOKEN),
];

/** A token standing on its own, not a run inside a longer base64 text. */
const alone = (shape: string) => new RegExp(`(?<![A-Za-z0-9+/_-])${shape}(?![A-Za-z0-9_-])`);

/**
 * The same secrets as they would sit in a stored attribute. Stored items also hold standard
 * base64 (sealed token blobs, kept webhook heads) in which a loose shape would turn up by
 * chance, so a token must stand alone, and a JWT must have its dotted structure.
 */
export const STORED_SECRET_SHAPES: Readonly<Record<string, RegExp>> = {
  'authorization code': alone('AB11[\\w-]{30,}'),
  'refresh token': alone('RT1-[\\w-]{30,}'),
  'access token (JWT)': alone('eyJ[\\w-]{10,}\\.[\\w-]{10,}\\.[\\w-]*'),
  'client secret': literal(CLIENT_SECRET),
  'webhook verifier token': literal(WEBHOOK_TOKEN),
};
