import { afterAll, expect } from 'vitest';
import { SECRET_SHAPES } from './secret-shapes.ts';

/**
 * Runs in every test worker: the whole suite logs at DEBUG, the JSON log lines (and the EMF metric
 * lines of tests that enable metrics) are kept here instead of printed, and after each test file
 * no log line may hold a token, an authorization code, the client secret or the webhook verifier
 * token. So every code path a test drives is also a check of the redaction rule.
 */
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';

const lines: string[] = [];
const metrics: Record<string, unknown>[] = [];

/** The JSON log lines written so far by this test file's code. */
export function logLines(): readonly string[] {
  return lines;
}

/** The EMF metric records written so far (tests that set `POWERTOOLS_METRICS_DISABLED=false`). */
export function metricLines(): readonly Record<string, unknown>[] {
  return metrics;
}

for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    const isLog = text.startsWith('{"level":');
    if (!isLog && !text.startsWith('{"_aws":')) return write(chunk, ...rest);
    const records = text.split('\n').filter(Boolean);
    if (isLog) lines.push(...records);
    else metrics.push(...records.map((line) => JSON.parse(line) as Record<string, unknown>));
    const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof stream.write;
}

afterAll(() => {
  const leaks = lines.filter((line) => SECRET_SHAPES.some((shape) => shape.test(line)));
  expect(leaks, 'log lines holding a secret').toEqual([]);
});
