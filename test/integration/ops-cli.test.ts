import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localReconcileQueue } from '#shared/adapters/local/local-queues.ts';
import { ReconcileRunRepository } from '#shared/store/reconcile-run-repository.ts';
import { syncStateTable } from '#shared/store/tables.ts';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

/** `npm run ops -- …` as the runbook has an operator type it, against this test's stack. */
async function ops(...args: string[]): Promise<Record<string, unknown>> {
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

describe('Runbook commands (npm run ops) against the local stack', () => {
  it('reports fleet health', async () => {
    const health = await ops('health');
    expect(health).toMatchObject({
      connected: expect.any(Number),
      reconcileOverdue: expect.any(Array),
    });
  });

  it("re-runs one tenant's reconcile, replaying changes since an instant", async () => {
    const tenantId = newTenantId();
    await stack.connect(tenantId, await stack.world.newCompany());
    const since = new Date(Date.now() - 3600_000).toISOString();
    expect(await ops('reconcile', tenantId, '--since', since)).toMatchObject({ queued: true });
    await localReconcileQueue.idle();
    const [latest] = await new ReconcileRunRepository(syncStateTable.localName).recent(tenantId, 1);
    expect(latest).toMatchObject({ outcome: 'completed' });
  });

  it('forces the reconnect prompt for a tenant', async () => {
    const tenantId = newTenantId();
    await stack.connect(tenantId, await stack.world.newCompany());
    expect(
      await ops('reconnect-prompt', tenantId, '--reason', 'Intuit support revoked the app'),
    ).toEqual({
      status: 'reconnect_required',
    });
    const panel = (await (await stack.call(tenantId, 'GET', '/sync-errors')).json()) as {
      reconnectRequired: boolean;
      reconnectReason: string;
    };
    expect(panel.reconnectRequired).toBe(true);
    expect(panel.reconnectReason).toContain('Intuit support revoked the app');
  });

  it('redrives a dead-letter queue, and refuses an unknown one with a clear message', async () => {
    expect(await ops('redrive', 'push')).toMatchObject({ redriven: expect.any(Number) });
    await expect(ops('redrive', 'nope')).rejects.toThrow(
      /queue must be push, changes or reconcile/,
    );
  });
});
