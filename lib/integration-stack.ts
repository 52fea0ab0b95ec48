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
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { routes } from '#shared/api/routes.ts';
import { SCOPE_ENV } from '#shared/http/scopes.ts';
import { TABLE_ENV } from '#shared/store/tables.ts';
import type { StackConfig } from './config.ts';
import { ConsoleSite } from './console-site.ts';
import { Grants } from './grants.ts';
import { IntegrationHttpApi } from './http-api.ts';
import { InvoicePipeline } from './invoice-pipeline.ts';
import { AppFunction, type IntuitAppBinding } from './lambda-function.ts';
import { NightlyReconcile } from './nightly-reconcile.ts';
import { Observability } from './observability.ts';
import { SyncData } from './sync-data.ts';
import { Webhooks } from './webhooks.ts';

/** Props of {@link IntegrationStack}. */
export interface IntegrationStackProps extends StackProps {
  /** Validated configuration (`lib/config.ts`). */
  readonly config: StackConfig;
}

/** Functions that call Intuit stay well inside API Gateway's 30-second integration limit. */
const INTUIT_CALL_TIMEOUT = Duration.seconds(29);

/**
 * The TradelyHQ ↔ QuickBooks Online integration. It wires the constructs together and owns no
 * resources of its own beyond the queue key, the event bus and the Intuit app secret.
 */
export class IntegrationStack extends Stack {
  /** Tables and keys. */
  readonly data: SyncData;
  /** Encrypts the queues and the alarm topic. */
  readonly queueKey: Key;
  /** The nightly reconcile's schedules and queue. */
  readonly reconcile: NightlyReconcile;
  /** The invoice push queue and its worker. */
  readonly pipeline: InvoicePipeline;
  /** The webhook change queue and its worker. */
  readonly webhooks: Webhooks;
  /** The grant queue and its worker (revocations, confirmation expiries, Disconnect notices). */
  readonly grants: Grants;
  /** Where TradelyHQ core hears about invoice status changes. */
  readonly eventBus: EventBus;
  /** Alarm topic and alarms. */
  readonly observability: Observability;
  /** The HTTP API. */
  readonly http: IntegrationHttpApi;
  /** Every function, by its folder name under `functions/`. */
  readonly functions: Readonly<Record<string, AppFunction>>;
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
    this.observability = new Observability(this, 'Observability', {
      key: this.queueKey,
      alarmEmails: config.alarmEmails,
    });
    this.reconcile = new NightlyReconcile(this, 'Reconcile', { queueKey: this.queueKey });
    this.eventBus = new EventBus(this, 'Events', {
      description: 'Invoice sync status changes for TradelyHQ core',
    });

    const { syncState, tenantProviderKeys, tokenKey } = this.data;
    const fn = (name: string, description: string, options: { timeout?: Duration } = {}) =>
      new AppFunction(this, pascal(name), {
        entry: `functions/${name}/handler.ts`,
        description,
        logRetention,
        logLevel: config.logLevel,
        ...options,
      });
    const syncRead = (f: AppFunction) => f.bindTable(syncState, TABLE_ENV.syncState, 'read');
    const syncWrite = (f: AppFunction) => f.bindTable(syncState, TABLE_ENV.syncState, 'readwrite');
    const tokens = (f: AppFunction, use: 'store' | 'read' | 'both') =>
      f
        .bindTable(tenantProviderKeys, TABLE_ENV.tenantProviderKeys, 'readwrite')
        .bindTokenKey(tokenKey, use);
    const events = (f: AppFunction) => {
      this.eventBus.grantPutEventsTo(f);
      f.addEnvironment('EVENT_BUS_NAME', this.eventBus.eventBusName);
      return f;
    };
    const intuit = { timeout: INTUIT_CALL_TIMEOUT };

    const worker = events(
      tokens(
        syncWrite(
          fn('push-worker', 'Pushes queued invoices to QuickBooks', {
            timeout: Duration.seconds(60),
          }),
        ),
        'both',
      ),
    );
    const changeWorker = events(
      tokens(
        syncWrite(
          fn('change-worker', 'Applies QuickBooks changes (webhooks) to pushed invoices', {
            timeout: Duration.seconds(60),
          }),
        ),
        'both',
      ),
    );
    const reconcileWorker = events(
      tokens(
        syncWrite(
          fn('reconcile-worker', "Nightly reconcile of a tenant's invoices with QuickBooks", {
            timeout: Duration.minutes(5),
          }),
        ),
        'both',
      ),
    );
    this.reconcile.consumeWith(reconcileWorker);
    this.observability.alarmOnDeadLetters(
      'ReconcileDeadLetters',
      this.reconcile.queueDeadLetters,
      'Reconcile runs',
    );
    this.observability.alarmOnDeadLetters(
      'ScheduleDeadLetters',
      this.reconcile.scheduleDeadLetters,
      'Scheduled reconcile requests Scheduler could not deliver',
    );
    this.pipeline = new InvoicePipeline(this, 'Pipeline', {
      queueKey: this.queueKey,
      worker,
      observability: this.observability,
    });
    // Opens held grants to revoke them, and reads QBO to check a Disconnect notice: both key uses.
    const grantWorker = tokens(
      syncWrite(
        fn('grant-worker', 'Revokes grants no connection holds; checks Disconnect notices', {
          timeout: Duration.seconds(30),
        }),
      ),
      'both',
    );
    this.grants = new Grants(this, 'Grants', {
      queueKey: this.queueKey,
      worker: grantWorker,
      observability: this.observability,
    });

    const routeFunctions = {
      health: fn('health', 'GET /health: liveness probe'),
      'get-connection': syncRead(fn('get-connection', 'GET /integrations/quickbooks: status')),
      'connect-quickbooks': syncWrite(fn('connect-quickbooks', 'Starts the QuickBooks OAuth flow')),
      // Public: seals the new grant and keeps it pending; it can never open a token.
      'quickbooks-callback': syncWrite(
        tokens(
          fn('quickbooks-callback', "Intuit's OAuth redirect: keeps the grant", intuit),
          'store',
        ),
      ),
      // Adopts the sealed grant, then catches up on QBO changes with it (CDC): both key uses.
      'confirm-quickbooks': events(
        tokens(
          syncWrite(fn('confirm-quickbooks', 'The admin who started it connects', intuit)),
          'both',
        ),
      ).bindSchedules(this.reconcile),
      // Public: no table, no token key, no Intuit secret; it only queues a check of the grant.
      'quickbooks-disconnected': fn(
        'quickbooks-disconnected',
        "Intuit's Disconnect URL: queues a check of the grant",
      ),
      // Reads QBO with the tenant's tokens (a refresh stores the new pair): both key uses.
      'list-income-accounts': tokens(
        syncWrite(fn('list-income-accounts', "The company's income accounts, from QBO", intuit)),
        'both',
      ),
      'update-settings': syncWrite(
        fn('update-settings', 'Time zone and mapping settings'),
      ).bindSchedules(this.reconcile),
      'disconnect-quickbooks': tokens(
        syncWrite(fn('disconnect-quickbooks', 'Revokes at Intuit, deletes tokens', intuit)),
        'read',
      ).bindSchedules(this.reconcile),
      'push-invoice': events(syncWrite(fn('push-invoice', 'Authorize & Send: queues a push'))),
      'get-invoice-sync': syncRead(fn('get-invoice-sync', "One invoice's sync status")),
      'list-invoices': syncRead(fn('list-invoices', 'Pushed invoices by status')),
      // Public: only what receiving needs (no token key, no Intuit client secret, no reads of
      // invoices or tokens): write webhook records, and find a realm's tenant on the index.
      'quickbooks-webhook': this.data.bindWebhookRecords(
        fn('quickbooks-webhook', 'Receives QuickBooks webhooks'),
        TABLE_ENV.syncState,
      ),
      'list-sync-errors': syncRead(fn('list-sync-errors', 'The Sync Errors panel')),
      'resync-invoice': syncWrite(fn('resync-invoice', 'Re-pushes an invoice over QBO')),
      'accept-sync-error': syncWrite(fn('accept-sync-error', "Keeps QBO's value")),
      'dismiss-sync-error': syncWrite(fn('dismiss-sync-error', 'Dismisses a sync error')),
      'request-reconcile': syncWrite(fn('request-reconcile', 'Runs the reconcile now')),
    };
    this.pipeline.grantSend(routeFunctions['resync-invoice']);
    this.reconcile.grantRequest(routeFunctions['request-reconcile']);
    this.webhooks = new Webhooks(this, 'Webhooks', {
      queueKey: this.queueKey,
      receiver: routeFunctions['quickbooks-webhook'],
      worker: changeWorker,
      observability: this.observability,
    });
    this.pipeline.grantSend(routeFunctions['push-invoice']);
    // A reconnect resumes the pushes that waited for it.
    this.pipeline.grantSend(routeFunctions['confirm-quickbooks']);
    for (const name of [
      'quickbooks-callback',
      'confirm-quickbooks',
      'quickbooks-disconnected',
      'disconnect-quickbooks',
    ] as const) {
      this.grants.grantSend(routeFunctions[name]);
    }
    for (const route of routes) {
      if (route.auth !== 'jwt') continue;
      routeFunctions[route.handler as keyof typeof routeFunctions]
        .addEnvironment(SCOPE_ENV.admin, config.scopes.admin)
        .addEnvironment(SCOPE_ENV.push, config.scopes.push);
    }
    const watchdog = syncRead(
      fn('fleet-watchdog', 'Hourly: reconnects needed, overdue reconciles, open sync errors', {
        // One small query per tenant: minutes, not seconds, at thousands of tenants.
        timeout: Duration.minutes(5),
      }),
    );
    new Rule(this, 'FleetWatchdogHourly', {
      description: 'Runs the fleet watchdog every hour',
      schedule: Schedule.rate(Duration.hours(1)),
      targets: [new LambdaFunction(watchdog, { retryAttempts: 2 })],
    });
    this.functions = {
      ...routeFunctions,
      'push-worker': worker,
      'grant-worker': grantWorker,
      'change-worker': changeWorker,
      'reconcile-worker': reconcileWorker,
      'fleet-watchdog': watchdog,
    };
    this.data.restrictTokenKeyTo(
      Object.values(this.functions)
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
      functions: routeFunctions,
      jwtIssuer: config.jwtIssuer,
      jwtAudience: config.jwtAudience,
      corsOrigins: portalOrigins,
      throttle: config.apiThrottle,
      routeThrottles: { 'POST /webhooks/quickbooks': config.webhookThrottle },
      scopes: config.scopes,
      logRetention,
      customDomain: config.customDomain,
    });
    // The redirect URI is the API's own callback route, so it is known only once the API exists.
    const app: IntuitAppBinding = {
      secret: this.intuitSecret(config),
      environment: config.intuitEnvironment,
      redirectUri: `${this.http.publicUrl}/oauth/quickbooks/callback`,
      portalUrl: config.portalUrl,
      returnUrlOrigins: portalOrigins,
      defaultTimezone: config.defaultTimezone,
    };
    for (const name of [
      'connect-quickbooks',
      'quickbooks-callback',
      'confirm-quickbooks',
      'grant-worker',
      'disconnect-quickbooks',
      'list-income-accounts',
      'push-worker',
      'change-worker',
      'reconcile-worker',
    ]) {
      this.functions[name]?.bindIntuitApp(app);
    }
    // The Disconnect URL's only setting: where the browser goes next.
    routeFunctions['quickbooks-disconnected'].addEnvironment('PORTAL_URL', config.portalUrl);
    const verifier = this.secret(
      'WebhookVerifier',
      config.webhookSecretArn,
      'QuickBooks webhook verifier token(s): {"webhookVerifierTokens":["..."]} (two while rotating).',
    );
    verifier.grantRead(routeFunctions['quickbooks-webhook']);
    routeFunctions['quickbooks-webhook'].addEnvironment('WEBHOOK_SECRET_ARN', verifier.secretArn);
    this.alarms();
    if (this.consoleSite) {
      this.consoleSite.publish({
        apiUrl: this.http.publicUrl,
        intuitEnvironment: config.intuitEnvironment,
      });
      new CfnOutput(this, 'ConsoleUrl', {
        value: `${this.consoleSite.origin}/`,
        description: 'The reference admin console (sign in with a bearer token from the portal)',
      });
    }
    new CfnOutput(this, 'ApiEndpoint', {
      value: this.http.publicUrl,
      description: 'Base URL of the API; the Intuit redirect URI and Disconnect URL live under it',
    });
    if (this.http.domain) {
      new CfnOutput(this, 'CustomDomainTarget', {
        value: this.http.domain.regionalDomainName,
        description: 'Point the custom domain here (CNAME, or a Route 53 alias)',
      });
    }
    // What `npm run ops -- … --aws` reads from the environment (docs/runbook.md).
    const opsOutputs: Record<string, string> = {
      SyncTableName: this.data.syncState.tableName,
      ReconcileQueueUrl: this.reconcile.queue.queueUrl,
      PushQueueArn: this.pipeline.queue.queueArn,
      PushDlqArn: this.pipeline.deadLetterQueue.queueArn,
      ChangesQueueArn: this.webhooks.queue.queueArn,
      ChangesDlqArn: this.webhooks.deadLetterQueue.queueArn,
      ReconcileQueueArn: this.reconcile.queue.queueArn,
      ReconcileDlqArn: this.reconcile.queueDeadLetters.queueArn,
      ScheduleDlqUrl: this.reconcile.scheduleDeadLetters.queueUrl,
    };
    for (const [id, value] of Object.entries(opsOutputs)) new CfnOutput(this, id, { value });
    new CfnOutput(this, 'EventBusName', {
      value: this.eventBus.eventBusName,
      description: 'EventBridge bus with invoice.* events for TradelyHQ core',
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
    // Which tenants and companies: Contributor Insights over the metric lines' properties.
    const logsOf = (...names: string[]) => names.flatMap((n) => this.functions[n]?.logGroup ?? []);
    const qboCallers = logsOf(
      'push-worker',
      'change-worker',
      'reconcile-worker',
      'quickbooks-callback',
      'confirm-quickbooks',
      'grant-worker',
      'list-income-accounts',
    );
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
        push: this.pipeline.deadLetterQueue,
        changes: this.webhooks.deadLetterQueue,
        reconcile: this.reconcile.queueDeadLetters,
        schedules: this.reconcile.scheduleDeadLetters,
        grants: this.grants.deadLetterQueue,
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

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}
