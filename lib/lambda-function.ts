import { resolve } from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { CfnGlobalTable, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, type CfnFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/names.ts';
import { SERVICE_NAME } from '#shared/observability/metric-names.ts';
import { acknowledgeGuard, acknowledgeLogGroup } from './guard.ts';
import { acknowledgeKmsGrantWildcards } from './nag.ts';

/** The Intuit app as functions see it. */
export interface IntuitAppBinding {
  readonly secret: ISecret;
  readonly environment: 'sandbox' | 'production';
  readonly redirectUri: string;
  readonly portalUrl: string;
  /** The pages (origin and path) the OAuth flow may return to. */
  readonly returnUrls: readonly string[];
  readonly defaultTimezone: string;
}

/** Props of an {@link AppFunction}. */
export interface AppFunctionProps {
  /** Path of the handler file, e.g. `functions/health/handler.ts`; it must export `handler`. */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** How long its logs are kept. */
  readonly logRetention: RetentionDays;
  /** Lowest level logged (`POWERTOOLS_LOG_LEVEL`). @default 'INFO' */
  readonly logLevel?: string;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /**
   * esbuild `define`s: the row's `bundleDefines` (`lib/functions.ts`), which leave out the AWS
   * adapters the row does not grant.
   */
  readonly define?: Readonly<Record<string, string>>;
}

/**
 * How every function is bundled, shared with the bundle benchmark (`bench/bundles.ts`) so that it
 * measures what is deployed:
 *
 * - ESM for Node 24, minified (source maps are added at deploy).
 * - The AWS SDK v3 is bundled, so the code runs with the SDK version it was tested with, and
 *   because it loads 2–3 times faster than the copy the Node.js 24 runtime ships: one file instead
 *   of hundreds of modules to resolve (measured side by side in `npm run bench -- bundles`). It
 *   costs 300–400 KB of each bundle, which is why the largest exceed the 300 KB goal.
 * - The banner gives CommonJS dependencies (aws-xray-sdk-core) a `require`, without which an ESM
 *   bundle fails at load with `Dynamic require of "…" is not supported`.
 * - Source maps without the sources' text (`sourcesContent: false`): Node reads and parses the
 *   map at load (`--enable-source-maps`), and the text was two thirds of it (3 MB of the slowest
 *   bundle's map, about a tenth of its load); stack traces keep their original files, lines and
 *   names.
 * - `semver` replaced (`alias`) by `lib/bundling/semver-left-out.ts`: only the X-Ray SDK's AWS
 *   SDK v2 patcher, never called here, requires it.
 * - Left out (`external`): the credential providers Lambda never reaches, with the STS, SSO and
 *   sign-in clients they bring (about 95 KB of every bundle that calls AWS, a sixth of what the
 *   slowest bundle compiled at load; `docs/benchmarks.md`). The SDK's default chain tries the
 *   environment first, and Lambda always puts the function's role credentials there; the chain
 *   imports the others with `await import()` only when the environment has none, which in Lambda
 *   never happens.
 */
export const FUNCTION_BUNDLING = {
  target: 'node24',
  minify: true,
  mainFields: ['module', 'main'],
  sourcesContent: false,
  alias: { semver: './lib/bundling/semver-left-out.ts' },
  bundleAwsSdk: true,
  banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
  external: [
    '@aws-sdk/credential-provider-ini',
    '@aws-sdk/credential-provider-login',
    '@aws-sdk/credential-provider-process',
    '@aws-sdk/credential-provider-sso',
    '@aws-sdk/credential-provider-web-identity',
    '@aws-sdk/nested-clients',
    '@aws-sdk/nested-clients/*',
    '@aws-sdk/token-providers',
  ],
} as const;

/**
 * Every function of the stack, with the same runtime, architecture, bundling, logging and tracing:
 *
 * - Node.js 24 (the newest Lambda runtime aws-cdk-lib offers), pinned rather than `NODEJS_LATEST`,
 *   whose SDK-externals default changes under us; ARM64.
 * - ESM bundle made by local esbuild (never Docker): see {@link FUNCTION_BUNDLING}.
 * - Its own role and log group (with retention), so it needs no AWS managed policy.
 * - Active X-Ray tracing, with the X-Ray write permission in a policy of its own (see below).
 */
export class AppFunction extends NodejsFunction {
  /** Whether {@link bindTokenKey} was called: only such functions may use the token key. */
  usesTokenKey = false;

  /**
   * @param scope - parent construct
   * @param id - construct id
   * @param props - see {@link AppFunctionProps}
   */
  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    super(scope, id, {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      role,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: FUNCTION_BUNDLING.target,
        minify: FUNCTION_BUNDLING.minify,
        sourceMap: true,
        sourcesContent: FUNCTION_BUNDLING.sourcesContent,
        mainFields: [...FUNCTION_BUNDLING.mainFields],
        bundleAwsSDK: FUNCTION_BUNDLING.bundleAwsSdk,
        externalModules: [...FUNCTION_BUNDLING.external],
        esbuildArgs: Object.fromEntries(
          Object.entries(FUNCTION_BUNDLING.alias).map(([name, file]) => [
            `--alias:${name}`,
            resolve(file),
          ]),
        ),
        banner: FUNCTION_BUNDLING.banner,
        ...(props.define ? { define: { ...props.define } } : {}),
      },
    });
    logGroup.grantWrite(role);
    acknowledgeLogGroup(logGroup, props.logRetention);
    acknowledgeGuard(this, {
      lambda_inside_vpc_check:
        'Nothing it reaches lives in a VPC: Intuit is on the internet and DynamoDB, SQS, KMS, ' +
        'Secrets Manager, EventBridge and Scheduler are AWS endpoints reached over TLS with IAM; ' +
        'a VPC would add NAT gateways or interface endpoints and protect nothing here.',
    });
    // Active tracing is set on the L1 function rather than with `tracing: Tracing.ACTIVE`, which
    // would add the X-Ray `Resource: *` statement to the role's default policy, where a cdk-nag
    // acknowledgement would also hide any other wildcard granted to the function later.
    (this.node.defaultChild as CfnFunction).tracingConfig = { mode: 'Active' };
    const xray = new Policy(scope, `${id}XRay`, {
      roles: [role],
      statements: [
        new PolicyStatement({
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          resources: ['*'],
        }),
      ],
    });
    Validations.of(xray).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level ' +
        'permissions (Service Authorization Reference); this policy holds nothing else.',
    });
  }

  /**
   * Lets this function make and/or unwrap token data keys under the token key (envelope
   * encryption; the key policy adds the tenant encryption-context requirement) and hands it the
   * key's ARN. Only what the function does is granted: storing tokens needs `GenerateDataKey`,
   * reading them `Decrypt`.
   *
   * @param key - the token key
   * @param use - `store`, `read`, or `both` (a refresh reads and stores)
   */
  bindTokenKey(key: IKey, use: 'store' | 'read' | 'both'): this {
    this.usesTokenKey = true;
    this.addEnvironment(ENV.tokenKeyArn, key.keyArn);
    const actions = {
      store: ['kms:GenerateDataKey'],
      read: ['kms:Decrypt'],
      both: ['kms:GenerateDataKey', 'kms:Decrypt'],
    };
    key.grant(this, ...actions[use]);
    return this;
  }

  /**
   * Lets this function read the Intuit app's secret at cold start and hands it the Intuit and portal
   * settings.
   *
   * @param app - the secret and the settings
   */
  bindIntuitApp(app: IntuitAppBinding): this {
    app.secret.grantRead(this);
    this.addEnvironment(ENV.intuitSecretArn, app.secret.secretArn);
    this.addEnvironment(ENV.intuitEnvironment, app.environment);
    this.addEnvironment(ENV.intuitRedirectUri, app.redirectUri);
    this.addEnvironment(ENV.portalUrl, app.portalUrl);
    this.addEnvironment(ENV.returnUrls, app.returnUrls.join(','));
    this.addEnvironment(ENV.defaultTimezone, app.defaultTimezone);
    return this;
  }

  /**
   * Lets this function create and move, or delete, tenants' nightly schedules.
   *
   * @param schedules - whatever owns the schedules (the nightly reconcile construct)
   * @param use - `upsert`, `delete` or `both`
   */
  bindSchedules(
    schedules: { grantScheduling(fn: AppFunction, use: 'upsert' | 'delete' | 'both'): void },
    use: 'upsert' | 'delete' | 'both',
  ): this {
    schedules.grantScheduling(this, use);
    return this;
  }

  /**
   * Grants this function access to a table and hands it the table's name, in one call.
   *
   * @param table - the table
   * @param envName - environment variable that receives the table name
   * @param access - `read` or `readwrite`
   */
  bindTable(table: TableV2, envName: string, access: 'read' | 'readwrite'): this {
    this.addEnvironment(envName, table.tableName);
    if (access === 'read') table.grantReadData(this);
    else {
      table.grantReadWriteData(this);
      acknowledgeKmsGrantWildcards(this.role as Role, `the ${table.node.id} table`);
    }
    const cfnTable = table.node.defaultChild as CfnGlobalTable;
    if (Stack.of(table).resolve(cfnTable.globalSecondaryIndexes)?.length) {
      const tableId = Stack.of(table).getLogicalId(cfnTable);
      Validations.of(this.role as Role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${tableId}.Arn>/index/*]`,
        reason:
          `Queries the global secondary indexes of ${table.node.id} only; the wildcard ` +
          'spans the indexes of that one table.',
      });
    }
    return this;
  }
}
