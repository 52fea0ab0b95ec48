import type { ApiClient, ConnectionView, InvoiceView, SyncErrorsView } from './api.ts';

/** `config.json`, served next to the page: where the API is and what the console may offer. */
export interface ConsoleConfig {
  /** `local`: `npm start` (development tokens, the demo panel); `deployed`: a pasted token. */
  readonly mode: 'local' | 'deployed';
  /** The API's URL; '' when it shares the console's origin (local mode). */
  readonly apiUrl: string;
  /** Link to an invoice in QuickBooks, with `{realmId}` and `{id}` placeholders. */
  readonly invoiceLinkTemplate: string;
}

/** What every page of the console reads in one refresh. */
export interface Snapshot {
  readonly connection: ConnectionView;
  readonly syncErrors: SyncErrorsView;
  readonly invoices: readonly InvoiceView[];
}

/**
 * Where the admin acted: each place shows its last message next to its buttons (a live region,
 * read out by screen readers), so an answer below the fold is never missed.
 */
export type Place =
  | 'connect'
  | 'settings'
  | 'sync-errors'
  | 'sync-error'
  | 'test-invoice'
  | 'demo-payment'
  | 'demo-edit'
  | 'demo-revoke'
  | 'demo-reconcile';

/** What the pages share: the API, the configuration, and the way to tell the admin something. */
export interface ConsoleContext {
  readonly api: ApiClient;
  readonly config: ConsoleConfig;
  /** Reads everything again and redraws what changed. */
  refresh(): Promise<void>;
  /**
   * The API's refusal of a company other than the one connected before (`different_company`),
   * while Settings offers to connect it after all.
   */
  switchOffer: string | undefined;
  /** Shows a page-wide message in the top line (a live region, read out by screen readers). */
  announce(message: string, kind?: 'status' | 'error'): void;
  /**
   * Runs an action of the admin's: its outcome is shown at the place where the admin acted, and
   * the pages are refreshed after.
   *
   * @param place - where the action's buttons are
   * @param action - the action; what it throws is shown as the error
   * @param done - message shown on success
   */
  act(place: Place, action: () => Promise<unknown>, done?: string): Promise<void>;
  /** Shows a message at a place, as {@link act} does. */
  tell(place: Place, message: string, kind?: 'status' | 'error'): void;
  /** The element that shows a place's messages: put it next to the place's buttons. */
  noteSlot(place: Place): HTMLElement;
  /**
   * Starts the OAuth flow (connect or reconnect) and leaves for Intuit's consent page.
   *
   * @param options - `switchCompany`: the admin confirmed connecting another company than the one
   *   connected before
   */
  connectQuickBooks(options?: { readonly switchCompany?: boolean }): Promise<void>;
}
