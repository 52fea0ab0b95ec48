import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '#lib/config.ts';
import { IntegrationStack } from '#lib/integration-stack.ts';

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
export function buildStack(context: Record<string, string> = {}): {
  stack: IntegrationStack;
  template: Template;
} {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new IntegrationStack(app, 'Test', {
    config: loadConfig((key) => ({ ...testContext, ...context })[key]),
    env: { account: '123456789012', region: 'us-east-1' },
  });
  return { stack, template: Template.fromStack(stack) };
}
