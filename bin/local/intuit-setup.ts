import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type RunningEmulator, startEmulator } from '#emulator/server.ts';

/** Where local mode's Intuit lives: the emulator it started, or the real sandbox. */
export interface LocalIntuit {
  /** The emulator's base URL, or `undefined` when talking to Intuit's real sandbox. */
  readonly emulatorUrl: string | undefined;
  close(): Promise<void>;
}

/**
 * Points the handlers at an Intuit: the real sandbox when `INTUIT_CLIENT_ID` is set without an
 * `INTUIT_OAUTH_BASE_URL` override (then `INTUIT_CLIENT_SECRET` and `INTUIT_REDIRECT_URI` must be
 * set too, and the redirect URI registered in the Intuit app), otherwise the QBO emulator on
 * `EMULATOR_PORT` (default: the API's port + 1), with its state under the data folder and its
 * webhooks sent to the API (CloudEvents format unless `EMULATOR_WEBHOOK_FORMAT=legacy`), signed
 * with `QBO_WEBHOOK_VERIFIER_TOKEN` (a random one unless set).
 *
 * @param options - the API's URL and the data folder (`undefined`: in memory)
 */
export async function setUpIntuit(options: {
  apiUrl: string;
  apiPort: number;
  dataDir: string | undefined;
}): Promise<LocalIntuit> {
  const env = process.env;
  env.INTUIT_REDIRECT_URI ??= `${options.apiUrl}/oauth/quickbooks/callback`;
  if (env.INTUIT_CLIENT_ID && !env.INTUIT_OAUTH_BASE_URL) {
    return { emulatorUrl: undefined, close: async () => {} };
  }
  const port = Number(env.EMULATOR_PORT ?? (options.apiPort === 0 ? 0 : options.apiPort + 1));
  let emulator: RunningEmulator;
  try {
    emulator = await startEmulator({
      port,
      // QBO answers in about 150 ms; the benchmarks set it, a demo runs instantly.
      latencyMs: Number(env.EMULATOR_LATENCY_MS ?? 0) || 0,
      ...(options.dataDir ? { stateFile: join(options.dataDir, 'emulator.json') } : {}),
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`The emulator's port ${port} is already in use; set EMULATOR_PORT=<port>.`);
    }
    throw err;
  }
  // Intuit would be configured in its developer portal; the emulator gets the same by admin call.
  env.QBO_WEBHOOK_VERIFIER_TOKEN ??= randomBytes(24).toString('base64url');
  const registered = await fetch(`${emulator.url}/_admin/webhooks`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      url: `${options.apiUrl}/webhooks/quickbooks`,
      verifierToken: env.QBO_WEBHOOK_VERIFIER_TOKEN.split(',')[0],
      format: env.EMULATOR_WEBHOOK_FORMAT ?? 'cloudevents',
    }),
  });
  if (!registered.ok)
    throw new Error(`The emulator refused the webhook endpoint: ${registered.status}`);
  Object.assign(env, {
    INTUIT_CLIENT_ID: emulator.clientId,
    INTUIT_CLIENT_SECRET: emulator.clientSecret,
    INTUIT_ENVIRONMENT: 'sandbox',
    INTUIT_OAUTH_BASE_URL: emulator.url,
    QBO_API_BASE_URL: emulator.url,
  });
  return { emulatorUrl: emulator.url, close: () => emulator.close() };
}
