/**
 * The reference admin console: signs in (a development token in local mode, a pasted bearer token
 * when deployed), then keeps Settings → Integrations, the Sync Errors panel, the invoices and (in
 * local mode) the demo helper up to date by reading the API every few seconds.
 */
import { ApiClient, ApiError } from './api.ts';
import type { ConsoleConfig, ConsoleContext, Snapshot } from './context.ts';
import { renderDemo } from './demo.ts';
import { byId } from './dom.ts';
import { renderInvoices, testInvoiceForm } from './invoices.ts';
import { Session } from './session.ts';
import { renderSettings } from './settings.ts';
import { renderSyncErrors } from './sync-errors.ts';

const POLL_MS = 1500;

/** Why a connection attempt failed (the callback's `reason` codes), in the admin's words. */
const CALLBACK_FAILURES: Record<string, string> = {
  access_denied: "the connection was not approved on Intuit's page",
  invalid_state: 'the sign-in took too long or was already used; click Connect QuickBooks again',
  missing_code: 'Intuit sent no authorization; click Connect QuickBooks again',
  intuit_error: 'Intuit refused the request',
  different_company:
    'that is a different company from the one connected before; disconnect first to switch',
  company_in_use: 'that QuickBooks company is already connected to another TradelyHQ account',
  intuit_unavailable: 'Intuit could not be reached; try again in a few minutes',
  internal_error: 'something went wrong on our side; try again',
};

/** What the OAuth callback's `?quickbooks=` flag means to the admin. */
function callbackMessage(params: URLSearchParams): [string, 'status' | 'error'] | undefined {
  const result = params.get('quickbooks');
  if (result === 'connected') return ['QuickBooks connected.', 'status'];
  if (result === 'error') {
    const reason = params.get('reason') ?? 'internal_error';
    return [`QuickBooks was not connected: ${CALLBACK_FAILURES[reason] ?? reason}.`, 'error'];
  }
  if (result === 'disconnected_in_quickbooks') {
    return ['QuickBooks reported that the app was disconnected from inside QuickBooks.', 'status'];
  }
  return undefined;
}

async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch('config.json', { cache: 'no-store', credentials: 'omit' });
  if (!res.ok) throw new Error(`config.json: ${res.status}`);
  return (await res.json()) as ConsoleConfig;
}

async function main(): Promise<void> {
  const config = await loadConfig();
  const session = new Session(config);
  const api = new ApiClient(config.apiUrl, () => session.token);
  const live = byId('live');
  let timer: number | undefined;
  let refreshing: Promise<void> | undefined;

  const announce = (message: string, kind: 'status' | 'error' = 'status') => {
    live.className = kind;
    live.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    live.textContent = message;
  };

  const ctx: ConsoleContext = {
    api,
    config,
    announce,
    refresh: () => {
      refreshing ??= draw().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
    async act(action, done) {
      try {
        await action();
        if (done) announce(done);
      } catch (err) {
        announce((err as Error).message, 'error');
      }
      await ctx.refresh();
    },
    async connectQuickBooks() {
      try {
        // Intuit sends the browser back to this page (its origin must be a portal origin).
        const returnUrl = `${location.origin}${location.pathname}`;
        const { authorizeUrl } = await api.request<{ authorizeUrl: string }>(
          'POST',
          '/integrations/quickbooks/connect',
          { returnUrl },
        );
        location.assign(authorizeUrl);
      } catch (err) {
        announce((err as Error).message, 'error');
      }
    },
  };

  async function draw(): Promise<void> {
    if (!session.token) return;
    try {
      const [connection, syncErrors, invoices] = await Promise.all([
        api.connection(),
        api.syncErrors(),
        api.invoices(),
      ]);
      const snapshot: Snapshot = { connection, syncErrors, invoices };
      renderSettings(ctx, snapshot.connection);
      renderSyncErrors(ctx, snapshot.syncErrors, connection.status === 'connected');
      renderInvoices(ctx, snapshot.invoices, connection);
      if (config.mode === 'local') renderDemo(ctx, connection, invoices);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        session.signOut();
        showSignedOut();
        announce('The session has expired: sign in again.', 'error');
        return;
      }
      announce(`The API could not be read: ${(err as Error).message}`, 'error');
    }
  }

  function showSignedOut(): void {
    byId('app').hidden = true;
    window.clearInterval(timer);
  }

  function showSignedIn(): void {
    byId('app').hidden = false;
    byId('signed-in-as').textContent = session.label;
    void ctx.refresh();
    window.clearInterval(timer);
    timer = window.setInterval(() => {
      if (!document.hidden) void ctx.refresh();
    }, POLL_MS);
  }

  byId('demo').hidden = config.mode !== 'local';
  if (config.mode === 'local') byId('test-invoice').replaceChildren(testInvoiceForm(ctx));
  session.mountSignIn(byId('sign-in'), {
    onSignedIn: showSignedIn,
    onSignedOut: showSignedOut,
    onError: (message) => announce(message, 'error'),
  });

  // The OAuth callback sends the browser back here with ?quickbooks=…; show it, then drop it from
  // the address so a reload does not repeat it.
  const params = new URLSearchParams(location.search);
  const message = callbackMessage(params);
  if (message) {
    announce(...message);
    history.replaceState(null, '', location.pathname + location.hash);
  }
  if (await session.resume()) showSignedIn();
}

main().catch((err: unknown) => {
  const live = document.getElementById('live');
  if (live) {
    live.setAttribute('role', 'alert');
    live.textContent = `The console could not start: ${(err as Error).message}`;
  }
});
