/**
 * Typed errors thrown inside the emulator. Each maps to exactly one HTTP response shape in
 * the module that serves it, so handlers throw and never build error bodies themselves.
 */

/** Base class of every emulator error. */
export class EmulatorError extends Error {
  /**
   * @param message - human-readable description
   * @param options - standard error options (`cause`)
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EmulatorError';
  }
}

/** One entry of a QBO `Fault.Error` array. */
export interface FaultEntry {
  readonly Message: string;
  readonly Detail: string;
  readonly code: string;
  readonly element?: string;
}

/** The QBO fault types seen in the capitalised `Fault` shape. */
export type FaultType = 'ValidationFault' | 'SystemFault' | 'SERVICE';

/**
 * A QBO Accounting API fault in the capitalised shape
 * (`{"Fault":{"Error":[…],"type":"ValidationFault"},"time":…}`).
 */
export class QboFaultError extends EmulatorError {
  readonly status: number;
  readonly type: FaultType;
  readonly errors: readonly FaultEntry[];

  /**
   * @param status - HTTP status (400 for validation faults)
   * @param type - the fault type
   * @param errors - the `Error` entries
   */
  constructor(status: number, type: FaultType, errors: readonly FaultEntry[]) {
    super(errors[0]?.Message ?? 'QBO fault');
    this.name = 'QboFaultError';
    this.status = status;
    this.type = type;
    this.errors = errors;
  }
}

/** An OAuth 2.0 protocol error (`{"error":"invalid_grant","error_description":…}`). */
export class OAuthProtocolError extends EmulatorError {
  readonly status: number;
  readonly error: string;
  readonly description: string | undefined;

  /**
   * @param status - HTTP status (400, or 401 for `invalid_client`)
   * @param error - the OAuth error code
   * @param description - `error_description`, when Intuit sends one
   */
  constructor(status: number, error: string, description?: string) {
    super(description ? `${error}: ${description}` : error);
    this.name = 'OAuthProtocolError';
    this.status = status;
    this.error = error;
    this.description = description;
  }
}

/** A bad request to the admin API (`{"error":…}` with the given status). */
export class AdminError extends EmulatorError {
  readonly status: number;

  /**
   * @param status - HTTP status
   * @param message - description returned to the caller
   */
  constructor(status: number, message: string) {
    super(message);
    this.name = 'AdminError';
    this.status = status;
  }
}
