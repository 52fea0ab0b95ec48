import { createHash } from 'node:crypto';
// zod/mini: the same checks as zod in a seventh of the bundle; see FUNCTION_BUNDLING.
import * as z from 'zod/mini';

/** One change Intuit notified, whichever payload format it came in. */
export const changeNoticeSchema = z.object({
  realmId: z.string(),
  /** QBO entity name as Intuit spells it in the legacy format: `Invoice`, `Payment`, … */
  entity: z.string(),
  entityId: z.string(),
  /** `Create`, `Update`, `Delete`, `Void`, `Merge`, `Emailed`. */
  operation: z.string(),
  /** When it happened, as Intuit wrote it (formats vary; kept as text). */
  occurredAt: z.string(),
  /** Stable across Intuit's retries: the CloudEvents id, or a hash of the legacy fields. */
  dedupeKey: z.string(),
  /** On a Merge: the record merged away (`entityId` is the one kept). */
  deletedId: z.optional(z.string()),
});

/** A change notice: see {@link changeNoticeSchema}. */
export type ChangeNotice = z.infer<typeof changeNoticeSchema>;

/**
 * What the change queue carries: one change Intuit notified, for the tenant that owns it. Unknown
 * fields are let through (a deploy mixes releases).
 */
export const changeMessageSchema = z.object({
  tenantId: z.string().check(z.minLength(1)),
  notice: changeNoticeSchema,
  /**
   * When (epoch ms) the webhook receiver took the notice: a QBO read sent after it sees the change
   * (absent in messages queued before this field existed).
   */
  receivedAt: z.optional(z.number()),
});

/** A change message: see {@link changeMessageSchema}. */
export type ChangeMessage = z.infer<typeof changeMessageSchema>;

/** The FIFO queue between the webhook receiver and the change worker. */
export interface ChangeQueue {
  /**
   * Queues a change.
   *
   * @param message - the change
   */
  send(message: ChangeMessage): Promise<void>;
}

/** FIFO group and deduplication of change messages: one company's changes, one at a time. */
export const changeKeys = {
  group: (m: ChangeMessage): string => `${m.tenantId}#${m.notice.realmId}`,
  dedupe: (m: ChangeMessage): string =>
    createHash('sha256').update(`${m.tenantId}\n${m.notice.dedupeKey}`).digest('hex'),
};
