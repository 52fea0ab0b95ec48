/**
 * Adding rows to the tables, as the docs show, made to this file's own copy of the tables (each
 * test file has its own modules): a queue is the edit `docs/adding-a-queue.md` shows (its three
 * marked blocks read from the page), and must then get everything a row gives
 * ({@link expectEveryRowBuilt}); a second `hourly` function gets its own rule.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { FUNCTIONS, type FunctionSpec, workerOf } from '#lib/functions.ts';
import { ENV } from '#shared/config/names.ts';
import { QUEUES, type QueueName, type QueueSpec } from '#shared/config/queues.ts';
import { expectEveryRowBuilt } from '../support/queue-expectations.ts';
import { buildStack } from '../support/stack.ts';

// The new worker's handler is not written by this test: health's stands in for its entry file,
// which CDK requires to exist even when bundling is skipped.
vi.mock('aws-cdk-lib/aws-lambda-nodejs', async (original) => {
  const { existsSync } = await import('node:fs');
  const cdk = await original<typeof import('aws-cdk-lib/aws-lambda-nodejs')>();
  class StandIn extends cdk.NodejsFunction {
    constructor(...[scope, id, props]: ConstructorParameters<typeof cdk.NodejsFunction>) {
      const entry =
        props?.entry && existsSync(props.entry) ? props.entry : 'functions/health/handler.ts';
      super(scope, id, { ...props, entry });
    }
  }
  return { ...cdk, NodejsFunction: StandIn };
});

/** A marked ```ts block of docs/adding-a-queue.md, as the object literal it is a member of. */
function docBlock(marker: string): Record<string, unknown> {
  const page = readFileSync('docs/adding-a-queue.md', 'utf8');
  const block = new RegExp(`<!-- ${marker} -->\\s*\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(page)?.[1];
  if (!block) throw new Error(`docs/adding-a-queue.md has no ${marker} block`);
  return new Function(`return {${block}};`)() as Record<string, unknown>;
}

describe('Tables: adding rows', () => {
  it('adds a queue with the three edits docs/adding-a-queue.md shows, and nothing else', async () => {
    const queueRow = docBlock('queue-row');
    const envRow = docBlock('env-row');
    const workerRow = docBlock('worker-row');
    const [[queueName, spec]] = Object.entries(queueRow) as [[QueueName, QueueSpec]];
    const [[workerName, worker]] = Object.entries(workerRow) as [[string, FunctionSpec]];
    expect(spec.url in envRow).toBe(true);
    expect(worker.trigger).toEqual({ queue: queueName });
    Object.assign(QUEUES, queueRow);
    Object.assign(ENV, envRow);
    Object.assign(FUNCTIONS, workerRow);
    // A sender of the new queue: one more name in an existing row's sendsTo.
    const sender = FUNCTIONS['request-reconcile'] as unknown as { sendsTo: string[] };
    sender.sendsTo = [...sender.sendsTo, queueName];

    expect(workerOf(queueName)).toBe(workerName);
    await expectEveryRowBuilt();
  });

  it('gives a second hourly function a rule of its own', () => {
    Object.assign(FUNCTIONS, {
      'hourly-census': { description: 'A second hourly job', trigger: 'hourly', syncTable: 'read' },
    });
    const { stack, template } = buildStack();
    const rules = Object.values(
      template.findResources('AWS::Events::Rule', {
        Properties: { ScheduleExpression: 'rate(1 hour)' },
      }),
    ).map((r) => JSON.stringify(r.Properties.Targets));
    const idOf = (name: 'fleet-watchdog' | 'hourly-census') =>
      stack.getLogicalId(stack.functions[name as 'fleet-watchdog'].node.defaultChild as never);
    expect(rules).toHaveLength(2);
    expect(rules.some((t) => t.includes(idOf('fleet-watchdog')))).toBe(true);
    expect(rules.some((t) => t.includes(idOf('hourly-census')))).toBe(true);
  });
});
