import type { App, Environment } from 'aws-cdk-lib';
import { routes } from '#shared/api/routes.ts';
import type { StackConfig } from './config.ts';
import { EdgeAclStack, edgeLimits } from './edge.ts';
import { acknowledgeGuard } from './guard.ts';
import { IntegrationStack } from './integration-stack.ts';

/** The stacks of one deploy. */
export interface Stacks {
  /** The integration, in the deploy's region. */
  readonly main: IntegrationStack;
  /** The per-client limits' web ACL in us-east-1, unless the edge is off or uses an existing one. */
  readonly edge: EdgeAclStack | undefined;
}

/**
 * Builds every stack of one deploy (`bin/app.ts`, and the infra tests, so both build the same):
 * the integration stack and, with the edge on and no existing web ACL named, its companion stack
 * in us-east-1. A CloudFront web ACL lives only there; CDK carries its ARN across regions
 * (`crossRegionReferences`: a parameter in us-east-1, read at deploy), and `cdk deploy --all`
 * deploys the companion first.
 *
 * @param app - the CDK app
 * @param config - the validated configuration
 * @param env - the integration's account and region
 */
export function buildStacks(app: App, config: StackConfig, env: Required<Environment>): Stacks {
  const id = `TradelyHQ-QuickBooks-${config.envName}`;
  const webhook = routes.find((r) => r.handler === 'quickbooks-webhook');
  const edge =
    config.edge && !config.edge.webAclArn
      ? new EdgeAclStack(app, `${id}-edge`, {
          env: { account: env.account, region: 'us-east-1' },
          crossRegionReferences: true,
          description: 'Per-client limits (AWS WAF) of the TradelyHQ QuickBooks API',
          limits: edgeLimits(
            routes,
            webhook && config.edge.webhookPerClientLimit
              ? { [webhook.path]: config.edge.webhookPerClientLimit }
              : {},
          ),
        })
      : undefined;
  const main = new IntegrationStack(app, id, {
    config,
    env,
    crossRegionReferences: edge !== undefined,
    edgeWebAclArn: edge?.webAclArn ?? config.edge?.webAclArn,
  });
  if (edge && edge.region !== main.region) {
    // CDK carries the ARN with a small function of its own on each side (a parameter written in
    // us-east-1, read in the integration's region), created while the app synthesizes, too late
    // to acknowledge on the function itself. Every function of ours acknowledges this control
    // with its own reason (lib/lambda-function.ts).
    for (const stack of [edge, main]) {
      acknowledgeGuard(stack, {
        lambda_inside_vpc_check:
          "CDK's cross-region export reader and writer run only during a deploy and call only " +
          'the SSM Parameter Store endpoint; nothing they reach is in a VPC.',
      });
    }
  }
  return { main, edge };
}
