import { createHash } from 'node:crypto';
import { logger } from '#shared/observability/logger.ts';
import { publishCounts } from '#shared/observability/metrics.ts';
import type { ChangeQueue } from '#shared/ports/change-queue.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { RealmClaimRepository } from '#shared/store/realm-claim-repository.ts';
import type { WebhookRepository } from '#shared/store/webhook-repository.ts';
import {
  type ChangeNotice,
  HANDLED_ENTITIES,
  readNotifications,
} from '#shared/webhooks/notifications.ts';
import { verifyIntuitSignature } from '#shared/webhooks/signature.ts';

/**
 * QBO also notifies the invoices this stack creates. A create carries nothing the push did not
 * record, and any later change (an edit, a payment) has a notice of its own, so it is not worth a
 * record, a message, an invocation and a request of the company's 500 a minute. Of customers and
 * items only merges matter (the mappings follow the survivor).
 */
function worthQueueing(notice: ChangeNotice): boolean {
  if (!HANDLED_ENTITIES.has(notice.entity)) return false;
  if (notice.entity === 'Invoice') return notice.operation !== 'Create';
  if (notice.entity === 'Payment') return true;
  return notice.operation === 'Merge' && notice.deletedId !== undefined;
}

/** What the receiver answers Intuit, and what it did. */
export interface WebhookReceipt {
  readonly statusCode: 200 | 401;
  readonly accepted: number;
  readonly duplicates: number;
  readonly ignored: number;
  readonly unknownRealm: number;
  readonly unreadable: boolean;
}

/** What {@link receiveWebhook} needs. */
export interface ReceiveWebhookDeps {
  /** Who holds each company: the one item a confirm's transaction writes, never the realm index. */
  readonly claims: Pick<RealmClaimRepository, 'holder'>;
  readonly webhooks: WebhookRepository;
  readonly queue: ChangeQueue;
  readonly clock: Clock;
  readonly verifierTokens: readonly string[];
}

/**
 * Intuit's webhook delivery. The signature over the raw bytes is checked before anything is read:
 * a missing or wrong one is refused (401) and nothing is stored. A signed body is acknowledged
 * whatever is in it, so one bad event never blocks Intuit's queue: unreadable bodies are kept for
 * an operator, events that move nothing (see `worthQueueing`) and companies no tenant owns are
 * counted and ignored, repeats (Intuit's retries and copies of a delivery) are dropped, and every
 * new event is queued for the change worker. A delivery is claimed with one write whatever its
 * size, its messages are sent concurrently, and no QBO call is made here, so even a delivery of
 * hundreds of events is answered well inside Intuit's 3 s. If queueing fails the claim is
 * forgotten and the error propagates, so Intuit's retry brings the events again.
 *
 * @param deps - see {@link ReceiveWebhookDeps}
 * @param rawBody - the body exactly as received
 * @param signature - the `intuit-signature` header
 */
export async function receiveWebhook(
  deps: ReceiveWebhookDeps,
  rawBody: Buffer,
  signature: string | undefined,
): Promise<WebhookReceipt> {
  const receipt = { accepted: 0, duplicates: 0, ignored: 0, unknownRealm: 0, unreadable: false };
  if (!verifyIntuitSignature(rawBody, signature, deps.verifierTokens)) {
    logger.warn('Webhook with a missing or wrong signature refused', { bytes: rawBody.length });
    publishCounts({ WebhookSignatureRejected: 1 });
    return { statusCode: 401, ...receipt };
  }
  const receivedAt = deps.clock.now();
  const now = Math.floor(receivedAt / 1000);
  let notices: ReturnType<typeof readNotifications>;
  try {
    notices = readNotifications(JSON.parse(rawBody.toString('utf8')));
  } catch {
    notices = undefined;
  }
  if (!notices) {
    const hash = createHash('sha256').update(rawBody).digest('hex');
    await deps.webhooks.keepUnreadable(rawBody, hash, now);
    logger.warn('Signed webhook body in no known format; kept for an operator', { hash });
    publishCounts({ WebhookUnreadable: 1 });
    return { statusCode: 200, ...receipt, unreadable: true };
  }

  const owners = new Map<string, string | undefined>();
  const byTenant = new Map<string, ChangeNotice[]>();
  for (const notice of notices) {
    if (!worthQueueing(notice)) {
      receipt.ignored += 1;
      continue;
    }
    if (!owners.has(notice.realmId)) {
      owners.set(notice.realmId, await deps.claims.holder(notice.realmId));
    }
    const tenantId = owners.get(notice.realmId);
    if (!tenantId) {
      receipt.unknownRealm += 1;
      continue;
    }
    byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), notice]);
  }
  for (const [tenantId, tenantNotices] of byTenant) {
    const unique = [...new Map(tenantNotices.map((n) => [n.dedupeKey, n])).values()];
    receipt.duplicates += tenantNotices.length - unique.length;
    if (!(await deps.webhooks.claimDelivery(tenantId, unique, now))) {
      receipt.duplicates += unique.length;
      continue;
    }
    const sent = await Promise.allSettled(
      unique.map((notice) => deps.queue.send({ tenantId, notice, receivedAt })),
    );
    const failed = sent.find((r) => r.status === 'rejected');
    if (failed) {
      // Forgotten, so Intuit's retry of this delivery queues its events again (the FIFO queue
      // drops the ones that did go out).
      await deps.webhooks.releaseDelivery(tenantId, unique);
      throw failed.reason;
    }
    receipt.accepted += unique.length;
  }
  logger.info('Webhook received', receipt);
  publishCounts({
    WebhookEventsAccepted: receipt.accepted,
    WebhookEventsDuplicate: receipt.duplicates,
    WebhookEventsIgnoredEntity: receipt.ignored,
    WebhookEventsUnknownRealm: receipt.unknownRealm,
  });
  return { statusCode: 200, ...receipt };
}
