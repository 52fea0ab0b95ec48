import { createHash } from 'node:crypto';
import type { ChangeNotice } from '#shared/webhooks/notifications.ts';

/** What the change queue carries: one change Intuit notified, for the tenant that owns it. */
export interface ChangeMessage {
  readonly tenantId: string;
  readonly notice: ChangeNotice;
  /**
   * When (epoch ms) the webhook receiver took the notice: a QBO read sent after it sees the change
   * (absent in messages queued before this field existed).
   */
  readonly receivedAt?: number;
}

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
