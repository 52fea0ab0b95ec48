import { createHash, randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { MessageDelay } from '#shared/ports/push-queue.ts';

/** Options of a {@link LocalQueue}. */
export interface LocalQueueOptions {
  /** Queue name, for the records' ARN. */
  readonly name: string;
  /** FIFO: one message in flight per group, in order; deduplication for 5 minutes. */
  readonly fifo: boolean;
  /** Seconds a received message stays invisible unless the consumer changes it. */
  readonly visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the dead-letter list. */
  readonly maxReceiveCount: number;
  /** How many messages may be processed at once (Lambda's concurrency). @default 10 */
  readonly concurrency?: number;
  /** Multiplies every delay (tests run an hour of backoff in seconds). @default 1 */
  readonly timeScale?: number;
}

interface Stored {
  readonly messageId: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly groupId: string | undefined;
  readonly dedupeId: string | undefined;
  readonly sentAt: number;
  receiveCount: number;
  visibleAt: number;
  receiptHandle?: string;
  delayOverride?: number;
}

/** What a {@link LocalQueue} has done, as SQS would bill it and Lambda would run it. */
export interface LocalQueueStats {
  /** SendMessage calls that stored a message (duplicates within the window excluded). */
  sent: number;
  /** Deliveries to the consumer: Lambda invocations, each one a ReceiveMessage. */
  receives: number;
  /** Messages deleted after a successful delivery. */
  deleted: number;
  /** ChangeMessageVisibility calls (backoff). */
  visibilityChanges: number;
  /** Milliseconds the consumer spent on deliveries, summed: Lambda's billed duration. */
  consumerMs: number;
}

/**
 * Where a {@link LocalQueue}'s sends and visibility changes go when the queue itself lives in
 * another process: a worker process (the soak's stand-in for a Lambda execution environment)
 * forwards them to the parent that owns the messages, as a Lambda calls SQS.
 */
export interface RemoteQueue {
  send(
    body: string,
    fifo: { groupId: string; dedupeId?: string } | undefined,
    attributes: Readonly<Record<string, string>>,
  ): void;
  delay(receiptHandle: string, seconds: number): Promise<void>;
}

/** A Lambda-style consumer of SQS events with partial batch failures. */
export type QueueConsumer = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

const DEDUPE_WINDOW_MS = 5 * 60_000;

/**
 * An in-process queue with SQS's semantics, for local mode and tests: visibility timeout, receive
 * count, a dead-letter list after `maxReceiveCount`, `ChangeMessageVisibility` (as
 * {@link MessageDelay}), and for FIFO queues message groups (one in flight per group, in order)
 * and 5-minute deduplication. The consumer gets the same SQS event a Lambda would (one record per
 * batch) and answers with `batchItemFailures`.
 */
export class LocalQueue implements MessageDelay {
  private readonly messages: Stored[] = [];
  private readonly deadLetters: Stored[] = [];
  private readonly recentDedupe = new Map<string, number>();
  private readonly inFlight = new Set<Stored>();
  private consumer: QueueConsumer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly idleWaiters: (() => void)[] = [];
  /** Counts since the queue was made (`GET /_local/queues`; the cost benchmark reads them). */
  readonly stats: LocalQueueStats = {
    sent: 0,
    receives: 0,
    deleted: 0,
    visibilityChanges: 0,
    consumerMs: 0,
  };
  private remote: RemoteQueue | undefined;

  /** @param options - see {@link LocalQueueOptions} */
  /** @param options - its definition (read back by the tests) */
  constructor(readonly options: LocalQueueOptions) {}

  /**
   * Sends a message.
   *
   * @param body - the message body
   * @param fifo - group and deduplication ids (FIFO queues)
   * @param attributes - string message attributes
   * @param delaySeconds - deliver no sooner than this (SQS `DelaySeconds`, standard queues)
   */
  send(
    body: string,
    fifo?: { groupId: string; dedupeId?: string },
    attributes: Readonly<Record<string, string>> = {},
    delaySeconds = 0,
  ): void {
    if (this.remote) {
      if (delaySeconds > 0) throw new Error('A delayed send cannot be forwarded');
      this.remote.send(body, fifo, attributes);
      return;
    }
    const dedupeId =
      fifo?.dedupeId ??
      (this.options.fifo ? createHash('sha256').update(body).digest('hex') : undefined);
    const now = Date.now();
    if (dedupeId) {
      const seen = this.recentDedupe.get(dedupeId);
      if (seen !== undefined && now - seen < DEDUPE_WINDOW_MS) return;
      this.recentDedupe.set(dedupeId, now);
    }
    this.stats.sent += 1;
    this.messages.push({
      messageId: randomUUID(),
      body,
      attributes,
      groupId: fifo?.groupId,
      dedupeId,
      sentAt: now,
      receiveCount: 0,
      visibleAt: now + delaySeconds * 1000 * (this.options.timeScale ?? 1),
    });
    this.kick();
  }

  async delay(receiptHandle: string, seconds: number): Promise<void> {
    if (this.remote) return this.remote.delay(receiptHandle, seconds);
    const message = [...this.inFlight].find((m) => m.receiptHandle === receiptHandle);
    if (message) message.delayOverride = seconds;
    this.stats.visibilityChanges += 1;
  }

  /**
   * Starts delivering to a consumer.
   *
   * @param consumer - the Lambda handler of the queue's worker
   */
  start(consumer: QueueConsumer): void {
    this.consumer = consumer;
    this.kick();
  }

  /**
   * Turns this instance into a proxy: from now on {@link send} and {@link delay} go to `remote`
   * (the process that owns the messages) and nothing is stored here.
   *
   * @param remote - the owning queue's sender, e.g. over IPC
   */
  forwardTo(remote: RemoteQueue): void {
    this.remote = remote;
  }

  /** Stops delivering; messages stay. */
  stop(): void {
    this.consumer = undefined;
    clearTimeout(this.timer);
  }

  /** Messages waiting or in flight. */
  get depth(): number {
    return this.messages.length;
  }

  /** Messages that exhausted their receives. */
  deadLettered(): readonly { messageId: string; body: string; receiveCount: number }[] {
    return this.deadLetters.map(({ messageId, body, receiveCount }) => ({
      messageId,
      body,
      receiveCount,
    }));
  }

  /** Drops every waiting message (like SQS PurgeQueue); in-flight ones finish. */
  purge(): number {
    const waiting = this.messages.filter((m) => !this.inFlight.has(m));
    for (const m of waiting) this.messages.splice(this.messages.indexOf(m), 1);
    if (this.messages.length === 0) for (const done of this.idleWaiters.splice(0)) done();
    return waiting.length;
  }

  /** Moves every dead-lettered message back to the queue (a DLQ redrive). */
  redrive(): number {
    const moved = this.deadLetters.splice(0);
    for (const m of moved) {
      m.receiveCount = 0;
      m.visibleAt = Date.now();
      this.messages.push(m);
    }
    this.kick();
    return moved.length;
  }

  /** Resolves once no message is waiting or in flight (delayed ones included). */
  idle(): Promise<void> {
    if (this.messages.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), 0);
  }

  private pump(): void {
    if (!this.consumer) return;
    const now = Date.now();
    const busyGroups = new Set([...this.inFlight].map((m) => m.groupId));
    const concurrency = this.options.concurrency ?? 10;
    for (const message of this.messages) {
      if (this.inFlight.size >= concurrency) break;
      if (this.inFlight.has(message) || message.visibleAt > now) {
        if (message.groupId) busyGroups.add(message.groupId);
        continue;
      }
      if (message.groupId && busyGroups.has(message.groupId)) continue;
      if (message.groupId) busyGroups.add(message.groupId);
      void this.deliver(message);
    }
    // Only a message that is not visible yet needs a timer; one that waits for its group or for a
    // free slot is picked up by the kick() that ends the delivery in its way.
    const next = Math.min(
      ...this.messages
        .filter((m) => !this.inFlight.has(m) && m.visibleAt > now)
        .map((m) => m.visibleAt),
    );
    if (Number.isFinite(next)) {
      this.timer = setTimeout(() => this.pump(), Math.max(1, next - Date.now()));
    }
  }

  private async deliver(message: Stored): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    this.inFlight.add(message);
    message.receiveCount += 1;
    message.receiptHandle = randomUUID();
    message.delayOverride = undefined;
    this.stats.receives += 1;
    const started = performance.now();
    let failed: boolean;
    try {
      const response = await consumer({ Records: [this.record(message)] });
      failed = (response?.batchItemFailures ?? []).some(
        (f) => f.itemIdentifier === message.messageId,
      );
    } catch {
      failed = true;
    }
    this.stats.consumerMs += performance.now() - started;
    this.inFlight.delete(message);
    const index = this.messages.indexOf(message);
    if (!failed) {
      this.stats.deleted += 1;
      this.messages.splice(index, 1);
    } else if (message.receiveCount >= this.options.maxReceiveCount) {
      this.messages.splice(index, 1);
      this.deadLetters.push(message);
    } else {
      const seconds = message.delayOverride ?? this.options.visibilityTimeoutSeconds;
      message.visibleAt = Date.now() + seconds * 1000 * (this.options.timeScale ?? 1);
    }
    if (this.messages.length === 0) for (const done of this.idleWaiters.splice(0)) done();
    this.kick();
  }

  private record(message: Stored): SQSRecord {
    return {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle ?? '',
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(message.sentAt),
        ...(message.groupId ? { MessageGroupId: message.groupId } : {}),
        ...(message.dedupeId ? { MessageDeduplicationId: message.dedupeId } : {}),
      },
      messageAttributes: Object.fromEntries(
        Object.entries(message.attributes).map(([name, stringValue]) => [
          name,
          { dataType: 'String', stringValue },
        ]),
      ),
      md5OfBody: createHash('md5').update(message.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:local:000000000000:${this.options.name}`,
      awsRegion: 'local',
    };
  }
}
