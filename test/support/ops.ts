import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestStack } from './local-stack.ts';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;

/**
 * `npm run ops -- …` as the runbook has an operator type it, against a test's local stack.
 *
 * @param stack - the stack to run against
 * @param args - the command and its arguments
 * @returns the command's JSON output
 */
export async function ops(stack: TestStack, ...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'bin/ops.ts', ...args, '--local', stack.api.url],
    {
      cwd: root,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  return JSON.parse(stdout) as Record<string, unknown>;
}
