/**
 * Typed errors with a stable `code`. The `kind` says what went wrong in terms any adapter can map
 * (HTTP status in `shared/http/api-handler.ts`, record failure in a queue worker); the `code` is the
 * machine-readable contract with callers, and the message is safe to show to a person.
 */

/** What kind of failure an {@link AppError} is; adapters map kinds, never codes. */
export type ErrorKind =
  | 'invalid_input'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'gone'
  | 'unavailable';

/** One problem found in an input, located by its path (e.g. `lines.1.amount`). */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

/** Base of every error this stack raises on purpose. */
export class AppError extends Error {
  /**
   * @param kind - what kind of failure this is
   * @param code - stable machine-readable code (snake_case)
   * @param message - a message a person can act on; never contains secrets or upstream bodies
   * @param options - standard error options, to keep the `cause`
   */
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

/** Input that fails validation; lists every problem, not only the first. */
export class ValidationError extends AppError {
  /**
   * @param issues - every problem found, by path
   * @param message - summary for a person
   * @param code - a more precise stable code than `invalid_request`, where callers act on it
   */
  constructor(
    readonly issues: readonly Issue[],
    message = 'The request is not valid.',
    code = 'invalid_request',
  ) {
    super('invalid_input', code, message);
    this.name = 'ValidationError';
  }
}

/** The caller is not authenticated (no token, bad token, or no tenant in it). */
export class UnauthenticatedError extends AppError {
  /** @param message - why the caller is not authenticated */
  constructor(message = 'Authentication is required.') {
    super('unauthenticated', 'unauthorized', message);
    this.name = 'UnauthenticatedError';
  }
}

/**
 * Narrows a caught value to an `Error`; anything else thrown is wrapped so that callers always have
 * a message and a stack to log.
 *
 * @param value - whatever was caught
 */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
