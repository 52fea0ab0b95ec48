/**
 * The emulator's notion of "now": real time plus an offset that tests move forward with
 * `POST /_admin/clock`, so token expiry, rotation, CDC windows and webhook retries are
 * testable in milliseconds instead of hours.
 */
export class Clock {
  #offsetMs: number;
  readonly #listeners = new Set<() => void>();

  /**
   * @param offsetMs - initial offset from real time (restored from a state file)
   */
  constructor(offsetMs = 0) {
    this.#offsetMs = offsetMs;
  }

  /** Emulator time in epoch milliseconds. */
  now(): number {
    return Date.now() + this.#offsetMs;
  }

  /** How far the emulator clock runs ahead of real time, in milliseconds. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /**
   * Moves the clock forward and wakes every timer that is now due.
   *
   * @param seconds - how far to move; negative values are rejected because expiry logic
   *   assumes time never goes backwards
   */
  advance(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new RangeError('advanceSeconds must be a non-negative number');
    }
    this.#offsetMs += seconds * 1000;
    for (const listener of this.#listeners) listener();
  }

  /**
   * Registers a callback run after every {@link Clock.advance}.
   *
   * @param listener - called synchronously after the offset changes
   * @returns a function that unregisters the listener
   */
  onAdvance(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

interface Task {
  readonly dueAt: number;
  readonly run: () => void;
}

/**
 * Timers measured on the emulator clock: a task due at emulator time T runs when real time
 * catches up with T or as soon as the clock is advanced past T, whichever comes first.
 */
export class Scheduler {
  readonly #clock: Clock;
  #tasks: Task[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #unsubscribe: () => void;

  /**
   * @param clock - the clock the due times are measured on
   */
  constructor(clock: Clock) {
    this.#clock = clock;
    this.#unsubscribe = clock.onAdvance(() => this.#runDue());
  }

  /**
   * Runs `run` once the emulator clock reaches `dueAt`.
   *
   * @param dueAt - emulator time in epoch milliseconds
   * @param run - the task; exceptions are swallowed so one bad task cannot stop the others
   * @returns a function that cancels the task
   */
  at(dueAt: number, run: () => void): () => void {
    const task: Task = { dueAt, run };
    this.#tasks.push(task);
    this.#arm();
    return () => {
      this.#tasks = this.#tasks.filter((t) => t !== task);
      this.#arm();
    };
  }

  /** Cancels every pending task; later calls to {@link Scheduler.at} are ignored. */
  close(): void {
    this.#closed = true;
    this.#tasks = [];
    this.#unsubscribe();
    if (this.#timer) clearTimeout(this.#timer);
  }

  #runDue(): void {
    if (this.#closed) return;
    const now = this.#clock.now();
    const due = this.#tasks.filter((t) => t.dueAt <= now);
    this.#tasks = this.#tasks.filter((t) => t.dueAt > now);
    for (const task of due) {
      try {
        task.run();
      } catch {
        // A task reports its own failures; the scheduler only keeps time.
      }
    }
    this.#arm();
  }

  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#closed || this.#tasks.length === 0) return;
    const next = Math.min(...this.#tasks.map((t) => t.dueAt));
    // setTimeout overflows above 2^31-1 ms; a far-away task is simply re-armed later.
    const delay = Math.min(Math.max(next - this.#clock.now(), 0), 2_147_483_647);
    this.#timer = setTimeout(() => this.#runDue(), delay);
    this.#timer.unref();
  }
}

const pacificOffset = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Los_Angeles',
  timeZoneName: 'longOffset',
});

/** Offset of US Pacific time at `ms`, e.g. `-07:00`: QBO stamps its times in Pacific time. */
function pacificOffsetText(ms: number): { text: string; minutes: number } {
  const name = pacificOffset.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName');
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name?.value ?? '');
  if (!match) return { text: '+00:00', minutes: 0 };
  const sign = match[1] === '-' ? -1 : 1;
  const minutes = sign * (Number(match[2]) * 60 + Number(match[3]));
  return { text: `${match[1]}${match[2]}:${match[3]}`, minutes };
}

/**
 * Formats a time the way QBO does in `MetaData` (`2020-09-29T05:58:16-07:00`) or, with
 * `millis`, in a response's `time` field (`2020-09-29T05:58:07.300-07:00`).
 *
 * @param ms - epoch milliseconds
 * @param millis - include milliseconds
 */
export function qboDateTime(ms: number, millis = false): string {
  const { text, minutes } = pacificOffsetText(ms);
  const local = new Date(ms + minutes * 60_000).toISOString();
  const base = millis ? local.slice(0, 23) : local.slice(0, 19);
  return `${base}${text}`;
}

/**
 * The company-local (Pacific) calendar date at `ms`, as `YYYY-MM-DD` (QBO's `TxnDate`).
 *
 * @param ms - epoch milliseconds
 */
export function qboDate(ms: number): string {
  return qboDateTime(ms).slice(0, 10);
}
