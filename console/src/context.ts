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

/** What the pages share: the API, the configuration, and the way to tell the admin something. */
export interface ConsoleContext {
  readonly api: ApiClient;
  readonly config: ConsoleConfig;
  /** Reads everything again and redraws what changed. */
  refresh(): Promise<void>;
  /** Shows a message in the live region (read out by screen readers). */
  announce(message: string, kind?: 'status' | 'error'): void;
  /**
   * Runs an action of the admin's: its failure is announced, and the pages are refreshed after.
   *
   * @param action - the action
   * @param done - message announced on success
   */
  act(action: () => Promise<unknown>, done?: string): Promise<void>;
  /** Starts the OAuth flow (connect or reconnect) and leaves for Intuit's consent page. */
  connectQuickBooks(): Promise<void>;
}
