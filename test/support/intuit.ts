import { type EmulatorOptions, type RunningEmulator, startEmulator } from '#emulator/server.ts';
import { IntuitOAuthClient } from '#shared/oauth/intuit-oauth.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { CompanyProfileFields } from './profiles.ts';

/** The redirect URI the tests' Intuit app registers. */
const TEST_REDIRECT_URI = 'http://127.0.0.1:9/oauth/quickbooks/callback';

/** A running emulator, the product's Intuit client pointed at it, and a shared clock. */
export interface IntuitWorld {
  readonly emulator: RunningEmulator;
  readonly intuit: IntuitOAuthClient;
  /** The emulator's clock, which the product code under test also reads. */
  readonly clock: Clock;
  /** Creates a company in the emulator, with profile fields if given (see `test/support/profiles.ts`). */
  newCompany(name?: string, profile?: CompanyProfileFields): Promise<string>;
  /** Runs consent for a company (auto-approved) and returns the callback URL Intuit would send. */
  consent(realmId: string, state?: string): Promise<string>;
  /** Calls the emulator's admin API. */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  /** The grants Intuit has issued for a company, oldest first: `live`, `revoked` or `expired`. */
  grantsOf(realmId: string): Promise<string[]>;
}

/**
 * Starts the emulator on a free port and the product's Intuit OAuth client against it.
 *
 * @param options - emulator options (e.g. `latencyMs`) over the tests' defaults
 */
export async function startIntuitWorld(options: EmulatorOptions = {}): Promise<IntuitWorld> {
  // A held ("timeout") request outlasts the product's QBO timeout (QBO_TIMEOUT_MS) in tests.
  const emulator = await startEmulator({ port: 0, timeoutHoldMs: 3000, ...options });
  const clock: Clock = { now: () => emulator.clock.now() };
  const intuit = new IntuitOAuthClient(
    {
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      redirectUri: TEST_REDIRECT_URI,
      environment: 'sandbox',
      oauthBaseUrl: emulator.url,
    },
    clock,
  );
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${emulator.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    emulator,
    intuit,
    clock,
    admin,
    async newCompany(name = 'Smith Plumbing LLC', profile = {}) {
      const res = await admin('POST', '/_admin/companies', { name, ...profile });
      if (res.status !== 200) throw new Error(`company not created: ${await res.text()}`);
      return ((await res.json()) as { realmId: string }).realmId;
    },
    async grantsOf(realmId) {
      const res = await admin('GET', `/_admin/companies/${realmId}`);
      return ((await res.json()) as { grants: { status: string }[] }).grants.map((g) => g.status);
    },
    async consent(realmId, state = 'test-state') {
      const authorize = new URL(intuit.authorizeUrl(state));
      authorize.searchParams.set('auto_approve', realmId);
      const res = await fetch(authorize, { redirect: 'manual' });
      const location = res.headers.get('location');
      if (res.status !== 302 || !location) throw new Error(`consent failed: ${res.status}`);
      return location;
    },
  };
}
