import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmulatorOptions } from '#emulator/server.ts';
import type { LocalApi } from '#local/api-server.ts';
import { startLocalWorkers } from '#local/workers.ts';
import { type IntuitWorld, startIntuitWorld } from './intuit.ts';
import { startTestApi } from './local-api.ts';
import { WEBHOOK_TOKEN } from './secret-shapes.ts';

export { WEBHOOK_TOKEN } from './secret-shapes.ts';

/**
 * How long a test waits for the local queues' workers to finish a job it started (a grant revoked
 * at the emulator's Intuit, a status after a Disconnect notice or a push): their delays run 200
 * times faster in tests, but on a shared machine a worker's few HTTP and DynamoDB calls can take
 * seconds, and vitest's default of 1 s was the likeliest flake. Polled every 50 ms, each poll a
 * local read or two.
 */
export const QUEUE_WORK = { timeout: 10_000, interval: 50 } as const;

/** The API served in this worker, wired to its own emulator, plus helpers to call it. */
export interface TestStack {
  readonly api: LocalApi;
  readonly world: IntuitWorld;
  /** The portal page the OAuth flow returns to. */
  readonly portalUrl: string;
  /** Calls the API as an admin of a tenant. */
  call(tenantId: string, method: string, path: string, body?: unknown): Promise<Response>;
  /**
   * Connects a tenant to a company through the real flow, as the console does: connect → consent
   * → callback → confirm. Returns the portal page with the outcome, as the console shows it:
   * `#quickbooks=connected`, or `#quickbooks=error&reason=<code>` (a callback failure, or the
   * confirm's error code); {@link resultOf} reads it.
   */
  connect(tenantId: string, realmId: string, body?: unknown): Promise<URL>;
  /**
   * The flow up to Intuit's callback (connect → consent → callback), as the tenant's admin: the
   * page the callback sends the browser to (`#quickbooks=confirm&confirmation=…` when it kept
   * the grant; {@link resultOf} reads it). Nothing is connected yet.
   */
  consent(tenantId: string, realmId: string, body?: unknown): Promise<URL>;
  close(): Promise<void>;
}

/**
 * Starts an emulator and the API in this test worker and points the handlers at the emulator
 * through the same environment variables the local runtime sets. Call it once per test file
 * (handlers read their configuration when they are first loaded). `console: true` also serves
 * the admin console and its demo helper, as `npm start` does.
 *
 * @param options - `console`, and emulator options (e.g. `latencyMs`) over the tests' defaults
 */
export async function startTestStack(
  options: { console?: boolean; emulator?: EmulatorOptions } = {},
): Promise<TestStack> {
  const world = await startIntuitWorld(options.emulator);
  const api = await startTestApi({
    ...(options.console ? { console: true } : {}),
    info: { emulatorUrl: world.emulator.url },
  });
  const portalUrl = `${api.url}/portal/settings`;
  Object.assign(process.env, {
    INTUIT_CLIENT_ID: world.emulator.clientId,
    INTUIT_CLIENT_SECRET: world.emulator.clientSecret,
    INTUIT_ENVIRONMENT: 'sandbox',
    INTUIT_REDIRECT_URI: `${api.url}/oauth/quickbooks/callback`,
    INTUIT_OAUTH_BASE_URL: world.emulator.url,
    QBO_API_BASE_URL: world.emulator.url,
    PORTAL_URL: portalUrl,
    // The portal pages the tests return to: Settings, an onboarding page, the portal's root, and
    // the reference console's page.
    RETURN_URLS: [
      portalUrl,
      `${api.url}/portal/onboarding`,
      `${api.url}/portal`,
      `${api.url}/`,
    ].join(','),
    LOCAL_MASTER_KEY_FILE: join(mkdtempSync(join(tmpdir(), 'qbo-keys-')), 'master.key'),
    QBO_WEBHOOK_VERIFIER_TOKEN: WEBHOOK_TOKEN,
  });
  await world.admin('PUT', '/_admin/webhooks', {
    url: `${api.url}/webhooks/quickbooks`,
    verifierToken: WEBHOOK_TOKEN,
    format: 'cloudevents',
  });
  const call = async (tenantId: string, method: string, path: string, body?: unknown) =>
    fetch(`${api.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await api.issuer.mint(tenantId)}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const stopWorkers = await startLocalWorkers();
  const stack: TestStack = {
    api,
    world,
    portalUrl,
    call,
    async connect(tenantId, realmId, body) {
      return confirmed(await stack.consent(tenantId, realmId, body), (c) =>
        call(tenantId, 'POST', '/integrations/quickbooks/confirm', { confirmation: c }),
      );
    },
    async consent(tenantId, realmId, body) {
      const started = await call(tenantId, 'POST', '/integrations/quickbooks/connect', body);
      if (started.status !== 200)
        throw new Error(`connect: ${started.status} ${await started.text()}`);
      const { authorizeUrl } = (await started.json()) as { authorizeUrl: string };
      const consent = new URL(authorizeUrl);
      consent.searchParams.set('auto_approve', realmId);
      const toCallback = await fetch(consent, { redirect: 'manual' });
      const callback = toCallback.headers.get('location') ?? '';
      const back = await fetch(callback, { redirect: 'manual' });
      return new URL(back.headers.get('location') ?? 'http://invalid/');
    },
    async close() {
      stopWorkers();
      await api.close();
      await world.emulator.close();
    },
  };
  return stack;
}

/**
 * The callback's result, from the fragment of the page it sent the browser to
 * (`#quickbooks=confirm&confirmation=…`, `#quickbooks=error&reason=…`), as the console reads it.
 *
 * @param page - the page (a URL, or a `Location` header)
 */
export function resultOf(page: URL | string | undefined): URLSearchParams {
  return new URLSearchParams(new URL(page ?? 'http://invalid/').hash.slice(1));
}

/**
 * What the console does with the callback's redirect: a `#quickbooks=confirm` page is confirmed by
 * the signed-in admin, and becomes `#quickbooks=connected` or `#quickbooks=error&reason=<code>`.
 *
 * @param back - where the callback sent the browser
 * @param confirm - sends `POST /integrations/quickbooks/confirm` with the secret, as the admin
 */
export async function confirmed(
  back: URL,
  confirm: (confirmation: string) => Promise<Response>,
): Promise<URL> {
  const result = resultOf(back);
  const confirmation = result.get('confirmation');
  if (result.get('quickbooks') !== 'confirm' || !confirmation) return back;
  const res = await confirm(confirmation);
  const page = new URL(back);
  page.hash = new URLSearchParams(
    res.ok
      ? { quickbooks: 'connected' }
      : { quickbooks: 'error', reason: ((await res.json()) as { code: string }).code },
  ).toString();
  return page;
}
