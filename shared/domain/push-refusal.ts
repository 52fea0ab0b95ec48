import { AppError } from '#shared/errors.ts';
import type { SyncErrorKind } from './sync-error.ts';

/**
 * A push that cannot succeed until someone changes something (a setting, the invoice, a record in
 * QuickBooks): the push worker opens a sync error of `syncKind` with this message and does not
 * retry. Raised before anything is created in QuickBooks, or after QuickBooks refused, explained.
 */
export class PushRefusal extends AppError {
  /**
   * @param syncKind - the Sync Errors panel's kind
   * @param code - stable code, shown as the invoice's `lastError.code`
   * @param message - what is wrong and what the admin can do about it
   */
  constructor(
    readonly syncKind: Extract<SyncErrorKind, 'validation' | 'duplicate_doc_number'>,
    code: string,
    message: string,
  ) {
    super('invalid_input', code, message);
    this.name = 'PushRefusal';
  }
}
