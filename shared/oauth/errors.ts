import { AppError } from '#shared/errors.ts';

/** The tenant has no QuickBooks connection. */
export class NotConnectedError extends AppError {
  constructor() {
    super('conflict', 'quickbooks_not_connected', 'QuickBooks is not connected for this tenant.');
    this.name = 'NotConnectedError';
  }
}

/**
 * Intuit refused the grant (`invalid_grant`: revoked, lapsed, expired refresh token). Retrying does
 * not help; the tenant must redo the OAuth flow.
 */
export class ReconnectRequiredError extends AppError {
  /** @param reason - what Intuit said, safe to show an admin */
  constructor(readonly reason: string) {
    super(
      'conflict',
      'quickbooks_reconnect_required',
      'The QuickBooks connection has expired or was revoked. Reconnect QuickBooks.',
    );
    this.name = 'ReconnectRequiredError';
  }
}

/** Intuit's OAuth service failed or did not answer (5xx, network). Retry later; the grant is fine. */
export class IntuitUnavailableError extends AppError {
  /**
   * @param detail - what failed, for logs and the admin
   * @param options - keeps the cause
   */
  constructor(detail: string, options?: ErrorOptions) {
    super(
      'unavailable',
      'quickbooks_unavailable',
      `QuickBooks is not reachable: ${detail}`,
      options,
    );
    this.name = 'IntuitUnavailableError';
  }
}

/** Intuit refused a request for another reason (bad client credentials, bad code). */
export class IntuitOAuthError extends AppError {
  /**
   * @param error - Intuit's `error` code, e.g. `invalid_client`
   * @param description - Intuit's `error_description`
   */
  constructor(
    readonly error: string,
    description: string,
  ) {
    super(
      'invalid_input',
      `intuit_${error || 'error'}`,
      description || 'Intuit refused the request.',
    );
    this.name = 'IntuitOAuthError';
  }
}
