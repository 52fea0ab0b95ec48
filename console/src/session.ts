/**
 * Who the console acts for. Local mode: a tenant id, for which the local server's development
 * issuer (`POST /_local/token`) mints a token. Deployed: a bearer token pasted from TradelyHQ's
 * portal. Tokens are held in memory and in sessionStorage only (this tab, gone when it closes, so
 * the OAuth round trip through Intuit keeps the session); never in a URL, a cookie or a log.
 */
import type { ConsoleConfig } from './context.ts';
import { h } from './dom.ts';

const TENANT_KEY = 'qbo-console.tenantId';
const TOKEN_KEY = 'qbo-console.token';
const DEFAULT_TENANT = 'acme';
/** Half-seconds to wait for a local server that is still starting (DynamoDB Local takes ~8 s). */
const STARTING_WAITS = 60;

/** What the sign-in form reports. */
export interface SessionEvents {
  onSignedIn(): void;
  onSignedOut(): void;
  onError(message: string): void;
}

/** The console's current identity and its bearer token. */
export class Session {
  /** The bearer token, when signed in. */
  token: string | undefined;
  /** Who is signed in, for the header. */
  label = '';

  /** @param config - the console's configuration (its mode) */
  constructor(private readonly config: ConsoleConfig) {}

  /** Signs in again from this tab's sessionStorage (after the OAuth redirect or a reload). */
  async resume(): Promise<boolean> {
    if (this.config.mode === 'local') {
      const tenantId = sessionStorage.getItem(TENANT_KEY);
      return tenantId
        ? this.signInAsTenant(tenantId).then(
            () => true,
            () => false,
          )
        : false;
    }
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) this.useToken(token);
    return Boolean(token);
  }

  /** Forgets the token (and the tenant). */
  signOut(): void {
    this.token = undefined;
    this.label = '';
    sessionStorage.removeItem(TENANT_KEY);
    sessionStorage.removeItem(TOKEN_KEY);
  }

  private async signInAsTenant(tenantId: string): Promise<void> {
    const ask = () =>
      fetch(`${this.config.apiUrl}/_local/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tenantId }),
        credentials: 'omit',
      });
    let res = await ask();
    // `npm start` serves the console before its store is up, and tokens only once the API answers.
    for (let wait = 0; res.status === 503 && wait < STARTING_WAITS; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      res = await ask();
    }
    const out = (await res.json()) as { token?: string; message?: string };
    if (!res.ok || !out.token)
      throw new Error(out.message ?? `The token was refused (${res.status}).`);
    this.token = out.token;
    this.label = `Tenant ${tenantId} (development token)`;
    sessionStorage.setItem(TENANT_KEY, tenantId);
  }

  private useToken(token: string): void {
    this.token = token;
    this.label = 'Signed in with a bearer token';
    sessionStorage.setItem(TOKEN_KEY, token);
  }

  /**
   * Fills the sign-in area: a tenant picker in local mode, a token field when deployed.
   *
   * @param container - where the form goes
   * @param events - what to do when the session changes
   */
  mountSignIn(container: HTMLElement, events: SessionEvents): void {
    const local = this.config.mode === 'local';
    const input = local
      ? h('input', {
          id: 'tenant-id',
          name: 'tenantId',
          required: true,
          pattern: '[A-Za-z0-9_\\-]{1,64}',
          value: sessionStorage.getItem(TENANT_KEY) ?? DEFAULT_TENANT,
          autocomplete: 'off',
        })
      : h('input', {
          id: 'bearer-token',
          name: 'token',
          type: 'password',
          required: true,
          autocomplete: 'off',
        });
    const form = h(
      'form',
      {
        class: 'sign-in',
        onsubmit: (event: Event) => {
          event.preventDefault();
          const value = input.value.trim();
          const signIn = local
            ? this.signInAsTenant(value)
            : Promise.resolve(this.useToken(value.replace(/^Bearer\s+/i, '')));
          signIn.then(events.onSignedIn, (err: unknown) => events.onError((err as Error).message));
          if (!local) input.value = '';
        },
      },
      h(
        'label',
        { for: input.id },
        local ? 'Tenant id' : "Bearer token (from TradelyHQ's admin portal)",
      ),
      input,
      h('button', { type: 'submit' }, local ? 'Sign in as this tenant' : 'Use this token'),
      h(
        'button',
        {
          type: 'button',
          id: 'sign-out',
          // Shown once signed in (main.ts).
          hidden: true,
          onclick: () => {
            this.signOut();
            events.onSignedOut();
          },
        },
        'Sign out',
      ),
    );
    container.replaceChildren(form);
  }
}
