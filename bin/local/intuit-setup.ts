import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type RunningEmulator, startEmulator } from '#emulator/server.ts';
import { ENV } from '#shared/config/names.ts';

/** Where local mode's Intuit lives: the emulator it started, or one the user named. */
export interface LocalIntuit {
  /** The emulator this process started, or `undefined` when the user named an Intuit. */
  readonly emulatorUrl: string | undefined;
  /** What the start-up banner says about it. */
  readonly description: string;
  close(): Promise<void>;
}

/** Local mode's Intuit settings are incomplete: said in one message, without a stack. */
export class IntuitSetupError extends Error {
  /** @param message - what to set */
  constructor(message: string) {
    super(message);
    this.name = 'IntuitSetupError';
  }
}

/** The variables that name an Intuit of the user's: any of them means "not our own emulator". */
const INTUIT_OVERRIDES = [
  ENV.intuitOAuthBaseUrl,
  ENV.qboApiBaseUrl,
  ENV.intuitClientId,
  ENV.intuitClientSecret,
] as const;

/**
 * The webhook verifier token the local Intuit signs with: the first of `QBO_WEBHOOK_VERIFIER_TOKEN`,
 * which is set to a random one when unset.
 */
function verifierToken(): string {
  const tokens = process.env[ENV.webhookVerifierToken] ?? randomBytes(24).toString('base64url');
  process.env[ENV.webhookVerifierToken] = tokens;
  return tokens.split(',')[0] ?? tokens;
}

/**
 * Points the handlers at an Intuit. When any of `INTUIT_OAUTH_BASE_URL`, `QBO_API_BASE_URL`,
 * `INTUIT_CLIENT_ID` or `INTUIT_CLIENT_SECRET` is set, that Intuit is used as it is (a standalone
 * `npm run emulator`, a recording proxy, or Intuit's real sandbox when the URLs are unset); the
 * client id and secret must both be set, and webhooks are registered by whoever runs that endpoint,
 * with `QBO_WEBHOOK_VERIFIER_TOKEN` (a random one, shown in the banner, unless set). Otherwise the
 * QBO emulator starts on `EMULATOR_PORT` (default: the API's port + 1), with its state under the
 * data folder and its webhooks sent to the API (CloudEvents format unless
 * `EMULATOR_WEBHOOK_FORMAT=legacy`).
 *
 * @param options - the API's URL and the data folder (`undefined`: in memory)
 */
export async function setUpIntuit(options: {
  apiUrl: string;
  apiPort: number;
  dataDir: string | undefined;
}): Promise<LocalIntuit> {
  const env = process.env;
  env[ENV.intuitRedirectUri] ??= `${options.apiUrl}/oauth/quickbooks/callback`;
  if (INTUIT_OVERRIDES.some((name) => env[name])) {
    const missing = [ENV.intuitClientId, ENV.intuitClientSecret].filter((name) => !env[name]);
    if (missing.length > 0) {
      throw new IntuitSetupError(
        `${missing.join(' and ')} must be set too when local mode uses an Intuit of yours ` +
          `(${INTUIT_OVERRIDES.filter((name) => env[name]).join(', ')} set).`,
      );
    }
    const where = env[ENV.intuitOAuthBaseUrl] ?? "Intuit's sandbox";
    return {
      emulatorUrl: undefined,
      description:
        `${where} (yours: register ${options.apiUrl}/webhooks/quickbooks with verifier token ` +
        `${verifierToken()})`,
      close: async () => {},
    };
  }
  const port = Number(env.EMULATOR_PORT ?? (options.apiPort === 0 ? 0 : options.apiPort + 1));
  let emulator: RunningEmulator;
  try {
    emulator = await startEmulator({
      port,
      // QBO answers in about 150 ms; the benchmarks set it, a demo runs instantly.
      latencyMs: Number(env.EMULATOR_LATENCY_MS ?? 0) || 0,
      batchItemLatencyMs: Number(env.EMULATOR_BATCH_ITEM_LATENCY_MS ?? 0) || 0,
      ...(options.dataDir ? { stateFile: join(options.dataDir, 'emulator.json') } : {}),
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new IntuitSetupError(
        `The emulator's port ${port} is already in use; set EMULATOR_PORT=<port>.`,
      );
    }
    throw err;
  }
  // Intuit would be configured in its developer portal; the emulator gets the same by admin call.
  const registered = await fetch(`${emulator.url}/_admin/webhooks`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      url: `${options.apiUrl}/webhooks/quickbooks`,
      verifierToken: verifierToken(),
      format: env.EMULATOR_WEBHOOK_FORMAT ?? 'cloudevents',
    }),
  });
  if (!registered.ok)
    throw new Error(`The emulator refused the webhook endpoint: ${registered.status}`);
  Object.assign(env, {
    [ENV.intuitClientId]: emulator.clientId,
    [ENV.intuitClientSecret]: emulator.clientSecret,
    [ENV.intuitEnvironment]: 'sandbox',
    [ENV.intuitOAuthBaseUrl]: emulator.url,
    [ENV.qboApiBaseUrl]: emulator.url,
  });
  return {
    emulatorUrl: emulator.url,
    description: `${emulator.url} (QBO + OAuth emulator)`,
    close: () => emulator.close(),
  };
}
