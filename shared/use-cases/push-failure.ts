/**
 * The push's failure policy, as a table: what a failure is ({@link classifyPushFailure}: pure, and
 * tested as a table), and what each kind does to the invoice, the Sync Errors panel, the metrics
 * and the queue message ({@link POLICY}).
 */
import { PushRefusal } from '#shared/domain/push-refusal.ts';
import type { SyncRefusal } from '#shared/domain/sync-error.ts';
import { toError } from '#shared/errors.ts';
import {
  IntuitUnavailableError,
  NotConnectedError,
  ReconnectRequiredError,
} from '#shared/oauth/errors.ts';
import { logger } from '#shared/observability/logger.ts';
import { publishCounts } from '#shared/observability/metrics.ts';
import type { PushMessage } from '#shared/ports/push-queue.ts';
import { QBO_FAULT, QboError } from '#shared/qbo/faults.ts';
import type { InvoiceRecord } from '#shared/store/invoice-repository.ts';
import { backoffSeconds } from '#shared/worker/backoff.ts';
import type { InvoiceSyncDeps } from './invoice-sync-deps.ts';
import { markReconnectRequired } from './mark-reconnect-required.ts';
import { iso, save } from './push-steps.ts';

/** What to do with the queue message. */
export type PushOutcome =
  | { readonly done: true }
  | { readonly done: false; readonly retryAfterSeconds: number };

/** The message is finished with. */
export const DONE: PushOutcome = { done: true };

/** Every kind of push failure. */
export type PushFailure =
  /** QBO 6190: the company is read-only until its subscription is renewed; parked. */
  | 'subscription_lapsed'
  /** No working grant: parked until the tenant reconnects. */
  | 'waiting_for_reconnect'
  /** QBO says the invoice this stack created is gone: re-sync creates it again. */
  | 'deleted_in_quickbooks'
  /** Refused, by TradelyHQ before sending or by QuickBooks: a sync error, no retry. */
  | 'refused'
  /** QBO 429: retried after a minute. */
  | 'throttled'
  /** QBO or Intuit unreachable or failing: retried with backoff. */
  | 'transient'
  /** Anything else: logged as an error, retried with backoff. */
  | 'unexpected';

/**
 * What a failure is.
 *
 * @param err - what the push threw
 * @param created - whether QBO has an invoice of this record (its id is known)
 */
export function classifyPushFailure(err: unknown, created: boolean): PushFailure {
  if (err instanceof QboError && err.faultCode === QBO_FAULT.subscriptionLapsed) {
    return 'subscription_lapsed';
  }
  if (
    err instanceof ReconnectRequiredError ||
    err instanceof NotConnectedError ||
    (err instanceof QboError && err.failure === 'auth')
  ) {
    return 'waiting_for_reconnect';
  }
  if (err instanceof QboError && err.failure === 'not_found' && created) {
    return 'deleted_in_quickbooks';
  }
  if (
    err instanceof PushRefusal ||
    (err instanceof QboError &&
      (err.failure === 'validation' || err.failure === 'not_found' || err.failure === 'forbidden'))
  ) {
    return 'refused';
  }
  if (err instanceof QboError && err.failure === 'throttled') return 'throttled';
  if (
    err instanceof IntuitUnavailableError ||
    (err instanceof QboError && err.failure === 'transient')
  ) {
    return 'transient';
  }
  return 'unexpected';
}

/** One failure of one push, as each row of the policy sees it. */
interface Failure {
  readonly deps: InvoiceSyncDeps;
  readonly record: InvoiceRecord;
  readonly err: unknown;
  readonly attempt: number;
  readonly lastAttempt: boolean;
  /** Epoch ms when the push began. */
  readonly startedAt: number;
}

/**
 * A reconnect that completes while a push is failing for want of one resumes the parked pushes
 * before this one is parked: connections newer than the attempt (with this margin for the
 * instant the reconnect took as its time) mean "try again now" rather than "wait".
 */
const RECONNECT_RACE_MARGIN_MS = 5_000;

/** What each kind of failure does. */
const POLICY: Record<PushFailure, (failure: Failure) => Promise<PushOutcome>> = {
  subscription_lapsed: lapsed,
  waiting_for_reconnect: parked,
  deleted_in_quickbooks: (f) => refused(f, true),
  refused: (f) => refused(f, false),
  throttled: (f) => retried(f, 60 + Math.round(Math.random() * 15)),
  transient: (f) => retried(f, backoffSeconds(f.attempt)),
  unexpected: (f) => {
    const { tenantId, invoiceId } = f.record;
    logger.error('Push failed unexpectedly', { tenantId, invoiceId, error: toError(f.err) });
    return retried(f, backoffSeconds(f.attempt));
  },
};

/**
 * Applies the failure policy to a failed push of the message's revision (a newer revision has its
 * own message: nothing to do for this one).
 *
 * @param deps - see {@link InvoiceSyncDeps}
 * @param message - the push that failed
 * @param err - what it threw
 * @param at - the receive count, whether it was the last, and when the push began
 */
export async function pushFailed(
  deps: InvoiceSyncDeps,
  message: PushMessage,
  err: unknown,
  at: { readonly attempt: number; readonly lastAttempt: boolean; readonly startedAt: number },
): Promise<PushOutcome> {
  const record = await deps.invoices.get(message.tenantId, message.invoiceId);
  if (!record || record.revision !== message.revision) return DONE;
  const kind = classifyPushFailure(err, record.qboInvoiceId !== null);
  return POLICY[kind]({ deps, record, err, ...at });
}

async function lapsed({ deps, record }: Failure): Promise<PushOutcome> {
  // The company's subscription ended: a fact about the connection, shown once in the banner,
  // not an error of this invoice. The push waits for the reconnect like any parked push.
  await markReconnectRequired(
    deps,
    record.tenantId,
    'The QuickBooks subscription of this company has ended or has a billing problem, so ' +
      'QuickBooks is read-only (QuickBooks said "Invalid Company Status"). Renew it in QuickBooks',
    'subscription_lapsed',
  );
  await save(deps, record, {
    status: 'queued',
    parked: true,
    lastError: {
      code: 'subscription_lapsed',
      message: 'Waiting for the QuickBooks subscription to be renewed and QuickBooks reconnected.',
    },
  });
  publishCounts({ InvoicePushParked: 1 }, { tenantId: record.tenantId });
  return DONE;
}

async function parked({ deps, record, startedAt }: Failure): Promise<PushOutcome> {
  const { tenantId, invoiceId } = record;
  // Parked, not failed: it goes out by itself when the tenant reconnects.
  await save(deps, record, {
    status: 'queued',
    parked: true,
    lastError: {
      code: 'waiting_for_reconnect',
      message: 'Waiting for QuickBooks to be reconnected.',
    },
  });
  publishCounts({ InvoicePushParked: 1 }, { tenantId });
  await deps.syncErrors.open(
    tenantId,
    invoiceId,
    {
      kind: 'auth',
      docNumber: record.snapshot.docNumber,
      message: 'Not sent to QuickBooks yet: reconnect QuickBooks and it will go out automatically.',
    },
    iso(deps),
  );
  const connection = await deps.connections.get(tenantId);
  const reconnectedMeanwhile =
    connection?.status === 'connected' &&
    Date.parse(connection.connectedAt) > startedAt - RECONNECT_RACE_MARGIN_MS;
  return reconnectedMeanwhile ? { done: false, retryAfterSeconds: 1 } : DONE;
}

async function refused({ deps, record, err }: Failure, deleted: boolean): Promise<PushOutcome> {
  const { tenantId, invoiceId } = record;
  const failure = err as PushRefusal | QboError;
  const text = deleted
    ? 'The invoice was deleted in QuickBooks; re-sync to create it again.'
    : failure.message;
  await save(
    deps,
    record,
    {
      status: deleted ? 'deleted_in_quickbooks' : 'failed',
      lastError: { code: failure.code, message: text },
    },
    undefined,
    {
      type: deleted ? 'invoice.deleted_in_quickbooks' : 'invoice.push_failed',
      detail: { reason: text },
    },
  );
  const refusal: SyncRefusal | undefined = deleted
    ? undefined
    : failure instanceof PushRefusal
      ? { by: 'tradelyhq', code: failure.code }
      : { by: 'quickbooks', code: failure.faultCode ?? failure.code };
  await deps.syncErrors.open(
    tenantId,
    invoiceId,
    {
      kind: deleted
        ? 'deleted_in_quickbooks'
        : failure instanceof PushRefusal
          ? failure.syncKind
          : 'validation',
      docNumber: record.snapshot.docNumber,
      message: text,
      ...(refusal ? { refusal } : {}),
    },
    iso(deps),
  );
  publishCounts({ InvoicePushFailed: 1 }, { tenantId });
  return DONE;
}

async function retried(
  { deps, record, err, attempt, lastAttempt }: Failure,
  retryAfterSeconds: number,
): Promise<PushOutcome> {
  const { tenantId, invoiceId } = record;
  const reason = toError(err).message;
  if (lastAttempt) {
    const finalText = `Gave up after ${attempt} attempts: ${reason}`;
    await save(
      deps,
      record,
      { status: 'failed', lastError: { code: 'push_failed', message: finalText } },
      undefined,
      { type: 'invoice.push_failed', detail: { reason: finalText } },
    );
    await deps.syncErrors.open(
      tenantId,
      invoiceId,
      { kind: 'push_failed', docNumber: record.snapshot.docNumber, message: finalText },
      iso(deps),
    );
    publishCounts({ InvoicePushFailed: 1 }, { tenantId });
    return { done: false, retryAfterSeconds: 0 };
  }
  await save(deps, record, {
    status: 'queued',
    lastError: { code: 'retrying', message: `Could not reach QuickBooks (${reason}); retrying.` },
  });
  publishCounts({ InvoicePushRetried: 1 }, { tenantId });
  return { done: false, retryAfterSeconds };
}
