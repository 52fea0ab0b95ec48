/**
 * Invoices: every invoice pushed to QuickBooks with its sync status and a link to it there (the
 * local "Send test invoice" form: `test-invoice.ts`).
 */
import type { ConnectionView, InvoiceView } from './api.ts';
import type { ConsoleContext } from './context.ts';
import { byId, h, renderIfChanged, scrollable } from './dom.ts';

const STATUS_LABELS: Record<string, string> = {
  queued: 'Queued',
  pushing: 'Pushing',
  pushed: 'Pushed',
  paid: 'Paid',
  partially_paid: 'Partially paid',
  voided: 'Voided',
  failed: 'Failed',
  deleted_in_quickbooks: 'Deleted in QuickBooks',
};

function statusCell(invoice: InvoiceView, connection: ConnectionView): Node {
  const label = STATUS_LABELS[invoice.status] ?? invoice.status;
  const fixInSettings =
    invoice.lastError !== null &&
    connection.setupNeeded.some((need) => need.refusal === invoice.lastError?.code);
  return h(
    'td',
    {},
    h('span', { class: `badge ${invoice.status}` }, label),
    invoice.waitingForReconnect &&
      h('span', { class: 'hint line' }, 'Waiting for QuickBooks to be reconnected.'),
    invoice.lastError && h('span', { class: 'hint line' }, invoice.lastError.message),
    fixInSettings &&
      h('a', { class: 'line', href: '#integrations' }, 'Set it in Settings → Integrations'),
  );
}

function qboLink(ctx: ConsoleContext, connection: ConnectionView, invoice: InvoiceView): Node {
  if (!invoice.qboInvoiceId || !connection.realmId) return h('td', {}, '—');
  const href = ctx.config.invoiceLinkTemplate
    .replace('{realmId}', encodeURIComponent(connection.realmId))
    .replace('{id}', encodeURIComponent(invoice.qboInvoiceId));
  return h(
    'td',
    {},
    h(
      'a',
      { href, target: '_blank', rel: 'noopener noreferrer' },
      `Open ${invoice.qboDocNumber ?? invoice.docNumber} in QuickBooks`,
    ),
  );
}

/**
 * Draws the invoice list.
 *
 * @param ctx - the console
 * @param invoices - `GET /invoices`
 * @param connection - the connection (for links into QuickBooks)
 */
export function renderInvoices(
  ctx: ConsoleContext,
  invoices: readonly InvoiceView[],
  connection: ConnectionView,
): void {
  renderIfChanged(byId('invoices-body'), JSON.stringify([invoices, connection.realmId]), () => [
    invoices.length === 0
      ? h('p', { class: 'empty' }, 'No invoice has been sent to QuickBooks yet.')
      : scrollable(
          'table',
          { class: 'list' },
          h('caption', {}, 'Invoices sent to QuickBooks'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Invoice'),
              h('th', { scope: 'col' }, 'Total'),
              h('th', { scope: 'col' }, 'Balance'),
              h('th', { scope: 'col' }, 'Sync status'),
              h('th', { scope: 'col' }, 'QuickBooks'),
            ),
          ),
          h(
            'tbody',
            {},
            ...invoices.map((invoice) =>
              h(
                'tr',
                { 'data-invoice': invoice.invoiceId },
                h(
                  'th',
                  { scope: 'row' },
                  invoice.docNumber,
                  // QuickBooks numbered it itself (custom transaction numbers off).
                  invoice.qboDocNumber &&
                    invoice.qboDocNumber !== invoice.docNumber &&
                    h('span', { class: 'hint' }, ` QuickBooks no. ${invoice.qboDocNumber}`),
                ),
                h('td', { class: 'num' }, `${invoice.total} ${invoice.currency}`),
                h(
                  'td',
                  { class: 'num' },
                  invoice.balance === null ? '—' : `${invoice.balance} ${invoice.currency}`,
                ),
                statusCell(invoice, connection),
                qboLink(ctx, connection, invoice),
              ),
            ),
          ),
        ),
  ]);
}
