import { type ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { LocalQueue } from '#shared/adapters/local/local-queue.ts';
import {
  localChangeQueue,
  localPushQueue,
  localReconcileQueue,
} from '#shared/adapters/local/local-queues.ts';

/** The local queues whose workers run in the worker process. */
export type WorkerQueueName = 'push' | 'changes' | 'reconcile';

/** Parent → worker process: run one SQS event through a queue's handler. */
export interface WorkerInvoke {
  readonly type: 'invoke';
  readonly id: number;
  readonly queue: WorkerQueueName;
  readonly event: SQSEvent;
}

/** Worker process → parent. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly response?: SQSBatchResponse;
      readonly failed?: boolean;
    }
  | {
      readonly type: 'send';
      readonly queue: WorkerQueueName;
      readonly body: string;
      readonly fifo: { groupId: string; dedupeId?: string } | undefined;
      readonly attributes: Readonly<Record<string, string>>;
    }
  | {
      readonly type: 'delay';
      readonly queue: WorkerQueueName;
      readonly receiptHandle: string;
      readonly seconds: number;
    };

/** The local queues by name, in the parent and (as proxies) in the worker process. */
export const workerQueues: Record<WorkerQueueName, LocalQueue> = {
  push: localPushQueue,
  changes: localChangeQueue,
  reconcile: localReconcileQueue,
};

interface Settle {
  resolve(response: SQSBatchResponse | undefined): void;
  reject(error: Error): void;
}

const entry = new URL('./worker-process.ts', import.meta.url).pathname;

/**
 * Runs the queue workers in a child process ({@link ./worker-process.ts}) fed by this process's
 * local queues, and kills it with SIGKILL at will: the soak's model of a Lambda execution
 * environment dying mid-invocation.
 *
 * The messages stay in this process's {@link LocalQueue}s (SQS is durable). An invocation the
 * killed process held fails here, so its message becomes visible again after the visibility
 * timeout (or after the backoff the handler had already set with ChangeMessageVisibility), with
 * its receive count raised, as in SQS; whatever the handler had done by then (QBO calls, DynamoDB
 * writes) stays done and the rest is lost. One difference from SQS: the timeout is counted from
 * the kill, not from the receive.
 */
export class WorkerHost {
  private child: ChildProcess | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, Settle>();
  /** SIGKILLs sent by {@link killAndRestart}. */
  kills = 0;
  /** Invocations (SQS events) in flight in the killed processes. */
  killedInvocations = 0;
  /** Set when the worker process died without being killed: the run is broken. */
  crashed: string | undefined;

  /** @param onLogLine - receives each line the worker process writes (its JSON logs) */
  constructor(private readonly onLogLine: (line: string) => void) {}

  /** Starts a worker process and, once it has loaded its handlers, delivers to it. */
  async start(): Promise<void> {
    this.attach(await this.spawn());
  }

  /**
   * SIGKILLs the worker process at this instant and hands its queues to a new one after `downMs`.
   * The new one is started (cold start: loading the handlers) while the old one still works, as
   * Lambda starts new execution environments beside failing ones; so a kill costs the run the
   * lost invocations and their visibility timeout, not a cold start.
   *
   * @param downMs - time with no worker process at all
   */
  async killAndRestart(downMs: number): Promise<void> {
    const next = await this.spawn();
    this.killedInvocations += this.pending.size;
    if (await this.stop()) this.kills += 1;
    await new Promise((resolve) => setTimeout(resolve, downMs));
    this.attach(next);
  }

  private async spawn(): Promise<ChildProcess> {
    const child = fork(entry, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: process.env,
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', this.onLogLine);
    }
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code, signal) => {
        if (child === this.child) {
          this.failPending();
          this.child = undefined;
          this.crashed = `worker process exited (${code ?? signal})`;
          for (const queue of Object.values(workerQueues)) queue.stop();
        }
        reject(new Error(`worker process exited (${code ?? signal})`));
      });
      child.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') resolve();
        else this.receive(message);
      });
    });
    return child;
  }

  private attach(child: ChildProcess): void {
    this.child = child;
    for (const [name, queue] of Object.entries(workerQueues) as [WorkerQueueName, LocalQueue][]) {
      queue.start((event) => this.invoke(name, event));
    }
  }

  /** Stops the worker process (at the end of a run); returns whether one was running. */
  async stop(): Promise<boolean> {
    const child = this.child;
    if (!child) return false;
    this.child = undefined;
    for (const queue of Object.values(workerQueues)) queue.stop();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.failPending();
    return true;
  }

  private invoke(queue: WorkerQueueName, event: SQSEvent) {
    return new Promise<SQSBatchResponse | undefined>((resolve, reject) => {
      const child = this.child;
      if (!child?.connected) {
        reject(new Error('no worker process'));
        return;
      }
      const id = ++this.nextId;
      this.pending.set(id, { resolve, reject });
      child.send({ type: 'invoke', id, queue, event } satisfies WorkerInvoke);
    });
  }

  private receive(message: Exclude<WorkerMessage, { type: 'ready' }>): void {
    if (message.type === 'send') {
      workerQueues[message.queue].send(message.body, message.fifo, message.attributes);
    } else if (message.type === 'delay') {
      void workerQueues[message.queue].delay(message.receiptHandle, message.seconds);
    } else {
      const settle = this.pending.get(message.id);
      this.pending.delete(message.id);
      // A handler that threw fails its whole batch, as a Lambda error does.
      if (message.failed) settle?.reject(new Error('the handler threw'));
      else settle?.resolve(message.response);
    }
  }

  /** Only one worker process runs at a time, so every pending invocation was the dead one's. */
  private failPending(): void {
    for (const settle of this.pending.values()) settle.reject(new Error('worker process killed'));
    this.pending.clear();
  }
}
