import { hkdfSync } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
// zod/mini: the same checks as zod in a seventh of the bundle; see FUNCTION_BUNDLING.
import * as z from 'zod/mini';
import { awsClient } from '#shared/adapters/aws/clients.ts';
import type { IntuitAppConfig } from '#shared/oauth/intuit-oauth.ts';
import { required, runtimeEnv } from './runtime-env.ts';

/** Everything the connection, push and webhook code needs to know about Intuit and the portal. */
export interface IntegrationConfig {
  readonly intuit: IntuitAppConfig;
  /** Accounting API base URL, no trailing slash. */
  readonly qboApiBaseUrl: string;
  /** Where the browser returns after the OAuth flow when the portal names no other page. */
  readonly portalUrl: string;
  /** The pages (origin and path) a `returnUrl` may name; the portal page by default. */
  readonly returnUrls: readonly string[];
  /** Time zone of a new connection until the admin picks one. */
  readonly defaultTimezone: string;
  /** Key that signs OAuth `state` values, derived from the client secret (HKDF). */
  readonly stateSigningKey: Buffer;
}

const QBO_HOSTS = {
  sandbox: 'https://sandbox-quickbooks.api.intuit.com',
  production: 'https://quickbooks.api.intuit.com',
} as const;

const secretSchema = z.object({
  clientId: z.string().check(z.minLength(1)),
  clientSecret: z.string().check(z.minLength(1)),
});

/**
 * The Intuit app's secrets: from Secrets Manager when `INTUIT_SECRET_ARN` is set (AWS, read once at
 * cold start), else from `INTUIT_CLIENT_ID` and `INTUIT_CLIENT_SECRET` (local mode).
 */
async function loadSecrets(): Promise<z.infer<typeof secretSchema>> {
  const arn = runtimeEnv().intuitSecretArn;
  if (arn) {
    const out = await awsClient(SecretsManagerClient).send(
      new GetSecretValueCommand({ SecretId: arn }),
    );
    return secretSchema.parse(JSON.parse(out.SecretString ?? '{}'));
  }
  return secretSchema.parse({
    clientId: required('intuitClientId'),
    clientSecret: required('intuitClientSecret'),
  });
}

/** Reads and checks the configuration from the environment (and Secrets Manager). */
export async function loadIntegrationConfig(): Promise<IntegrationConfig> {
  const secrets = await loadSecrets();
  const env = runtimeEnv();
  const environment = env.intuitEnvironment;
  const oauthBaseUrl = env.intuitOAuthBaseUrl;
  const portalUrl = required('portalUrl');
  const portal = new URL(portalUrl);
  const returnUrls = (env.returnUrls ?? `${portal.origin}${portal.pathname}`)
    .split(',')
    .map((page) => page.trim())
    .filter(Boolean);
  return {
    intuit: {
      clientId: secrets.clientId,
      clientSecret: secrets.clientSecret,
      redirectUri: required('intuitRedirectUri'),
      environment,
      ...(oauthBaseUrl ? { oauthBaseUrl } : {}),
    },
    qboApiBaseUrl: (env.qboApiBaseUrl ?? QBO_HOSTS[environment]).replace(/\/$/, ''),
    portalUrl,
    returnUrls,
    defaultTimezone: env.defaultTimezone,
    stateSigningKey: Buffer.from(
      hkdfSync('sha256', secrets.clientSecret, 'tradelyhq-quickbooks', 'oauth-state', 32),
    ),
  };
}

const verifierSchema = z.object({
  webhookVerifierTokens: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
});

/**
 * The webhook verifier tokens (more than one while a token is rotated), kept apart from the Intuit
 * app's client secret so the public webhook receiver never holds the client secret: from the
 * Secrets Manager secret `WEBHOOK_SECRET_ARN` (`{"webhookVerifierTokens": [...]}`) in AWS, else
 * `QBO_WEBHOOK_VERIFIER_TOKEN` (comma-separated) locally.
 */
export async function loadVerifierTokens(): Promise<string[]> {
  const arn = runtimeEnv().webhookSecretArn;
  if (arn) {
    const out = await awsClient(SecretsManagerClient).send(
      new GetSecretValueCommand({ SecretId: arn }),
    );
    return verifierSchema.parse(JSON.parse(out.SecretString ?? '{}')).webhookVerifierTokens;
  }
  return verifierSchema.parse({
    webhookVerifierTokens: required('webhookVerifierToken')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  }).webhookVerifierTokens;
}
