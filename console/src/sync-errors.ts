/**
 * The Sync Errors panel: the "Reconnect QuickBooks" banner, every invoice where TradelyHQ and
 * QuickBooks disagree, and for the one the admin opens its field-level diff and actions.
 */
import { ACCEPTABLE_FIELDS, type SyncErrorKind } from '#shared/domain/sync-error.ts';
import type { ConnectionView, SyncErrorsView, SyncErrorView } from './api.ts';
import type { ConsoleContext } from './context.ts';
import { byId, h, renderIfChanged, scrollable, when } from './dom.ts';

const KIND_LABELS: Record<SyncErrorKind, string> = {
  drift: 'Changed in QuickBooks',
  push_failed: 'Push failed',
  validation: 'Refused',
  total_mismatch: 'Totals differ',
  missing_in_quickbooks: 'Never arrived in QuickBooks',
  deleted_in_quickbooks: 'Deleted in QuickBooks',
  auth: 'Connection problem',
  duplicate_doc_number: 'Number already used in QuickBooks',
};

let selected: string | undefined;

/** The error's kind in the admin's words; a refused push says who refused it. */
function kindLabel(error: SyncErrorView): string {
  if (error.refusal?.by === 'tradelyhq') return 'Refused before sending to QuickBooks';
  if (error.refusal?.by === 'quickbooks') return 'Refused by QuickBooks';
  return KIND_LABELS[error.kind] ?? error.kind;
}

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(empty)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function canAccept(error: SyncErrorView): boolean {
  return (
    error.kind === 'drift' &&
    error.diff.length > 0 &&
    error.diff.every((d) => ACCEPTABLE_FIELDS.has(d.field))
  );
}

function details(
  ctx: ConsoleContext,
  error: SyncErrorView,
  connection: ConnectionView,
): HTMLElement {
  const fixInSettings = connection.setupNeeded.some((n) => n.refusal === error.refusal?.code);
  const path = `/sync-errors/${encodeURIComponent(error.id)}`;
  const reason = h('input', {
    id: 'dismiss-reason',
    name: 'reason',
    required: true,
    maxlength: '500',
  });
  return h(
    'section',
    { class: 'details', 'aria-labelledby': 'error-details-title' },
    h(
      'h3',
      { id: 'error-details-title', tabindex: '-1' },
      `Invoice ${error.docNumber ?? error.invoiceId}: ${kindLabel(error)}`,
    ),
    h('p', {}, error.message),
    fixInSettings &&
      h(
        'p',
        {},
        h('a', { href: '#integrations' }, 'Set it in Settings → Integrations'),
        ', then re-sync.',
      ),
    error.diff.length > 0 &&
      scrollable(
        'table',
        {},
        h('caption', {}, 'Field by field'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Field'),
            h('th', { scope: 'col' }, 'TradelyHQ'),
            h('th', { scope: 'col' }, 'QuickBooks'),
          ),
        ),
        h(
          'tbody',
          {},
          ...error.diff.map((d) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, d.field),
              h('td', {}, show(d.tradelyhq)),
              h('td', {}, show(d.quickbooks)),
            ),
          ),
        ),
      ),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'primary',
          onclick: () =>
            void ctx.act(
              'sync-error',
              () => ctx.api.request('POST', `${path}/resync`),
              `Re-sync of ${error.docNumber ?? error.invoiceId} queued: TradelyHQ's version goes to QuickBooks.`,
            ),
        },
        'Re-sync',
      ),
      canAccept(error) &&
        h(
          'button',
          {
            type: 'button',
            onclick: () =>
              void ctx.act(
                'sync-error',
                () => ctx.api.request('POST', `${path}/accept`),
                "QuickBooks' value kept.",
              ),
          },
          "Accept QuickBooks' value",
        ),
    ),
    h(
      'form',
      {
        class: 'dismiss',
        onsubmit: (event: Event) => {
          event.preventDefault();
          void ctx.act(
            'sync-error',
            () => ctx.api.request('POST', `${path}/dismiss`, { reason: reason.value }),
            'Dismissed: this difference is not reported again unless it changes.',
          );
        },
      },
      h('label', { for: 'dismiss-reason' }, 'Reason for dismissing'),
      reason,
      h('button', { type: 'submit' }, 'Dismiss'),
    ),
    ctx.noteSlot('sync-error'),
  );
}

/**
 * Draws the Sync Errors panel.
 *
 * @param ctx - the console
 * @param view - `GET /sync-errors`
 * @param connection - the connection (the reconcile runs only connected; what Settings needs)
 */
export function renderSyncErrors(
  ctx: ConsoleContext,
  view: SyncErrorsView,
  connection: ConnectionView,
): void {
  const connected = connection.status === 'connected';
  renderIfChanged(
    byId('reconnect-banner'),
    JSON.stringify([view.reconnectRequired, view.reconnectReason]),
    () =>
      view.reconnectRequired
        ? [
            h(
              'div',
              { class: 'banner', role: 'alert' },
              h('strong', {}, 'QuickBooks needs to be reconnected. '),
              view.reconnectReason ?? 'The connection was revoked or expired.',
              ' Invoices wait and go out once it is back; re-doing the OAuth flow restores the ' +
                'connection without touching existing invoices.',
              h(
                'button',
                { type: 'button', class: 'primary', onclick: () => void ctx.connectQuickBooks() },
                'Reconnect QuickBooks',
              ),
            ),
          ]
        : [],
  );
  if (selected && !view.errors.some((e) => e.id === selected)) selected = undefined;
  const open = view.errors.find((e) => e.id === selected);
  renderIfChanged(
    byId('sync-errors-body'),
    JSON.stringify([view.errors, selected, connected, connection.setupNeeded]),
    () => [
      h(
        'button',
        {
          type: 'button',
          disabled: !connected,
          onclick: () =>
            void ctx.act(
              'sync-errors',
              () => ctx.api.request('POST', '/reconcile'),
              'Reconcile started: every pushed invoice is compared with QuickBooks.',
            ),
        },
        'Run the reconcile now',
      ),
      ctx.noteSlot('sync-errors'),
      view.errors.length === 0
        ? h('p', { class: 'empty' }, 'No sync errors: TradelyHQ and QuickBooks agree.')
        : scrollable(
            'table',
            { class: 'list' },
            h(
              'caption',
              {},
              `${view.errors.length} open sync ${view.errors.length === 1 ? 'error' : 'errors'}; choose one to see what differs`,
            ),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, 'Invoice'),
                h('th', { scope: 'col' }, 'Kind'),
                h('th', { scope: 'col' }, 'Message'),
                h('th', { scope: 'col' }, 'When'),
              ),
            ),
            h(
              'tbody',
              {},
              ...view.errors.map((error) =>
                h(
                  'tr',
                  { class: error.id === selected ? 'selected' : undefined },
                  h(
                    'td',
                    {},
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'link',
                        'aria-expanded': error.id === selected ? 'true' : 'false',
                        'aria-controls': 'error-details',
                        onclick: () => {
                          selected = selected === error.id ? undefined : error.id;
                          renderSyncErrors(ctx, view, connection);
                          document.getElementById('error-details-title')?.focus();
                        },
                      },
                      error.docNumber ?? error.invoiceId,
                    ),
                  ),
                  h('td', {}, kindLabel(error)),
                  h('td', {}, error.message),
                  h('td', {}, when(error.lastSeen)),
                ),
              ),
            ),
          ),
      h('div', { id: 'error-details' }, open && details(ctx, open, connection)),
    ],
  );
}
