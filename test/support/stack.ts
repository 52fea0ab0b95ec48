import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildStacks } from '#lib/app.ts';
import { loadConfig } from '#lib/config.ts';
import type { EdgeAclStack } from '#lib/edge.ts';
import type { IntegrationStack } from '#lib/integration-stack.ts';
import cdkJson from '../../cdk.json' with { type: 'json' };

/** Context values of a complete configuration, as an operator would set them. */
const testContext: Record<string, string> = {
  envName: 'test',
  jwtIssuer: 'https://auth.tradelyhq.test/',
  jwtAudience: 'tradelyhq-quickbooks-api',
  portalOrigins: 'https://admin.tradelyhq.test',
  alarmEmails: 'oncall@tradelyhq.test,ops@tradelyhq.test',
};

/**
 * Builds the stack as `cdk synth` would, but without bundling (functions get a placeholder asset),
 * so infra tests take milliseconds.
 *
 * @param context - context values added to (or replacing) {@link testContext}
 */
export function buildStack(
  context: Record<string, string> = {},
  region = 'us-east-1',
): {
  stack: IntegrationStack;
  template: Template;
  /** The companion stack with the per-client limits, when the configuration makes one. */
  edge: EdgeAclStack | undefined;
} {
  const app = new App({
    context: {
      'aws:cdk:bundling-stacks': [],
      '@aws-cdk/core:defaultCrossStackReferences':
        cdkJson.context['@aws-cdk/core:defaultCrossStackReferences'],
    },
  });
  const { main, edge } = buildStacks(
    app,
    loadConfig((key) => ({ ...testContext, ...context })[key], region),
    { account: '123456789012', region },
  );
  return { stack: main, template: Template.fromStack(main), edge };
}

/**
 * Runs the CDK app entry as `cdk synth` does (cdk-nag and Guard included), with this context and
 * no cdk.json, and without bundling the functions.
 *
 * @param context - the context values
 * @param env - extra environment, e.g. `CDK_DEFAULT_REGION`
 * @returns the exit code, what it wrote to stderr, and the files it wrote
 */
export async function synthApp(context: Record<string, string>, env: Record<string, string> = {}) {
  const outdir = await mkdtemp(join(tmpdir(), 'cdk-out-'));
  try {
    const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      env: {
        ...process.env,
        ...env,
        CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }),
        CDK_OUTDIR: outdir,
      },
    }).then(
      (ok) => ({ code: 0, stderr: ok.stderr }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
    return { ...result, written: await readdir(outdir) };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}
