/**
 * The synthesized templates' logical IDs against the committed baseline
 * (`test/infra/logical-ids.baseline.json`): a refactor that renames or moves a construct changes
 * its logical ID, and CloudFormation then replaces the resource (a FIFO queue and its dead-letter
 * queue, with what they hold; a table). A change here is deliberate: regenerate the baseline with
 * `UPDATE_LOGICAL_IDS=1 npx vitest run test/infra/logical-ids.test.ts` and say why in the commit.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildStack } from '../support/stack.ts';

const BASELINE = new URL('./logical-ids.baseline.json', import.meta.url);

/** Each stack's resources: logical ID → type, sorted. */
function logicalIds(): Record<string, Record<string, string>> {
  const { stack, template, edge } = buildStack();
  const ids = (t: Template) =>
    Object.fromEntries(
      Object.entries(t.toJSON().Resources as Record<string, { Type: string }>)
        .map(([id, r]) => [id, r.Type] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  return {
    [stack.stackName]: ids(template),
    ...(edge ? { [edge.stackName]: ids(Template.fromStack(edge)) } : {}),
  };
}

describe('Stack: logical IDs', () => {
  it('keeps every resource where it was (the baseline), so a deploy replaces nothing', () => {
    const now = logicalIds();
    if (process.env.UPDATE_LOGICAL_IDS === '1') {
      writeFileSync(BASELINE, `${JSON.stringify(now, null, 2)}\n`);
    }
    const baseline = JSON.parse(readFileSync(BASELINE, 'utf8')) as typeof now;
    expect(now).toEqual(baseline);
  });
});
