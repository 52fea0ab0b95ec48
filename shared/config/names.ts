/**
 * The environment variables that carry the stack's settings to the functions: the CDK stack sets
 * them (`lib/`), the runtime reads them (`shared/`), and local mode sets the same ones
 * (`bin/local.ts`). One name each, here, so the two sides cannot drift apart.
 */
export const ENV = {
  /** The sync-state table's name. */
  syncTable: 'SYNC_TABLE_NAME',
  /** `tenant_provider_keys`' name (token functions only). */
  keysTable: 'KEYS_TABLE_NAME',
  /** The token KMS key (token functions only). */
  tokenKeyArn: 'TOKEN_KEY_ARN',
  /** The bus for `invoice.*` events. */
  eventBus: 'EVENT_BUS_NAME',
  pushQueueUrl: 'PUSH_QUEUE_URL',
  /** The push queue's redrive receive count, so the worker knows which receive is the last. */
  pushMaxReceives: 'PUSH_MAX_RECEIVES',
  changeQueueUrl: 'CHANGE_QUEUE_URL',
  reconcileQueueUrl: 'RECONCILE_QUEUE_URL',
  grantQueueUrl: 'GRANT_QUEUE_URL',
  /** Where tenants' schedules go, and what they need. */
  scheduleGroup: 'SCHEDULE_GROUP',
  reconcileQueueArn: 'RECONCILE_QUEUE_ARN',
  schedulerRoleArn: 'SCHEDULER_ROLE_ARN',
  scheduleDlqArn: 'SCHEDULE_DLQ_ARN',
  /** The Intuit app's secret (client id and secret) and settings. */
  intuitSecretArn: 'INTUIT_SECRET_ARN',
  intuitEnvironment: 'INTUIT_ENVIRONMENT',
  intuitRedirectUri: 'INTUIT_REDIRECT_URI',
  portalUrl: 'PORTAL_URL',
  returnUrls: 'RETURN_URLS',
  defaultTimezone: 'DEFAULT_TIMEZONE',
  /** The webhook verifier token secret (the receiver only). */
  webhookSecretArn: 'WEBHOOK_SECRET_ARN',
  /** The secret header CloudFront adds in front of the public routes (`shared/http/edge-origin.ts`). */
  edgeOriginSecret: 'EDGE_ORIGIN_SECRET',
  /** The OAuth scopes of admin routes and of the push routes. */
  adminScope: 'ADMIN_SCOPE',
  pushScope: 'PUSH_SCOPE',
  /** The JWT claim that names the tenant. */
  tenantClaim: 'TENANT_CLAIM',
  /** Local mode: the Intuit app's credentials and endpoints (AWS reads the secret and the hosts). */
  intuitClientId: 'INTUIT_CLIENT_ID',
  intuitClientSecret: 'INTUIT_CLIENT_SECRET',
  intuitOAuthBaseUrl: 'INTUIT_OAUTH_BASE_URL',
  qboApiBaseUrl: 'QBO_API_BASE_URL',
  /** Local mode: the webhook verifier token(s), comma-separated. */
  webhookVerifierToken: 'QBO_WEBHOOK_VERIFIER_TOKEN',
  /** Tuning knobs with defaults (docs/configuration.md). */
  qboTimeoutMs: 'QBO_TIMEOUT_MS',
  qboMaxInFlight: 'QBO_MAX_IN_FLIGHT',
  qboRequestsPerMinute: 'QBO_REQUESTS_PER_MINUTE',
  qboMinuteMargin: 'QBO_MINUTE_MARGIN',
  qbo429PauseSeconds: 'QBO_429_PAUSE_SECONDS',
  reconcileJitterSeconds: 'RECONCILE_JITTER_SECONDS',
  /** Per-company QBO batch requests in any 60 s (Intuit: 40 per company and app). */
  qboBatchesPerMinute: 'QBO_BATCHES_PER_MINUTE',
  /** Creates queued in an invoice's message group past which the push worker sends a batch. */
  qboBatchMinBacklog: 'QBO_BATCH_MIN_BACKLOG',
} as const;
