import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { STORE_ENV } from '#local/dynamodb-store.ts';

const root = new URL('../..', import.meta.url).pathname;

/** `npm start` running as a child process, and what it has printed so far. */
export interface NpmStart {
  readonly child: ChildProcessWithoutNullStreams;
  readonly output: () => string;
}

/**
 * Runs `bin/local.ts` (what `npm start` runs) as a child process, as a developer would, with none
 * of the test run's own DynamoDB settings: `env` chooses (e.g. `LOCAL_DYNAMODB_STORE`).
 *
 * @param args - its command-line arguments
 * @param env - variables over the test's environment
 */
export function startNpmStart(args: string[], env: NodeJS.ProcessEnv): NpmStart {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts', ...args], {
    cwd: root,
    env: { ...process.env, PORT: '', AWS_ENDPOINT_URL_DYNAMODB: '', [STORE_ENV]: '', ...env },
  });
  let output = '';
  const append = (d: Buffer) => {
    output += d.toString();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  return { child, output: () => output };
}

/**
 * Waits until the output matches, and returns the match.
 *
 * @throws Error with the output so far when it does not within the time, or the process ends
 */
export async function waitForOutput(
  started: NpmStart,
  pattern: RegExp,
  timeoutMs = 60_000,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = pattern.exec(started.output());
    if (match) return match;
    if (started.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${pattern} in output:\n${started.output()}`);
}

/** Resolves with the exit code once the process has ended. */
export const exited = (child: ChildProcessWithoutNullStreams): Promise<number | null> =>
  new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
