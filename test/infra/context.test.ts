import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildStack } from '../support/stack.ts';

const run = promisify(execFile);

/** Runs the CDK app entry as `cdk synth` does, with this context and no cdk.json. */
async function synth(context: Record<string, string>) {
  const outdir = await mkdtemp(join(tmpdir(), 'cdk-out-'));
  try {
    const result = await run(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir },
    }).then(
      (ok) => ({ code: 0, stderr: ok.stderr }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
    return { ...result, written: await readdir(outdir) };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

describe('Stack: context validated at synth', () => {
  it('refuses a half-configured stack, naming every missing value, without a stack trace', async () => {
    const { code, stderr, written } = await synth({ envName: 'prod', logLevel: 'LOUD' });
    expect(code).toBe(1);
    expect(stderr).toContain('Invalid stack configuration');
    for (const key of ['jwtIssuer', 'jwtAudience', 'portalOrigins', 'logLevel']) {
      expect(stderr).toContain(`- ${key}:`);
    }
    expect(stderr).toContain('- jwtIssuer: required, not set');
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(written).toEqual([]);
  }, 60_000);

  it('passes the configured log level to every function', () => {
    const { template } = buildStack({ logLevel: 'WARN' });
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables.POWERTOOLS_LOG_LEVEL).toBe('WARN');
    }
  });
});
