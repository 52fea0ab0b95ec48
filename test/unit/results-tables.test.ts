import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { comparisonVerdict, writeBenchTable } from '../../bench/report.ts';
import { type SoakReport, writeSoakTable } from '../soak/report.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'results-tables-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A docs page with prose around an old table in the `name` block. */
function page(name: string): string {
  const file = join(dir, `${name}.md`);
  writeFileSync(
    file,
    `# Title\n\nBefore.\n\n<!-- ${name}:start -->\n| old | table |\n<!-- ${name}:end -->\n\nReading it: after.\n`,
  );
  return file;
}

describe('npm run bench: the table in docs/benchmarks.md', () => {
  it("replaces the old table by the runs' results and leaves the prose around it alone", () => {
    const doc = page('bench');
    const results = join(dir, 'results');
    const measured = { measuredAt: '2026-11-25T03:30:58.430Z', machine: 'linux x64, 2 cores' };
    mkdirSync(results);
    writeFileSync(
      join(results, 'bundles.json'),
      JSON.stringify({
        ...measured,
        functions: [{}, {}],
        largestBundleKb: 685,
        slowestModuleLoadMs: 66.9,
        baselineLargestBundleKb: 293,
        baselineSlowestModuleLoadMs: 127.9,
      }),
    );
    writeFileSync(
      join(results, 'cost.json'),
      JSON.stringify({
        ...measured,
        measuredAt: '2026-11-25T03:31:32.685Z',
        per1000Invoices: { totalUsd: 0.0319, usd: { sqs: 0.0045, dynamodb: 0.0139 } },
      }),
    );

    writeBenchTable(doc, results);

    expect(readFileSync(doc, 'utf8')).toBe(
      [
        '# Title',
        '',
        'Before.',
        '',
        '<!-- bench:start -->',
        '| measure | this stack | baseline (same run) | ratio / goal |',
        '|---|---|---|---|',
        '| Bundles (2 functions): largest / slowest load | 685 KB / 66.9 ms | SDK left to the runtime: 293 KB / 127.9 ms | goals 300 KB / 100 ms |',
        '| AWS cost per 1,000 invoices (push + payment + reconcile) | **$0.0319**: sqs $0.0045, dynamodb $0.0139 | | |',
        '',
        'Measured on this machine, runs: bundles 2026-11-25 03:30, cost 2026-11-25 03:31 UTC.',
        '<!-- bench:end -->',
        '',
        'Reading it: after.',
        '',
      ].join('\n'),
    );
  });

  it('refuses a page without the markers, leaving it untouched', () => {
    const doc = join(dir, 'plain.md');
    writeFileSync(doc, '# No table here\n');
    expect(() => writeBenchTable(doc, dir)).toThrow(/has no <!-- bench:start -->/);
    expect(readFileSync(doc, 'utf8')).toBe('# No table here\n');
  });
});

describe('npm run soak: the table in docs/soak.md', () => {
  it('writes how the run was made, whether it passed, and its counts, between the markers', () => {
    const doc = page('soak');
    writeSoakTable(doc, fakeReport, {
      args: '--seed 42',
      passed: true,
      machine: 'linux x64, 2 cores, Node v20.20.2',
      loadAverage: 11.96,
      finishedAt: new Date('2026-11-25T05:00:00Z'),
    });

    const text = readFileSync(doc, 'utf8');
    expect(text.startsWith('# Title\n\nBefore.\n\n<!-- soak:start -->\n')).toBe(true);
    expect(text.endsWith('<!-- soak:end -->\n\nReading it: after.\n')).toBe(true);
    expect(text).not.toContain('| old | table |');
    expect(text).toContain(
      'Last full run (`npm run soak -- --seed 42`, 2026-11-25 05:00 UTC; linux x64, 2 cores, ' +
        'Node v20.20.2, load average 12.0): passed in 600.6 s.',
    );
    expect(text).toContain('| seed | 42 |');
    expect(text).toContain('| lost | 0 |');
    expect(text).toContain('| faults injected | 429 3, timeout 1 |');
    expect(text).toContain('| sync errors open | none |');
  });

  it('says FAILED for a failed run', () => {
    const doc = page('soak');
    writeSoakTable(
      doc,
      { ...fakeReport, lost: 1 },
      {
        args: '',
        passed: false,
        machine: 'm',
        loadAverage: 1,
        finishedAt: new Date('2026-11-25T05:00:00Z'),
      },
    );
    expect(readFileSync(doc, 'utf8')).toContain(
      '(`npm run soak`, 2026-11-25 05:00 UTC; m, load average 1.0): FAILED in 600.6 s.',
    );
  });
});

const fakeReport: SoakReport = {
  seed: 42,
  tenants: 2,
  invoices: 4,
  pushes: 5,
  qboInvoices: 4,
  lost: 0,
  duplicated: 0,
  wrongStatus: 0,
  wrongContent: 0,
  invisibleFailures: 0,
  syncErrorsOpen: {},
  unexpectedSyncErrors: 0,
  faultsInjected: { 429: 3, timeout: 1 },
  faultsUnconsumed: 0,
  batchRequests: 2,
  payments: { full: 1, partial: 1 },
  voids: 0,
  deletes: 0,
  webhooks: { deliveries: 6, duplicated: 3, shuffled: 1, replayed: 1 },
  workerKills: 1,
  killedInvocations: 2,
  revocations: 1,
  reconnects: 1,
  failedReconnects: 0,
  deadLetters: 0,
  qboRequests: 12,
  wallSeconds: 600.6,
  problems: [],
};

describe('npm run bench: the verdict on a pipeline against the naive pusher', () => {
  const pipelineBound = { pipeline: true, naive: false };
  const neither = { pipeline: false, naive: false };

  it('a win holds even where the local CPU bounds the pipeline; a loss there is not judged', () => {
    expect(comparisonVerdict([0.34], pipelineBound)).toBe(
      'goal ≤ 1, met although the local CPU is the bound',
    );
    expect(comparisonVerdict([0.47, 0.35], neither)).toBe('goal ≤ 1, met');
    expect(comparisonVerdict([0.9, 1.2], pipelineBound)).toBe(
      'not judged: the local CPU is the bound',
    );
    expect(comparisonVerdict([0.9, 1.2], neither)).toBe('goal ≤ 1, not met');
  });

  it('judges nothing where the local CPU bounds the naive pusher, which would flatter the pipeline', () => {
    expect(comparisonVerdict([0.5], { pipeline: false, naive: true })).toBe(
      'not judged: the local CPU bounds the naive pusher',
    );
  });
});
