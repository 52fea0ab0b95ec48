/**
 * CDK app entry (`cdk.json` runs it). Synthesises offline: the account and region are placeholders
 * unless CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION say otherwise, and bundling uses local esbuild.
 */

import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildStacks } from '#lib/app.ts';
import { loadConfig } from '#lib/config.ts';
import { GuardValidator } from '#lib/guard.ts';

const app = new App();
const region = process.env.CDK_DEFAULT_REGION ?? 'us-east-1';
const config = (() => {
  try {
    return loadConfig((key) => app.node.tryGetContext(key), region);
  } catch (err) {
    // The operator needs the list of values to fix, not a stack trace.
    console.error((err as Error).message);
    process.exit(1);
  }
})();
buildStacks(app, config, { account: process.env.CDK_DEFAULT_ACCOUNT ?? '123456789012', region });
// Policy as code, both policy-validation plugins: an unacknowledged cdk-nag AwsSolutions finding
// or CloudFormation Guard (Control Tower) finding fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new GuardValidator());
