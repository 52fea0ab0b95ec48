import { createHash } from 'node:crypto';
// zod/mini: the same checks as zod in a seventh of the bundle; see FUNCTION_BUNDLING.
import * as z from 'zod/mini';

/**
 * What the push queue carries: which revision of which invoice to push. Unknown fields are let
 * through (a deploy mixes releases).
 */
export const pushMessageSchema = z.object({
  tenantId: z.string().check(z.minLength(1)),
  invoiceId: z.string().check(z.minLength(1)),
  revision: z.int().check(z.minimum(1)),
  /**
   * The invoice's lane ({@link pushLane}), kept on its record from its first revision; records
   * from before lanes have none, and their group comes from a hash of the invoice id as before.
   */
  lane: z.optional(z.int()),
});

/** A push message: see {@link pushMessageSchema}. */
export type PushMessage = z.infer<typeof pushMessageSchema>;

/** The FIFO push queue. */
export interface PushQueue {
  /**
   * Sends a push; the same tenant, invoice, revision and reason sent twice is one message.
   *
   * @param message - the push
   * @param reason - why it is sent: `push` (TradelyHQ sent it), or a unique reason for a deliberate
   *   re-send (a resume after reconnect, a re-sync) so deduplication does not swallow it
   */
  send(message: PushMessage, reason?: string): Promise<void>;
}

/** Lets a worker postpone a message it could not process yet (backoff). */
export interface MessageDelay {
  /**
   * Makes a received message visible again only after a delay.
   *
   * @param receiptHandle - the receipt of the message
   * @param seconds - the delay
   */
  delay(receiptHandle: string, seconds: number): Promise<void>;
}

/**
 * Message groups per tenant. Messages of one group are delivered in order, one at a time; a
 * tenant's invoices are dealt over this many groups ({@link pushLane}), so revisions of one
 * invoice stay in order while up to this many invoices of a tenant go out in parallel: QBO's 10
 * concurrent requests per company, which the shared limiter enforces for every function (with 5
 * groups a burst used half of QBO's concurrency: 10 × 100 bench 1.63× the time of a naive pusher
 * with five lanes a company, 1.21× with 10 groups, same machine, same hour).
 */
export const GROUPS_PER_TENANT = 10;

/** The lane a hash of the invoice id gives: the group of invoices with no lane of their own. */
function hashedLane(invoiceId: string): number {
  return createHash('sha256').update(invoiceId).digest().readUInt32BE(0) % GROUPS_PER_TENANT;
}

/**
 * The lane (message group) of a new invoice, chosen once, at its first revision, and kept on its
 * record: the number at the end of its invoice number, modulo {@link GROUPS_PER_TENANT}, so a
 * burst of invoices numbered in sequence (as VAT invoices must be: Directive 2006/112/EC art.
 * 226(2); the UK's VAT Regulations 1995 reg. 14(1),
 * https://www.gov.uk/hmrc-internal-manuals/vat-trader-records/vatrec5010) is dealt evenly over
 * the groups and reaches QBO at its full concurrency. A hash spreads unevenly: 100 invoice ids
 * put 16 in the fullest of ten groups and 5 in the emptiest, so the burst took 1.6 times as long
 * as its fair share once QBO was the bound.
 * An invoice number without a number at its end falls back to a hash of the invoice id.
 *
 * @param invoiceId - TradelyHQ's invoice id
 * @param docNumber - its invoice number, as first sent
 */
export function pushLane(invoiceId: string, docNumber: string): number {
  const digits = /(\d{1,15})\D*$/.exec(docNumber)?.[1];
  return digits === undefined ? hashedLane(invoiceId) : Number(digits) % GROUPS_PER_TENANT;
}

/**
 * The FIFO message group of an invoice: its tenant and its lane.
 *
 * @param message - the push
 */
export function messageGroup(message: PushMessage): string {
  return `${message.tenantId}#${message.lane ?? hashedLane(message.invoiceId)}`;
}

/**
 * The push message of an invoice's current revision, in its lane.
 *
 * @param record - the invoice
 */
export function pushOf(record: PushMessage): PushMessage {
  const { tenantId, invoiceId, revision, lane } = record;
  return lane === undefined
    ? { tenantId, invoiceId, revision }
    : { tenantId, invoiceId, revision, lane };
}

/**
 * The FIFO deduplication id of a push: one per tenant, invoice, revision and reason.
 *
 * @param message - the push
 * @param reason - see {@link PushQueue.send}
 */
export function deduplicationId(message: PushMessage, reason = 'push'): string {
  return createHash('sha256')
    .update(`${message.tenantId}\n${message.invoiceId}\n${message.revision}\n${reason}`)
    .digest('hex');
}

/**
 * The body of a push: which revision of which invoice. The lane chooses the message group and
 * stays out of the body (the worker reads the invoice's lane from its record): a worker of a
 * release before this schema was tolerant parsed the body strictly.
 *
 * @param message - the push
 */
export function pushBody({ tenantId, invoiceId, revision }: PushMessage): string {
  return JSON.stringify({ tenantId, invoiceId, revision });
}

/** FIFO group, deduplication and body of push messages. */
export const pushKeys = { group: messageGroup, dedupe: deduplicationId, body: pushBody };
