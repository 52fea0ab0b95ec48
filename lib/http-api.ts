import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  ApiMapping,
  type CfnStage,
  CorsHttpMethod,
  DomainName,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteDefinition } from '#shared/api/routes.ts';
import { scopesFor } from '#shared/http/scopes.ts';
import { acknowledgeGuard, acknowledgeLogGroup } from './guard.ts';

/** Props of {@link IntegrationHttpApi}. */
export interface IntegrationHttpApiProps {
  /** The routes to serve (`shared/api/routes.ts`). */
  readonly routes: readonly RouteDefinition[];
  /** The function serving each handler name that the routes use. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** JWT issuer of TradelyHQ's identity provider. */
  readonly jwtIssuer: string;
  /** Accepted JWT audiences. */
  readonly jwtAudience: readonly string[];
  /** Admin portal origins allowed by CORS. */
  readonly corsOrigins: readonly string[];
  /** Default-stage throttling. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Throttling of single routes (`METHOD /path`), tighter than the default. */
  readonly routeThrottles?: Readonly<
    Record<string, { readonly rateLimit: number; readonly burstLimit: number }>
  >;
  /** How long access logs are kept. */
  readonly logRetention: RetentionDays;
  /** The OAuth scope names the authorizer requires (`authorizationScopes`) per route access. */
  readonly scopes: { readonly admin: string; readonly push: string };
  /** Serve the API on this host name too, with this ACM certificate (same region). */
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
}

/**
 * The HTTP API (payload 2.0): a JWT authorizer on every route except the public ones, each JWT
 * route requiring one of its scopes (the token's `scope` or `scp` claim), JSON access logs,
 * default-stage throttling and a CORS policy for the admin portal.
 */
export class IntegrationHttpApi extends Construct {
  /** The API. */
  readonly api: HttpApi;
  /** The base URL callers and Intuit use: the custom domain when there is one. */
  readonly publicUrl: string;
  /** The custom domain, whose regional target the DNS record must point at. */
  readonly domain: DomainName | undefined;

  /**
   * @param scope - parent construct
   * @param id - construct id
   * @param props - see {@link IntegrationHttpApiProps}
   */
  constructor(scope: Construct, id: string, props: IntegrationHttpApiProps) {
    super(scope, id);
    checkProps(props);
    const authorizer = new HttpJwtAuthorizer('TradelyHQJwt', props.jwtIssuer, {
      jwtAudience: [...props.jwtAudience],
      identitySource: ['$request.header.Authorization'],
    });
    this.api = new HttpApi(this, 'Api', {
      description: 'TradelyHQ QuickBooks Online integration',
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
      corsPreflight: {
        allowOrigins: [...props.corsOrigins],
        allowMethods: [
          CorsHttpMethod.GET,
          CorsHttpMethod.POST,
          CorsHttpMethod.PUT,
          CorsHttpMethod.DELETE,
        ],
        allowHeaders: ['authorization', 'content-type'],
        maxAge: Duration.hours(1),
      },
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeLogGroup(accessLogs, props.logRetention);
    acknowledgeGuard(this.api, {
      lambda_function_public_access_prohibited_check:
        "Each route's invoke permission names this API's execute-api ARN as its SourceArn; CDK " +
        'writes it with Fn::Join, which the Guard rule cannot read (a limitation its README states).',
    });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            sourceIp: '$context.identity.sourceIp',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    if (props.customDomain) {
      this.domain = new DomainName(this, 'Domain', {
        domainName: props.customDomain.domainName,
        certificate: Certificate.fromCertificateArn(
          this,
          'Certificate',
          props.customDomain.certificateArn,
        ),
      });
      new ApiMapping(this, 'Mapping', { api: this.api, domainName: this.domain, stage });
    }
    this.publicUrl = props.customDomain
      ? `https://${props.customDomain.domainName}`
      : this.api.apiEndpoint;
    // The L2 stage has no per-route settings; the L1 property is what API Gateway reads.
    (stage.node.defaultChild as CfnStage).routeSettings = Object.fromEntries(
      Object.entries(props.routeThrottles ?? {}).map(([routeKey, t]) => [
        routeKey,
        // A JSON property: CloudFormation's own casing, passed through as is.
        { ThrottlingRateLimit: t.rateLimit, ThrottlingBurstLimit: t.burstLimit },
      ]),
    );
    const integrations = new Map<string, HttpLambdaIntegration>();
    for (const route of props.routes) {
      const fn = props.functions[route.handler] as IFunction;
      let integration = integrations.get(route.handler);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.handler}-integration`, fn);
        integrations.set(route.handler, integration);
      }
      const [httpRoute] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        ...(route.auth === 'public'
          ? { authorizer: new HttpNoneAuthorizer() }
          : { authorizationScopes: scopesFor(route.access, props.scopes) }),
      });
      // A stage's route settings name the route, which must exist first.
      if (httpRoute && props.routeThrottles?.[`${route.method} ${route.path}`]) {
        stage.node.addDependency(httpRoute);
      }
      if (route.auth === 'public' && httpRoute) {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `Public by design: ${route.publicBecause}`,
        });
        acknowledgeGuard(httpRoute, {
          api_gw_v2_authorization_type_configured_check: `Public by design: ${route.publicBecause}`,
        });
      }
    }
  }
}

/** Collects every wiring problem and throws once, before anything is created. */
function checkProps(props: IntegrationHttpApiProps): void {
  const used = new Set(props.routes.map((r) => r.handler));
  const problems = [
    ...[...used]
      .filter((name) => !props.functions[name])
      .map((name) => `no function for handler "${name}"`),
    ...Object.keys(props.functions)
      .filter((name) => !used.has(name))
      .map((name) => `function "${name}" serves no route`),
  ];
  if (problems.length > 0) throw new Error(`IntegrationHttpApi:\n- ${problems.join('\n- ')}`);
}
