import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { routes } from '#shared/api/routes.ts';
import { ENV } from '#shared/config/names.ts';
import { type QueueName, queueEntries } from '#shared/config/queues.ts';
import { OUTBOX_PREFIX } from '#shared/store/outbox-repository.ts';
import type { StackConfig } from './config.ts';
import { ConsoleSite } from './console-site.ts';
import { ACCOUNT_THROTTLE, ApiEdge } from './edge.ts';
import {
  bundleDefines,
  type FunctionName,
  type FunctionSpec,
  functionEntries,
  functionsWhere,
  pascal,
  workerOf,
} from './functions.ts';
import { limitGrantsToAwsServices } from './guard.ts';
import { IntegrationHttpApi } from './http-api.ts';
import { AppFunction, type IntuitAppBinding } from './lambda-function.ts';
import { NightlyReconcile } from './nightly-reconcile.ts';
import { Observability } from './observability.ts';
import { type WorkQueue, workQueues } from './queues.ts';
import { SyncData } from './sync-data.ts';

/** Props of {@link IntegrationStack}. */
export interface IntegrationStackProps extends StackProps {
  /** Validated configuration (`lib/config.ts`). */
  readonly config: StackConfig;
  /**
   * The CloudFront-scope web ACL with the per-client limits (`lib/edge.ts`); required unless the
   * configuration turns the edge off.
   */
  readonly edgeWebAclArn?: string;
}

/**
 * The TradelyHQ ↔ QuickBooks Online integration. It wires the constructs together and owns no
 * resources of its own beyond the queue key, the event bus and the Intuit app secret.
 */
export class IntegrationStack extends Stack {
  /** Tables and keys. */
  readonly data: SyncData;
  /** Encrypts the queues and the alarm topic. */
  readonly queueKey: Key;
  /** The nightly reconcile's schedules. */
  readonly reconcile: NightlyReconcile;
  /** The work queues, one per row of `shared/config/queues.ts`. */
  readonly queues: Readonly<Record<QueueName, WorkQueue>>;
  /** Where TradelyHQ core hears about invoice status changes. */
  readonly eventBus: EventBus;
  /** Alarm topic and alarms. */
  readonly observability: Observability;
  /** The HTTP API. */
  readonly http: IntegrationHttpApi;
  /** CloudFront and the per-client limits in front of the API, unless turned off. */
  readonly edge: ApiEdge | undefined;
  /** The API's base URL for every caller: the edge's, or the API's own with the edge off. */
  readonly publicUrl: string;
  /** Every function, by its folder name under `functions/` (`lib/functions.ts`). */
  readonly functions: Readonly<Record<FunctionName, AppFunction>>;
  /** The reference admin console's static site, when `consoleSite` is set. */
  readonly consoleSite: ConsoleSite | undefined;

  /**
   * @param scope - the app
   * @param id - stack id
   * @param props - see {@link IntegrationStackProps}
   */
  constructor(scope: Construct, id: string, props: IntegrationStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = config.logRetentionDays as RetentionDays;
    this.data = new SyncData(this, 'Data', { envName: config.envName });
    this.queueKey = new Key(this, 'QueueKey', {
      description: 'Encrypts the QuickBooks integration queues and alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    limitGrantsToAwsServices(this.queueKey);
    this.observability = new Observability(this, 'Observability', {
      key: this.queueKey,
      alarmEmails: config.alarmEmails,
    });
    this.reconcile = new NightlyReconcile(this, 'Reconcile', { queueKey: this.queueKey });
    this.eventBus = new EventBus(this, 'Events', {
      description: 'Invoice sync status changes for TradelyHQ core',
    });

    const built = Object.fromEntries(
      functionEntries().map(([name, spec]) => [name, this.buildFunction(name, spec, config)]),
    ) as Record<FunctionName, AppFunction>;
    this.functions = built;

    this.queues = workQueues(this, {
      key: this.queueKey,
      observability: this.observability,
      workerOf: (queue) => built[workerOf(queue)],
    });
    this.reconcile.deliverTo(this.queues.reconcile.queue);
    this.observability.alarmOnDeadLetters(
      'ScheduleDeadLetters',
      this.reconcile.scheduleDeadLetters,
      'Scheduled reconcile requests Scheduler could not deliver',
    );
    for (const [name, spec] of functionEntries()) {
      for (const queue of spec.sendsTo ?? []) this.queues[queue].grantSend(built[name]);
      if (spec.schedules) built[name].bindSchedules(this.reconcile, spec.schedules);
      if (spec.trigger === 'hourly') {
        new Rule(this, `${pascal(name)}Hourly`, {
          description: `Runs ${name} every hour`,
          schedule: Schedule.rate(Duration.hours(1)),
          targets: [new LambdaFunction(built[name], { retryAttempts: 2 })],
        });
      }
      if (typeof spec.trigger === 'object' && 'stream' in spec.trigger) {
        this.deliverOutbox(name, built[name]);
      }
    }
    for (const route of routes) {
      if (route.auth !== 'jwt') continue;
      built[route.handler as FunctionName]
        .addEnvironment(ENV.adminScope, config.scopes.admin)
        .addEnvironment(ENV.pushScope, config.scopes.push);
    }
    this.data.restrictTokenKeyTo(
      Object.values(built)
        .filter((f) => f.usesTokenKey)
        .map((f) => f.role as IRole),
      config.keyPolicyAdminRoleArn,
    );

    // The console site's origin joins the portal origins: its calls pass CORS, and the OAuth flow
    // may return to it. The site depends on nothing of the API, so there is no cycle.
    this.consoleSite = config.consoleSite
      ? new ConsoleSite(this, 'Console', {
          apiOrigins: config.customDomain
            ? [`https://${config.customDomain.domainName}`]
            : config.edge
              ? ['https://*.cloudfront.net']
              : [`https://*.execute-api.${this.region}.amazonaws.com`],
          logRetentionDays: config.logRetentionDays,
        })
      : undefined;
    const portalOrigins = [
      ...config.portalOrigins,
      ...(this.consoleSite ? [this.consoleSite.origin] : []),
    ];
    this.http = new IntegrationHttpApi(this, 'Http', {
      routes,
      functions: Object.fromEntries(
        functionsWhere((s) => s.trigger === 'route').map((n) => [n, built[n]]),
      ),
      jwtIssuer: config.jwtIssuer,
      jwtAudience: config.jwtAudience,
      corsOrigins: portalOrigins,
      throttle: config.apiThrottle,
      routeThrottles: publicRouteThrottles(config),
      scopes: config.scopes,
      logRetention,
      customDomain: config.edge ? undefined : config.customDomain,
    });
    this.edge = config.edge
      ? new ApiEdge(this, 'Edge', {
          api: this.http.api,
          webAclArn: required(
            props.edgeWebAclArn,
            'the edge is on, but no edgeWebAclArn was given',
          ),
          logRetentionDays: config.logRetentionDays,
          customDomain: config.customDomain,
        })
      : undefined;
    this.publicUrl = this.edge?.url ?? this.http.publicUrl;
    for (const route of routes) {
      if (route.auth !== 'public' || !this.edge) continue;
      built[route.handler as FunctionName].addEnvironment(
        ENV.edgeOriginSecret,
        this.edge.originSecret,
      );
    }
    // The redirect URI is the API's own callback route, so it is known only once the API exists.
    const app: IntuitAppBinding = {
      secret: this.intuitSecret(config),
      environment: config.intuitEnvironment,
      redirectUri: `${this.publicUrl}/oauth/quickbooks/callback`,
      portalUrl: config.portalUrl,
      // Every portal origin's allowed pages, and the console site's own page.
      returnUrls: [
        ...config.portalOrigins.flatMap((origin) =>
          config.portalReturnPaths.map((path) => `${origin}${path}`),
        ),
        ...(this.consoleSite ? [`${this.consoleSite.origin}/`] : []),
      ],
      defaultTimezone: config.defaultTimezone,
    };
    const verifier = this.secret(
      'WebhookVerifier',
      config.webhookSecretArn,
      'QuickBooks webhook verifier token(s): {"webhookVerifierTokens":["..."]} (two while rotating).',
    );
    for (const [name, spec] of functionEntries()) {
      if (spec.intuitApp) built[name].bindIntuitApp(app);
      // The Disconnect URL's only setting: where the browser goes next.
      if (spec.portalUrl) built[name].addEnvironment(ENV.portalUrl, config.portalUrl);
      if (spec.webhookSecret) {
        verifier.grantRead(built[name]);
        built[name].addEnvironment(ENV.webhookSecretArn, verifier.secretArn);
      }
    }
    this.alarms();
    if (this.consoleSite) {
      this.consoleSite.publish({
        apiUrl: this.publicUrl,
        intuitEnvironment: config.intuitEnvironment,
      });
      new CfnOutput(this, 'ConsoleUrl', {
        value: `${this.consoleSite.origin}/`,
        description: 'The reference admin console (sign in with a bearer token from the portal)',
      });
    }
    new CfnOutput(this, 'ApiEndpoint', {
      value: this.publicUrl,
      description:
        'Base URL of the API; the Intuit redirect URI, Disconnect URL and webhook URL live under it',
    });
    const domainTarget = config.customDomain
      ? (this.edge?.distribution.distributionDomainName ?? this.http.domain?.regionalDomainName)
      : undefined;
    if (domainTarget) {
      new CfnOutput(this, 'CustomDomainTarget', {
        value: domainTarget,
        description: 'Point the custom domain here (CNAME, or a Route 53 alias)',
      });
    }
    // What `npm run ops -- … --aws` reads from the environment (docs/runbook.md).
    const opsOutputs: Record<string, string> = {
      SyncTableName: this.data.syncState.tableName,
      ReconcileQueueUrl: this.queues.reconcile.queue.queueUrl,
      ...Object.fromEntries(
        queueEntries().flatMap(([name]) => [
          [`${pascal(name)}QueueArn`, this.queues[name].queue.queueArn],
          [`${pascal(name)}DlqArn`, this.queues[name].deadLetterQueue.queueArn],
        ]),
      ),
      ScheduleDlqUrl: this.reconcile.scheduleDeadLetters.queueUrl,
    };
    for (const [id, value] of Object.entries(opsOutputs)) new CfnOutput(this, id, { value });
    new CfnOutput(this, 'EventBusName', {
      value: this.eventBus.eventBusName,
      description: 'EventBridge bus with invoice.* events for TradelyHQ core',
    });
  }

  /**
   * One function from its row in `lib/functions.ts`: its own role and log group, and exactly the
   * table and key access the row names (queues, schedules and the Intuit app are bound once they
   * exist).
   */
  private buildFunction(name: FunctionName, spec: FunctionSpec, config: StackConfig): AppFunction {
    const fn = new AppFunction(this, pascal(name), {
      entry: `functions/${name}/handler.ts`,
      description: spec.description,
      logRetention: config.logRetentionDays as RetentionDays,
      logLevel: config.logLevel,
      ...(spec.timeoutSeconds ? { timeout: Duration.seconds(spec.timeoutSeconds) } : {}),
      define: bundleDefines(spec),
    });
    const { syncState, tenantProviderKeys, tokenKey } = this.data;
    if (spec.syncTable === 'webhook-records') {
      this.data.bindWebhookRecords(fn, ENV.syncTable);
    } else if (spec.syncTable === 'oauth-states') {
      this.data.bindOAuthStates(fn, ENV.syncTable);
    } else if (spec.syncTable) {
      fn.bindTable(syncState, ENV.syncTable, spec.syncTable);
    }
    if (spec.tokens === 'store') {
      this.data.bindPendingGrants(fn, ENV.keysTable);
      fn.bindTokenKey(tokenKey, spec.tokens);
    } else if (spec.tokens) {
      fn.bindTable(tenantProviderKeys, ENV.keysTable, 'readwrite');
      fn.bindTokenKey(tokenKey, spec.tokens);
    } else if (spec.grantSweep) {
      this.data.bindGrantSweep(fn, ENV.keysTable);
    }
    if (spec.outbox) {
      this.data.bindOutbox(fn, ENV.syncTable);
      this.eventBus.grantPutEventsTo(fn);
      fn.addEnvironment(ENV.eventBus, this.eventBus.eventBusName);
    }
    return fn;
  }

  /**
   * The outbox's delivery: the table's stream, filtered to new outbox items, invokes the relay
   * (retried, halved on error, then left to the sweep: a stream keeps its records 24 hours and a
   * failed delivery must not depend on it); and a rule every 5 minutes sweeps the events older
   * than 5 minutes (`shared/use-cases/sweep-outbox.ts`).
   */
  private deliverOutbox(name: FunctionName, fn: AppFunction): void {
    fn.addEventSource(
      new DynamoEventSource(this.data.syncState, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: 5,
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: { NewImage: { sk: { S: FilterRule.beginsWith(OUTBOX_PREFIX) } } },
          }),
        ],
      }),
    );
    new Rule(this, `${pascal(name)}Sweep`, {
      description: `Runs ${name}'s sweep of undelivered events every 5 minutes`,
      schedule: Schedule.rate(Duration.minutes(5)),
      targets: [new LambdaFunction(fn, { retryAttempts: 2 })],
    });
  }

  /** Everything the on-call team is told about: see docs/runbook.md, one section per alarm. */
  private alarms(): void {
    const o = this.observability;
    for (const [name, fn] of Object.entries(this.functions)) o.alarmOnFunction(pascal(name), fn);
    o.alarmOnCount(
      'PushFailures',
      'InvoicePushFailed',
      5,
      'More than 5 invoices failed to reach QuickBooks in 5 minutes.',
    );
    o.alarmOnCount(
      'WebhookSignatureFailures',
      'WebhookSignatureRejected',
      20,
      'More than 20 webhook deliveries with a bad signature in 5 minutes: a wrong verifier token, or someone probing.',
    );
    o.alarmOnCount(
      'QboThrottling',
      'QboThrottled',
      10,
      'QuickBooks answered 429 more than 10 times in 5 minutes.',
    );
    o.alarmOnCount(
      'InvalidGrants',
      'InvalidGrant',
      5,
      'More than 5 QuickBooks connections died (invalid_grant) in 5 minutes.',
    );
    o.alarm(
      'ReconcileOverdue',
      Observability.appMetric('TenantsReconcileOverdue', Duration.hours(1)).with({
        statistic: 'Maximum',
      }),
      0,
      'A connected tenant has had no finished nightly reconcile for 26 hours. See docs/runbook.md.',
    );
    o.alarm(
      'GrantRevokeOverdue',
      Observability.appMetric('GrantRevokesOverdue', Duration.hours(1)).with({
        statistic: 'Maximum',
      }),
      0,
      'A QuickBooks grant has waited over 6 hours to be revoked at Intuit. See docs/runbook.md.',
    );
    // Which tenants and companies: Contributor Insights over the metric lines' properties.
    const logsOf = (...names: FunctionName[]) => names.map((n) => this.functions[n].logGroup);
    const qboCallers = logsOf(...functionsWhere((s) => s.callsQbo === true));
    o.topContributors('QboThrottlingByCompany', 'QboThrottled', 'realmId', qboCallers);
    o.topContributors('QboRequestsByCompany', 'QboRequests', 'realmId', qboCallers);
    o.topContributors(
      'PushFailuresByTenant',
      'InvoicePushFailed',
      'tenantId',
      logsOf('push-worker'),
    );
    o.topContributors('InvalidGrantsByTenant', 'InvalidGrant', 'tenantId', qboCallers);
    o.dashboard(
      {
        ...Object.fromEntries(
          Object.values(this.queues).map((q) => [q.holds, q.deadLetterQueue] as const),
        ),
        'Scheduled reconcile requests': this.reconcile.scheduleDeadLetters,
      },
      Object.values(this.functions),
    );
    o.alarm(
      'Api5xx',
      this.http.api.metricServerError({ period: Duration.minutes(5) }),
      0,
      'The API answered 5xx. See docs/runbook.md.',
    );
  }

  private intuitSecret(config: StackConfig): ISecret {
    return this.secret(
      'IntuitApp',
      config.intuitSecretArn,
      'Intuit app credentials: {"clientId","clientSecret"}. Fill in after the first deploy (README).',
    );
  }

  /** An existing secret named in context, or an empty one to fill in after deploy (retained). */
  private secret(id: string, arn: string | undefined, description: string): ISecret {
    if (arn) return Secret.fromSecretCompleteArn(this, id, arn);
    const secret = new Secret(this, id, {
      description,
      secretObjectValue: {},
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Holds credentials issued by Intuit; they can only be rotated in the Intuit developer ' +
        'portal, so a Secrets Manager rotation Lambda has nothing to rotate. The runbook covers ' +
        'rotating the client secret and verifier token without downtime.',
    });
    return secret;
  }
}

/**
 * The public routes' own throttles. With the edge on, its per-client limits guard them, and no
 * bucket smaller than the account's may sit behind it: junk sent around the edge (refused at once)
 * would fill it. With the edge off, the webhook route keeps one bucket for every caller.
 */
function publicRouteThrottles(config: StackConfig): Record<string, typeof config.webhookThrottle> {
  if (!config.edge) return { 'POST /webhooks/quickbooks': config.webhookThrottle };
  return Object.fromEntries(
    routes
      .filter((r) => r.auth === 'public')
      .map((r) => [`${r.method} ${r.path}`, ACCOUNT_THROTTLE]),
  );
}

function required<T>(value: T | undefined, problem: string): T {
  if (value === undefined) throw new Error(`IntegrationStack: ${problem}`);
  return value;
}
