/**
 * The push's failure policy as a table: each failure a push can meet, and the kind it is. What
 * each kind does to the invoice is exercised over HTTP by the push suites
 * (`test/integration/invoice-push*.test.ts`).
 */
import { describe, expect, it } from 'vitest';
import { PushRefusal } from '#shared/domain/push-refusal.ts';
import {
  IntuitUnavailableError,
  NotConnectedError,
  ReconnectRequiredError,
} from '#shared/oauth/errors.ts';
import { QBO_FAULT, QboError } from '#shared/qbo/faults.ts';
import { classifyPushFailure, type PushFailure } from '#shared/use-cases/push-failure.ts';

const fault = (failure: ConstructorParameters<typeof QboError>[0], code = '') =>
  new QboError(
    failure,
    400,
    code ? [{ code, message: 'QuickBooks said so', detail: '' }] : [],
    false,
  );

const table: [string, unknown, boolean, PushFailure][] = [
  [
    'a lapsed subscription (6190)',
    fault('validation', QBO_FAULT.subscriptionLapsed),
    true,
    'subscription_lapsed',
  ],
  ['no connection', new NotConnectedError(), false, 'waiting_for_reconnect'],
  ['a dead grant', new ReconnectRequiredError('dead'), false, 'waiting_for_reconnect'],
  ["QBO's 401", fault('auth'), false, 'waiting_for_reconnect'],
  ['our invoice gone in QBO', fault('not_found', '610'), true, 'deleted_in_quickbooks'],
  ['a reference QBO cannot find, before any create', fault('not_found', '610'), false, 'refused'],
  [
    'a refusal before sending',
    new PushRefusal('validation', 'tax_code_unmapped', 'map it'),
    false,
    'refused',
  ],
  ["QBO's validation fault", fault('validation', '6000'), true, 'refused'],
  ["QBO's forbidden", fault('forbidden'), false, 'refused'],
  ["QBO's 429", fault('throttled'), false, 'throttled'],
  ["QBO's 5xx", fault('transient'), false, 'transient'],
  ['Intuit unreachable', new IntuitUnavailableError('HTTP 503'), false, 'transient'],
  ['a bug', new TypeError('undefined is not a function'), false, 'unexpected'],
];

describe('Function: classifyPushFailure (the failure policy table)', () => {
  it.each(table)('%s', (_name, err, created, kind) => {
    expect(classifyPushFailure(err, created)).toBe(kind);
  });
});
