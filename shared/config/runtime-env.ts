/**
 * The runtime's environment, parsed once: every variable of {@link ENV} read and checked in one
 * place on first use, with the knobs' defaults applied and a bad value refused with the variable's
 * name (a function with half its configuration must not start). Nothing parses at module load, so
 * local mode and the tests set the environment before the first handler runs.
 */
// zod/mini: the same checks as zod in a seventh of the bundle; see FUNCTION_BUNDLING.
import * as z from 'zod/mini';
import { ENV } from './names.ts';
import { QUEUES } from './queues.ts';

const text = z.optional(z.string());
const count = (min: number, fallback: number) =>
  z._default(z.coerce.number().check(z.int(), z.gte(min)), fallback);

const schema = z.object({
  syncTable: text,
  keysTable: text,
  tokenKeyArn: text,
  eventBus: text,
  pushQueueUrl: text,
  pushMaxReceives: count(1, QUEUES.push.maxReceives),
  changeQueueUrl: text,
  reconcileQueueUrl: text,
  grantQueueUrl: text,
  scheduleGroup: text,
  reconcileQueueArn: text,
  schedulerRoleArn: text,
  scheduleDlqArn: text,
  intuitSecretArn: text,
  intuitEnvironment: z._default(z.enum(['sandbox', 'production']), 'sandbox'),
  intuitRedirectUri: text,
  portalUrl: text,
  returnUrls: text,
  defaultTimezone: z._default(z.string(), 'America/New_York'),
  webhookSecretArn: text,
  edgeOriginSecret: text,
  adminScope: z._default(z.string(), 'quickbooks.admin'),
  pushScope: z._default(z.string(), 'quickbooks.push'),
  tenantClaim: z._default(z.string(), 'tenant_id'),
  intuitClientId: text,
  intuitClientSecret: text,
  intuitOAuthBaseUrl: text,
  qboApiBaseUrl: text,
  webhookVerifierToken: text,
  qboTimeoutMs: count(1, 30_000),
  qboMaxInFlight: count(1, 10),
  qboRequestsPerMinute: count(1, 500),
  qboMinuteMargin: count(0, 20),
  /** Unset: as long as QBO asks (60 s after a 429). */
  qbo429PauseSeconds: z.optional(z.coerce.number().check(z.int(), z.gte(0))),
  reconcileJitterSeconds: count(0, 600),
  qboBatchesPerMinute: count(1, 40),
  qboBatchMinBacklog: count(0, 4),
});

/** The parsed environment: one field per {@link ENV} entry. */
export type RuntimeEnv = z.infer<typeof schema>;

let parsed: RuntimeEnv | undefined;

/**
 * The environment, parsed on the first call and kept (a Lambda's environment never changes).
 *
 * @throws Error naming every variable whose value is refused
 */
export function runtimeEnv(): RuntimeEnv {
  if (parsed) return parsed;
  // An empty variable is an unset one (CloudFormation cannot leave one out conditionally).
  const raw = Object.fromEntries(
    Object.entries(ENV).map(([field, name]) => [field, process.env[name] || undefined]),
  );
  const result = z.safeParse(schema, raw);
  if (!result.success) {
    const names = result.error.issues.map(
      (i) => `${ENV[i.path[0] as keyof typeof ENV]}: ${i.message}`,
    );
    throw new Error(`Invalid environment: ${names.join('; ')}`);
  }
  parsed = result.data;
  return parsed;
}

/** The fields of {@link RuntimeEnv} that hold optional text. */
type TextField = {
  [K in keyof RuntimeEnv]-?: undefined extends RuntimeEnv[K] ? K : never;
}[keyof RuntimeEnv];

/**
 * A variable this function cannot run without; fails with its name when the stack did not set it.
 *
 * @param field - the {@link ENV} entry
 */
export function required<K extends TextField>(field: K): NonNullable<RuntimeEnv[K]> {
  const value = runtimeEnv()[field];
  if (value === undefined) throw new Error(`Missing required environment variable ${ENV[field]}`);
  return value as NonNullable<RuntimeEnv[K]>;
}
