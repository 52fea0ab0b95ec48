/**
 * The reference admin console: signs in (a development token in local mode, a pasted bearer token
 * when deployed), then keeps Settings → Integrations, the Sync Errors panel, the invoices and (in
 * local mode) the demo helper up to date by reading the API every few seconds.
 */
import { ApiClient, ApiError } from './api.ts';
import type { ConsoleConfig, ConsoleContext, Place, Snapshot } from './context.ts';
import { renderDemo } from './demo.ts';
import { byId, h } from './dom.ts';
import { renderInvoices } from './invoices.ts';
import { Session } from './session.ts';
import { renderSettings } from './settings.ts';
import { renderSyncErrors } from './sync-errors.ts';
import { TestInvoice } from './test-invoice.ts';

const POLL_MS = 1500;

/**
 * Why a connection attempt failed (the callback's `reason` codes, a fixed list), in the admin's
 * words. A code that is not on the list is never shown: the URL is anyone's to write.
 */
const CALLBACK_FAILURES: Record<string, string> = {
  access_denied: "the connection was not approved on Intuit's page",
  invalid_state: 'the sign-in took too long or was already used; click Connect QuickBooks again',
  missing_code: 'Intuit sent no authorization; click Connect QuickBooks again',
  intuit_error: 'Intuit refused the request',
  intuit_unavailable: 'Intuit could not be reached; try again in a few minutes',
  internal_error: 'something went wrong on our side; try again',
};

/** What the callback's redirect asks of the console: confirm, or report a failure. */
type CallbackResult =
  | { readonly confirm: string }
  | { readonly message: string; readonly kind: 'status' | 'error' };

/**
 * Reads the callback's `#quickbooks=…` as a hint only: a confirmation secret is handed to the API,
 * which alone decides; a failure is shown through the fixed list. Nothing in the URL is ever
 * printed. The result is read from the fragment alone: a confirmation in the query string (which
 * servers and their logs see) is ignored.
 */
function callbackResult(params: URLSearchParams): CallbackResult | undefined {
  const result = params.get('quickbooks');
  const confirmation = params.get('confirmation');
  if (result === 'confirm' && confirmation) return { confirm: confirmation };
  if (result === 'error') {
    const reason =
      CALLBACK_FAILURES[params.get('reason') ?? ''] ?? CALLBACK_FAILURES.internal_error;
    return { message: `QuickBooks was not connected: ${reason}.`, kind: 'error' };
  }
  if (result === 'disconnected_in_quickbooks') {
    return {
      message:
        'QuickBooks sent you here after the app was disconnected inside QuickBooks. The status ' +
        'below is checked with Intuit.',
      kind: 'status',
    };
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

  // Each place's last message; its slots (redrawn or not) show it.
  const notes = new Map<Place, { message: string; kind: 'status' | 'error' }>();
  const fill = (slot: HTMLElement, place: Place) => {
    const note = notes.get(place);
    slot.className = `note ${note?.kind ?? ''}`;
    slot.setAttribute('role', note?.kind === 'error' ? 'alert' : 'status');
    slot.textContent = note?.message ?? '';
  };

  const ctx: ConsoleContext = {
    api,
    config,
    announce,
    switchOffer: undefined,
    refresh: () => {
      refreshing ??= draw().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
    tell(place, message, kind = 'status') {
      notes.set(place, { message, kind });
      for (const slot of document.querySelectorAll<HTMLElement>(`[data-note="${place}"]`)) {
        fill(slot, place);
      }
    },
    noteSlot(place) {
      const slot = h('p', { 'data-note': place, 'aria-live': 'polite' });
      fill(slot, place);
      return slot;
    },
    async act(place, action, done) {
      ctx.tell(place, '');
      try {
        await action();
        if (done) ctx.tell(place, done);
      } catch (err) {
        ctx.tell(place, (err as Error).message, 'error');
      }
      await ctx.refresh();
    },
    async connectQuickBooks(options = {}) {
      try {
        // Intuit sends the browser back to this page (it must be on the allow-list of return pages).
        const returnUrl = `${location.origin}${location.pathname}`;
        const { authorizeUrl } = await api.request<{ authorizeUrl: string }>(
          'POST',
          '/integrations/quickbooks/connect',
          { returnUrl, ...(options.switchCompany ? { switchCompany: true } : {}) },
        );
        location.assign(authorizeUrl);
      } catch (err) {
        ctx.tell('connect', (err as Error).message, 'error');
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
      renderSyncErrors(ctx, snapshot.syncErrors, connection);
      renderInvoices(ctx, snapshot.invoices, connection);
      if (config.mode === 'local') renderDemo(ctx, connection, invoices);
      testInvoice?.follow(connection);
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
    byId('sign-out').hidden = true;
    window.clearInterval(timer);
  }

  function showSignedIn(): void {
    byId('app').hidden = false;
    byId('sign-out').hidden = false;
    byId('signed-in-as').textContent = session.label;
    void ctx.refresh();
    window.clearInterval(timer);
    timer = window.setInterval(() => {
      if (!document.hidden) void ctx.refresh();
    }, POLL_MS);
  }

  // The callback's redirect: drop it from the address at once, so a reload does not repeat it and
  // the confirmation secret does not linger in the history.
  const fromCallback = callbackResult(new URLSearchParams(location.hash.slice(1)));
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  let confirmation = fromCallback && 'confirm' in fromCallback ? fromCallback.confirm : undefined;
  if (fromCallback && 'message' in fromCallback) {
    ctx.tell('connect', fromCallback.message, fromCallback.kind);
  }

  /** Finishes "Connect QuickBooks" with the signed-in admin's token (only theirs is accepted). */
  const confirmConnection = async () => {
    const secret = confirmation;
    confirmation = undefined;
    if (!secret) return;
    await ctx.act('connect', async () => {
      try {
        const connected = await api.request<{ companyName: string }>(
          'POST',
          '/integrations/quickbooks/confirm',
          { confirmation: secret },
        );
        ctx.switchOffer = undefined;
        ctx.tell('connect', `QuickBooks connected to ${connected.companyName}.`);
      } catch (err) {
        // The API asks for the switch to be confirmed: Settings offers it, saying what it means.
        if (!(err instanceof ApiError && err.code === 'different_company')) throw err;
        ctx.switchOffer = err.message;
      }
    });
  };

  byId('demo').hidden = config.mode !== 'local';
  const testInvoice = config.mode === 'local' ? new TestInvoice(ctx) : undefined;
  if (testInvoice) byId('test-invoice').replaceChildren(testInvoice.element);
  session.mountSignIn(byId('sign-in'), {
    onSignedIn: () => {
      showSignedIn();
      void confirmConnection();
    },
    onSignedOut: showSignedOut,
    onError: (message) => announce(message, 'error'),
  });

  if (await session.resume()) {
    showSignedIn();
    await confirmConnection();
  }
}

main().catch((err: unknown) => {
  const live = document.getElementById('live');
  if (live) {
    live.setAttribute('role', 'alert');
    live.textContent = `The console could not start: ${(err as Error).message}`;
  }
});
