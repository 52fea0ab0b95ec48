/**
 * The per-client limits in front of the public routes (`lib/edge.ts`), proven on the synthesized
 * templates: no client can fill a bucket that Intuit's deliveries or an admin's OAuth redirect
 * need, whether it comes through CloudFront or goes around it.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_THROTTLE, EDGE_WINDOW_SECONDS } from '#lib/edge.ts';
import { routes } from '#shared/api/routes.ts';
import { EDGE_ORIGIN_HEADER } from '#shared/http/edge-origin.ts';
import { buildStack, synthApp } from '../support/stack.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
const ofType = (template: Template, type: string) =>
  Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(
    ([, r]) => r.Type === type,
  );

const publicRoutes = routes.flatMap((r) => (r.auth === 'public' ? [r] : []));

interface RateRule {
  Name: string;
  Action: unknown;
  Statement: {
    RateBasedStatement: {
      AggregateKeyType: string;
      Limit: number;
      EvaluationWindowSec: number;
      ScopeDownStatement: {
        ByteMatchStatement: {
          FieldToMatch: unknown;
          PositionalConstraint: string;
          SearchString: string;
          TextTransformations: unknown[];
        };
      };
    };
  };
}

function webAclRules(template: Template): RateRule[] {
  const [[, acl] = []] = ofType(template, 'AWS::WAFv2::WebACL');
  expect(acl?.Properties).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
  return acl?.Properties.Rules as RateRule[];
}

function nagFindings(stack: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName}: ${r.resourceLogicalId ?? r.constructPath}`),
  );
}

/** The environment of each function of the stack, by logical id. */
function environments(template: Template): [string, Record<string, unknown>][] {
  return ofType(template, 'AWS::Lambda::Function').map(([id, fn]) => [
    id,
    (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
  ]);
}

describe('Edge: per-client limits in front of the public routes (on by default)', () => {
  const built = buildStack();
  const edge = built.edge;
  const edgeTemplate = edge ? Template.fromStack(edge) : undefined;

  it('puts a CloudFront-scope web ACL in a us-east-1 companion stack, one rule per public route', () => {
    expect(edge?.region).toBe('us-east-1');
    const rules = webAclRules(edgeTemplate as Template);
    expect(
      rules.map(
        (r) => r.Statement.RateBasedStatement.ScopeDownStatement.ByteMatchStatement.SearchString,
      ),
    ).toEqual(publicRoutes.map((r) => r.path));
    for (const [i, rule] of rules.entries()) {
      const route = publicRoutes[i];
      expect(rule.Action).toEqual({ Block: { CustomResponse: { ResponseCode: 429 } } });
      expect(rule.Statement.RateBasedStatement).toMatchObject({
        AggregateKeyType: 'IP',
        Limit: route?.perClientLimit,
        EvaluationWindowSec: EDGE_WINDOW_SECONDS,
        ScopeDownStatement: {
          ByteMatchStatement: {
            FieldToMatch: { UriPath: {} },
            PositionalConstraint: 'STARTS_WITH',
            TextTransformations: [{ Priority: 0, Type: 'NORMALIZE_PATH' }],
          },
        },
      });
    }
  });

  it('serves the whole API through CloudFront with that ACL, forwarding every header but Host, caching nothing', () => {
    const [[, distribution] = []] = ofType(built.template, 'AWS::CloudFront::Distribution');
    const config = distribution?.Properties.DistributionConfig as Record<string, unknown>;
    expect(config.WebACLId).toBeDefined();
    expect(JSON.stringify(config.WebACLId)).toContain('PerClientLimits');
    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      // AWS's managed CachingDisabled and AllViewerExceptHostHeader policies.
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
    });
    const [origin] = config.Origins as Record<string, unknown>[];
    expect(JSON.stringify(origin?.DomainName)).toContain('execute-api');
    expect(origin?.OriginCustomHeaders).toEqual([
      { HeaderName: EDGE_ORIGIN_HEADER, HeaderValue: expect.anything() },
    ]);
    built.template.hasOutput('ApiEndpoint', {
      Value: {
        'Fn::Join': [
          '',
          [
            'https://',
            { 'Fn::GetAtt': [Match.stringLikeRegexp('^EdgeDistribution'), 'DomainName'] },
          ],
        ],
      },
    });
  });

  it('gives the header CloudFront adds to exactly the functions of the public routes, which refuse a request without it', () => {
    const [[, distribution] = []] = ofType(built.template, 'AWS::CloudFront::Distribution');
    const config = distribution?.Properties.DistributionConfig as {
      Origins: { OriginCustomHeaders: { HeaderValue: unknown }[] }[];
    };
    const sent = JSON.stringify(config.Origins[0]?.OriginCustomHeaders[0]?.HeaderValue);
    // A dynamic reference, resolved by CloudFormation at deploy: never a value in the template.
    expect(sent).toContain('{{resolve:secretsmanager:');
    const holders = environments(built.template)
      .filter(([, env]) => env.EDGE_ORIGIN_SECRET !== undefined)
      .map(([id, env]) => {
        expect(JSON.stringify(env.EDGE_ORIGIN_SECRET)).toBe(sent);
        return id;
      });
    const expected = publicRoutes.map((r) =>
      built.stack.getLogicalId(
        built.stack.functions[r.handler as keyof typeof built.stack.functions].node
          .defaultChild as never,
      ),
    );
    expect(holders.sort()).toEqual(expected.sort());
  });

  it('leaves no bucket that junk can fill: no public route shares one smaller than the account, and 100 clients at their limit cannot fill one', () => {
    const [[, stage] = []] = ofType(built.template, 'AWS::ApiGatewayV2::Stage');
    const settings = stage?.Properties.RouteSettings as Record<
      string,
      { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
    >;
    for (const route of publicRoutes) {
      const bucket = settings[`${route.method} ${route.path}`];
      // Junk sent straight at the execute-api endpoint is refused before any work, but it still
      // counts in the route's bucket: only the account's own bucket is as large.
      expect(bucket).toEqual({
        ThrottlingRateLimit: ACCOUNT_THROTTLE.rateLimit,
        ThrottlingBurstLimit: ACCOUNT_THROTTLE.burstLimit,
      });
      const perClientPerSecond = route.perClientLimit / EDGE_WINDOW_SECONDS;
      expect(ACCOUNT_THROTTLE.rateLimit / perClientPerSecond, route.path).toBeGreaterThanOrEqual(
        100,
      );
    }
  });

  it("is sized for Intuit's month-end: 50,000 companies, a delivery a minute each, from as few as 9 addresses", () => {
    const webhook = publicRoutes.find((r) => r.path === '/webhooks/quickbooks');
    const perAddressIn5Minutes = (50_000 * (EDGE_WINDOW_SECONDS / 60)) / 9;
    expect(webhook?.perClientLimit).toBeGreaterThanOrEqual(perAddressIn5Minutes);
  });

  it('passes cdk-nag on both stacks', () => {
    expect(nagFindings(built.stack)).toEqual([]);
    expect(nagFindings(edge as IConstruct)).toEqual([]);
  });

  it('takes the webhook limit from context', () => {
    const rules = webAclRules(
      Template.fromStack(buildStack({ webhookPerClientLimit: '60000' }).edge as never),
    );
    const webhook = rules.find((r) => r.Name === 'PerClientWebhooksQuickbooks');
    expect(webhook?.Statement.RateBasedStatement.Limit).toBe(60_000);
  });

  it('carries the ACL across regions when the integration deploys elsewhere', async () => {
    const elsewhere = buildStack({}, 'eu-west-1');
    expect(elsewhere.stack.region).toBe('eu-west-1');
    expect(elsewhere.edge?.region).toBe('us-east-1');
    expect(nagFindings(elsewhere.stack)).toEqual([]);
    expect(nagFindings(elsewhere.edge as IConstruct)).toEqual([]);
    const [[, distribution] = []] = ofType(elsewhere.template, 'AWS::CloudFront::Distribution');
    expect(JSON.stringify(distribution?.Properties.DistributionConfig)).toMatch(
      /"WebACLId":\{"Fn::GetAtt":\["ExportsReader\w+","\/cdk\/exports\/[^"]*PerClientLimitsArn/,
    );
    // The app entry as `cdk synth` runs it: cdk-nag and Guard pass on both stacks.
    const synth = await synthApp(
      {
        envName: 'dev',
        jwtIssuer: 'https://auth.tradelyhq.test/',
        jwtAudience: 'tradelyhq-quickbooks-api',
        portalOrigins: 'https://admin.tradelyhq.test',
      },
      { CDK_DEFAULT_REGION: 'eu-west-1' },
    );
    expect(synth.stderr).not.toMatch(/ERROR|Synthesis finished with errors/);
    expect(synth.code).toBe(0);
    expect(synth.written).toEqual(
      expect.arrayContaining([
        'TradelyHQ-QuickBooks-dev.template.json',
        'TradelyHQ-QuickBooks-dev-edge.template.json',
      ]),
    );
  }, 120_000);
});

describe('Edge: context flags', () => {
  it('uses an existing web ACL by its ARN, with no companion stack', () => {
    const arn =
      'arn:aws:wafv2:us-east-1:123456789012:global/webacl/shared-limits/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
    const { edge, template } = buildStack({ edgeWebAclArn: arn });
    expect(edge).toBeUndefined();
    const [[, distribution] = []] = ofType(template, 'AWS::CloudFront::Distribution');
    expect(distribution?.Properties.DistributionConfig).toMatchObject({ WebACLId: arn });
  });

  it('turns off: no companion, no CloudFront, no header, and the webhook route keeps one bucket for all', () => {
    const { edge, template, stack } = buildStack({ edgeLimit: 'false' });
    expect(edge).toBeUndefined();
    expect(ofType(template, 'AWS::CloudFront::Distribution')).toEqual([]);
    for (const [, env] of environments(template)) expect(env.EDGE_ORIGIN_SECRET).toBeUndefined();
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: {
        'POST /webhooks/quickbooks': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      },
    });
    expect(nagFindings(stack)).toEqual([]);
  });

  it('refuses settings of an edge that is off, a web ACL that is not CloudFront-scope, and a limit WAF cannot take', () => {
    expect(() => buildStack({ edgeLimit: 'false', webhookPerClientLimit: '5000' })).toThrow(
      /edgeLimit=false turns off/,
    );
    expect(() =>
      buildStack({
        edgeWebAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/a1b2c3d4',
      }),
    ).toThrow(/edgeWebAclArn: the ARN of a CloudFront-scope/);
    expect(() => buildStack({ webhookPerClientLimit: '5' })).toThrow(/webhookPerClientLimit/);
  });
});
