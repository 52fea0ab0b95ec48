import * as z from 'zod';
import { isTimeZone } from '#shared/domain/connection.ts';

/**
 * The stack's deploy-time configuration, read from CDK context (`cdk.json` or `-c key=value`) and
 * validated at synth, so a half-configured stack fails before it reaches CloudFormation.
 */
export interface StackConfig {
  /** Short environment name, used in physical names (`dev`, `prod`). */
  readonly envName: string;
  /** Issuer (`iss`) of TradelyHQ's identity provider, for the API's JWT authorizer. */
  readonly jwtIssuer: string;
  /** Accepted audiences (`aud`) of those tokens. */
  readonly jwtAudience: readonly string[];
  /** Admin portal origins allowed by CORS. */
  readonly portalOrigins: readonly string[];
  /** Days to keep function and access logs. */
  readonly logRetentionDays: number;
  /** Lowest level the functions log; DEBUG adds every QBO read. */
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Steady-state request rate and burst of the API's default stage. */
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Intuit environment the app's keys belong to. */
  readonly intuitEnvironment: 'sandbox' | 'production';
  /**
   * ARN of an existing Secrets Manager secret with `{clientId, clientSecret}`; omitted: the stack
   * creates an empty one to fill in after deploy.
   */
  readonly intuitSecretArn: string | undefined;
  /**
   * ARN of an existing secret with `{webhookVerifierTokens: [...]}`, kept apart so the public
   * webhook receiver never reads the client secret; omitted: the stack creates an empty one.
   */
  readonly webhookSecretArn: string | undefined;
  /** Settings → Integrations page the OAuth flow returns to by default. */
  readonly portalUrl: string;
  /**
   * The paths of the portal pages the OAuth flow may return to (on every portal origin); the
   * portal page's path by default.
   */
  readonly portalReturnPaths: readonly string[];
  /** Time zone of a new connection until the admin picks one. */
  readonly defaultTimezone: string;
  /**
   * Per-client limits in front of the public routes (CloudFront with an AWS WAF web ACL, `lib/edge.ts`);
   * undefined when turned off with `-c edgeLimit=false`.
   */
  readonly edge: EdgeConfig | undefined;
  /** Throttling of the public webhook route when the edge is off (one bucket for all clients). */
  readonly webhookThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Who the alarms e-mail (the on-call list). */
  readonly alarmEmails: readonly string[];
  /**
   * A custom domain for the API (Intuit's redirect, Disconnect and webhook URLs then stay the same
   * if the stack is ever replaced): the host name and an ACM certificate for it, in us-east-1 when
   * the edge serves it (CloudFront), else in the stack's region. Omitted: the edge's
   * `*.cloudfront.net` name, or the API's execute-api endpoint with the edge off.
   */
  readonly customDomain:
    | { readonly domainName: string; readonly certificateArn: string }
    | undefined;
  /**
   * Deploy the reference admin console as a static site (S3 + CloudFront), its origin added to
   * the portal origins (CORS, OAuth return page).
   */
  readonly consoleSite: boolean;
  /** OAuth scope names: `admin` opens every admin route, `push` the two push routes. */
  readonly scopes: { readonly admin: string; readonly push: string };
  /**
   * ARN of a break-glass IAM role: when set, the token key's policy refuses `kms:PutKeyPolicy` to
   * everyone else (the account root included), so nobody can quietly rewrite who may unwrap tokens.
   */
  readonly keyPolicyAdminRoleArn: string | undefined;
}

/** The edge in front of the public routes. */
export interface EdgeConfig {
  /**
   * An existing CloudFront-scope web ACL to use instead of the one the companion stack in
   * us-east-1 creates.
   */
  readonly webAclArn: string | undefined;
  /** Requests one address may send the webhook route in 5 minutes; the route table's otherwise. */
  readonly webhookPerClientLimit: number | undefined;
}

/**
 * The retention periods CloudWatch Logs accepts (`RetentionInDays` of AWS::Logs::LogGroup); any
 * other number synthesizes and then fails the deploy.
 */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

const csv = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

/**
 * A secret's complete ARN: Secrets Manager ends the name with `-` and six random characters
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html#iam-resources).
 * The stack grants `GetSecretValue` on exactly this ARN, so a partial one (without the six
 * characters) deploys and then fails every cold start with AccessDenied.
 */
const secretArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/,
    'a complete Secrets Manager ARN, ending in the six characters Secrets Manager adds to the name',
  );

/** An on/off switch: `-c consoleSite=true` arrives as a string, cdk.json may hold a boolean. */
const flag = (fallback: boolean) =>
  z
    .union([z.boolean(), z.enum(['true', 'false'])], { error: 'true or false' })
    .transform((v) => v === true || v === 'true')
    .default(fallback);

const httpsOrigin = z
  .url({ protocol: /^https$/ })
  .refine((v) => new URL(v).origin === v, 'must be an origin: https://host[:port], no path');

const schema = z.strictObject({
  envName: z.string().regex(/^[a-z][a-z0-9-]{0,15}$/, 'lowercase letters, digits and dashes'),
  jwtIssuer: z.url({ protocol: /^https$/ }),
  jwtAudience: csv.pipe(z.array(z.string().min(1)).min(1, 'name at least one audience')),
  portalOrigins: csv.pipe(z.array(httpsOrigin).min(1, 'name at least one portal origin')),
  logRetentionDays: z.coerce
    .number()
    .refine((days) => LOG_RETENTION_DAYS.includes(days), {
      error: `one of CloudWatch Logs' retention periods: ${LOG_RETENTION_DAYS.join(', ')}`,
    })
    .default(30),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  apiThrottleRate: z.coerce.number().int().positive().default(50),
  apiThrottleBurst: z.coerce.number().int().positive().default(100),
  intuitEnvironment: z.enum(['sandbox', 'production']).default('sandbox'),
  intuitSecretArn: secretArn.optional(),
  webhookSecretArn: secretArn.optional(),
  portalUrl: z.url({ protocol: /^https$/ }).optional(),
  portalReturnPaths: csv
    .pipe(
      z.array(
        z
          .string()
          .regex(/^\/(?!\/)[^?#\s\\]*$/, 'a path: starts with one /, no query, fragment or spaces'),
      ),
    )
    .optional(),
  // Every tenant's schedule starts in it: Scheduler refuses a zone that is not in the IANA database.
  defaultTimezone: z
    .string()
    .refine(isTimeZone, 'an IANA time zone such as America/Chicago')
    .default('America/New_York'),
  alarmEmails: csv.pipe(z.array(z.email())).default([]),
  edgeLimit: flag(true),
  edgeWebAclArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]+\/[\w-]+$/,
      'the ARN of a CloudFront-scope (global, us-east-1) AWS WAF web ACL',
    )
    .optional(),
  // AWS WAF's smallest rate limit is 10 requests in the window.
  webhookPerClientLimit: z.coerce.number().int().min(10).optional(),
  webhookThrottleRate: z.coerce.number().int().positive().default(20),
  webhookThrottleBurst: z.coerce.number().int().positive().default(40),
  domainName: z
    .string()
    .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a host name')
    .optional(),
  certificateArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/.+$/, 'an ACM certificate ARN')
    .optional(),
  consoleSite: flag(false),
  adminScope: z
    .string()
    .regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/, 'an OAuth scope name')
    .default('quickbooks.admin'),
  pushScope: z
    .string()
    .regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/, 'an OAuth scope name')
    .default('quickbooks.push'),
  keyPolicyAdminRoleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'an IAM role ARN')
    .optional(),
});

/** The context keys this stack reads; anything else in context is ignored. */
export const CONFIG_KEYS = Object.keys(schema.shape) as (keyof typeof schema.shape)[];

/**
 * Validates the stack's configuration and lists every problem at once.
 *
 * @param read - reads one context value by key (e.g. `(k) => app.node.tryGetContext(k)`)
 * @param region - the region the stack deploys to, when known: ARNs of secrets and of the
 *   certificate must be in it (functions read secrets in their own region, and API Gateway takes a
 *   regional custom domain's certificate only from its own)
 * @throws Error naming each missing or invalid value and how to set it
 */
export function loadConfig(read: (key: string) => unknown, region?: string): StackConfig {
  const raw = Object.fromEntries(
    CONFIG_KEYS.map((key) => [key, read(key)]).filter(([, value]) => value !== undefined),
  );
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      const message = key && raw[key] === undefined ? 'required, not set' : i.message;
      return `  - ${i.path.join('.') || '(context)'}: ${message}`;
    });
    throw new Error(
      `Invalid stack configuration (set with cdk.json "context" or -c key=value):\n${lines.join('\n')}`,
    );
  }
  const c = parsed.data;
  const problems: string[] = [];
  if (c.portalUrl && !c.portalOrigins.includes(new URL(c.portalUrl).origin)) {
    problems.push('portalUrl: must be on one of the portalOrigins');
  }
  if (c.adminScope === c.pushScope) {
    problems.push('adminScope, pushScope: must differ, or every push token would be an admin');
  }
  if ((c.domainName === undefined) !== (c.certificateArn === undefined)) {
    problems.push('domainName, certificateArn: set both for a custom domain, or neither');
  }
  if (!c.edgeLimit && (c.edgeWebAclArn || c.webhookPerClientLimit)) {
    problems.push(
      'edgeWebAclArn, webhookPerClientLimit: they set the edge, which edgeLimit=false turns off',
    );
  }
  const arns = { intuitSecretArn: c.intuitSecretArn, webhookSecretArn: c.webhookSecretArn };
  for (const [key, arn] of Object.entries(arns)) {
    const arnRegion = arn?.split(':')[3];
    if (region && arnRegion && arnRegion !== region) {
      problems.push(`${key}: in ${arnRegion}, but the stack deploys to ${region}`);
    }
  }
  // CloudFront takes its certificate only from us-east-1; a regional API domain from its own region.
  const certificateRegion = c.edgeLimit ? 'us-east-1' : region;
  const certificateIn = c.certificateArn?.split(':')[3];
  if (certificateRegion && certificateIn && certificateIn !== certificateRegion) {
    problems.push(
      c.edgeLimit
        ? `certificateArn: in ${certificateIn}, but the custom domain is served by CloudFront, which takes certificates only from us-east-1`
        : `certificateArn: in ${certificateIn}, but the stack deploys to ${certificateRegion}`,
    );
  }
  if (problems.length > 0) {
    throw new Error(`Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  const portalUrl = c.portalUrl ?? `${c.portalOrigins[0]}/settings/integrations`;
  return {
    envName: c.envName,
    jwtIssuer: c.jwtIssuer,
    jwtAudience: c.jwtAudience,
    portalOrigins: c.portalOrigins,
    logRetentionDays: c.logRetentionDays,
    logLevel: c.logLevel,
    apiThrottle: { rateLimit: c.apiThrottleRate, burstLimit: c.apiThrottleBurst },
    intuitEnvironment: c.intuitEnvironment,
    intuitSecretArn: c.intuitSecretArn,
    webhookSecretArn: c.webhookSecretArn,
    portalUrl,
    portalReturnPaths: c.portalReturnPaths ?? [new URL(portalUrl).pathname],
    defaultTimezone: c.defaultTimezone,
    edge: c.edgeLimit
      ? { webAclArn: c.edgeWebAclArn, webhookPerClientLimit: c.webhookPerClientLimit }
      : undefined,
    webhookThrottle: { rateLimit: c.webhookThrottleRate, burstLimit: c.webhookThrottleBurst },
    alarmEmails: c.alarmEmails,
    customDomain:
      c.domainName && c.certificateArn
        ? { domainName: c.domainName, certificateArn: c.certificateArn }
        : undefined,
    consoleSite: c.consoleSite,
    scopes: { admin: c.adminScope, push: c.pushScope },
    keyPolicyAdminRoleArn: c.keyPolicyAdminRoleArn,
  };
}
