/**
 * The edge in front of the API: per-client limits for the public routes, which no one can go
 * around. API Gateway's HTTP API throttles a route with one bucket shared by every caller and
 * cannot take AWS WAF, so an anonymous flood of junk at the webhook route would make Intuit's
 * real deliveries meet 429 for every tenant. Instead:
 *
 * - CloudFront serves the whole API, with an AWS WAF web ACL whose rate-based rules count each
 *   client address separately, one rule per public route, sized in `shared/api/routes.ts`.
 *   A CloudFront web ACL must live in us-east-1: {@link EdgeAclStack} is a small companion stack
 *   there (or `edgeWebAclArn` names an existing ACL).
 * - CloudFront adds a secret header to every request it forwards, and the public routes refuse a
 *   request without it before any work (`shared/http/edge-origin.ts`), so calling the API's own
 *   execute-api endpoint goes around nothing.
 * - The public routes keep no bucket of their own smaller than the account's, so the junk that
 *   reaches the API's own endpoint (refused at once) fills no bucket that Intuit's deliveries
 *   need.
 */
import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { RouteDefinition } from '#shared/api/routes.ts';
import { EDGE_ORIGIN_HEADER } from '#shared/http/edge-origin.ts';
import { accessLogBucket } from './access-logs.ts';
import { acknowledgeGuard } from './guard.ts';

/** AWS WAF's default rate-based window, in which each `perClientLimit` counts. */
export const EDGE_WINDOW_SECONDS = 300;

/**
 * API Gateway's account-level throttle per region (10,000 requests a second, bursts of 5,000):
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html. The public routes'
 * own bucket with the edge on, so that no bucket smaller than the account's sits in front of them.
 */
export const ACCOUNT_THROTTLE = { rateLimit: 10_000, burstLimit: 5_000 } as const;

/** One per-client limit: a public route's path, and the requests one address may send it. */
export interface EdgeLimit {
  readonly path: string;
  /** Requests in {@link EDGE_WINDOW_SECONDS} from one address; more are answered 429. */
  readonly perClientLimit: number;
}

/**
 * The per-client limit of every public route, from the route table, with overrides by path.
 *
 * @param routes - the API's routes
 * @param overrides - a limit per path that replaces the route table's
 */
export function edgeLimits(
  routes: readonly RouteDefinition[],
  overrides: Readonly<Record<string, number>> = {},
): EdgeLimit[] {
  return routes.flatMap((r) =>
    r.auth === 'public'
      ? [{ path: r.path, perClientLimit: overrides[r.path] ?? r.perClientLimit }]
      : [],
  );
}

/** Props of {@link EdgeAclStack}. */
export interface EdgeAclStackProps extends StackProps {
  readonly limits: readonly EdgeLimit[];
}

/**
 * The companion stack in us-east-1 (where a CloudFront web ACL must be): one AWS WAF web ACL that
 * allows everything except a client over a public route's limit, which it answers 429 until the
 * client's rate falls under the limit again. Intuit retries a webhook delivery answered 429
 * (10 s, 20 s, 30 s, then minutes), and the nightly reconcile catches whatever was missed.
 */
export class EdgeAclStack extends Stack {
  /** The web ACL's ARN, for the distribution. */
  readonly webAclArn: string;

  /**
   * @param scope - the app
   * @param id - stack id
   * @param props - see {@link EdgeAclStackProps}; its `env.region` must be us-east-1
   */
  constructor(scope: Construct, id: string, props: EdgeAclStackProps) {
    super(scope, id, props);
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const acl = new CfnWebACL(this, 'PerClientLimits', {
      scope: 'CLOUDFRONT',
      description: 'TradelyHQ QuickBooks API: per-client limits on the public routes',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('PerClientLimits'),
      rules: props.limits.map((limit, priority) => {
        const name = `PerClient${limit.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string = '') => c.toUpperCase())}`;
        return {
          name,
          priority,
          action: { block: { customResponse: { responseCode: 429 } } },
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: limit.perClientLimit,
              evaluationWindowSec: EDGE_WINDOW_SECONDS,
              scopeDownStatement: {
                // Counted after the path is normalised, and for anything under it too, so that
                // `//webhooks/quickbooks/` is no way around the count.
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  positionalConstraint: 'STARTS_WITH',
                  searchString: limit.path,
                  textTransformations: [{ priority: 0, type: 'NORMALIZE_PATH' }],
                },
              },
            },
          },
          visibilityConfig: visibility(name),
        };
      }),
    });
    this.webAclArn = acl.attrArn;
  }
}

/** Props of {@link ApiEdge}. */
export interface ApiEdgeProps {
  /** The API to serve. */
  readonly api: IHttpApi;
  /** The CloudFront-scope web ACL with the per-client limits. */
  readonly webAclArn: string;
  /** Days to keep the distribution's access logs. */
  readonly logRetentionDays: number;
  /** Serve the API on this host name, with this ACM certificate (in us-east-1). */
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
}

/**
 * The CloudFront distribution in front of the whole API: nothing cached, every method and header
 * (but Host) forwarded, the web ACL attached, the secret header added to every request.
 */
export class ApiEdge extends Construct {
  /** The distribution. */
  readonly distribution: Distribution;
  /** The base URL callers and Intuit use: the custom domain when there is one. */
  readonly url: string;
  /**
   * The header's value, as a CloudFormation dynamic reference to the generated secret: resolved
   * at deploy, never in the template.
   */
  readonly originSecret: string;

  /**
   * @param scope - the stack
   * @param id - construct id
   * @param props - see {@link ApiEdgeProps}
   */
  constructor(scope: Construct, id: string, props: ApiEdgeProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const secret = new Secret(this, 'OriginSecret', {
      description: 'The header CloudFront adds to every request it forwards to the QuickBooks API',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Not a credential: it only proves a request came through CloudFront, and gives no access ' +
        'to data. A new value reaches CloudFront and the functions together only by a deploy ' +
        '(docs/security.md says how), so a rotation Lambda would break the public routes.',
    });
    this.originSecret = secret.secretValue.unsafeUnwrap();
    const logs = accessLogBucket(
      this,
      'AccessLogs',
      "the API's CloudFront distribution",
      props.logRetentionDays,
    );
    const domain = props.customDomain;
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'TradelyHQ QuickBooks API, with per-client limits on the public routes',
      defaultBehavior: {
        origin: new HttpOrigin(
          `${props.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`,
          {
            protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
            originSslProtocols: [OriginSslPolicy.TLS_V1_2],
            customHeaders: { [EDGE_ORIGIN_HEADER]: this.originSecret },
            // API Gateway's own integration limit.
            readTimeout: Duration.seconds(30),
          },
        ),
        // Intuit posts webhooks and some callers post bodies: a redirect would lose them.
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        // With caching off, this forwards the Authorization header too.
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
      webAclId: props.webAclArn,
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
      ...(domain
        ? {
            domainNames: [domain.domainName],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        "Intuit's webhook senders, its OAuth redirects and tenants' admins come from anywhere; " +
        'every private route needs a tenant JWT and the public ones authenticate each request.',
    });
    if (!domain) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution uses the default *.cloudfront.net certificate, with which CloudFront ' +
          'cannot enforce a minimum TLS version; set domainName and certificateArn for TLS 1.2 ' +
          'at least. Plain HTTP is refused.',
      });
    }
    const defaultCertificate =
      'The default *.cloudfront.net certificate (no custom domain configured): no ACM ' +
      'certificate, SNI setting or security policy applies to it.';
    acknowledgeGuard(this.distribution, {
      ...(domain
        ? {}
        : {
            cloudfront_custom_ssl_certificate_check: defaultCertificate,
            cloudfront_sni_enabled_check: defaultCertificate,
            cloudfront_security_policy_check: defaultCertificate,
          }),
      cloudfront_origin_failover_enabled_check:
        'The API lives in one region; there is no second origin to fail over to.',
      cloudfront_default_root_object_configured_check:
        'It serves an API, not a site: the root path is no route and answers 404; a root object ' +
        'would only rewrite it into another path.',
    });
    this.url = domain
      ? `https://${domain.domainName}`
      : `https://${this.distribution.distributionDomainName}`;
  }
}
