/**
 * Invoices: every invoice pushed to QuickBooks with its sync status and a link to it there; in
 * local mode a "Send test invoice" form stands in for TradelyHQ core's "Authorize & Send".
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
                h('td', { class: 'num' }, invoice.balance ?? '—'),
                statusCell(invoice, connection),
                qboLink(ctx, connection, invoice),
              ),
            ),
          ),
        ),
  ]);
}

/**
 * The "Send test invoice" form (local mode): one line, posted to `POST /invoices/{id}/push` the
 * way TradelyHQ core does on "Authorize & Send".
 *
 * @param ctx - the console
 */
export function testInvoiceForm(ctx: ConsoleContext): HTMLElement {
  let sent = 0;
  const docNumber = h('input', {
    id: 'test-doc',
    name: 'docNumber',
    required: true,
    maxlength: '21',
  });
  const client = h('input', {
    id: 'test-client',
    name: 'client',
    required: true,
    value: 'Jane Smith',
  });
  const item = h('input', { id: 'test-item', name: 'item', required: true, value: 'Labor' });
  const amount = h('input', {
    id: 'test-amount',
    name: 'amount',
    required: true,
    inputmode: 'decimal',
    pattern: '\\d{1,9}(\\.\\d{2})?',
    value: '250.00',
  });
  const nextNumber = () => {
    docNumber.value = `TEST-${Date.now().toString().slice(-6)}${sent}`;
  };
  nextNumber();
  return h(
    'form',
    {
      class: 'test-invoice',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const total = Number(amount.value).toFixed(2);
        const invoiceId = `inv_${docNumber.value.replace(/[^A-Za-z0-9_-]/g, '_')}`;
        const today = new Date().toISOString().slice(0, 10);
        const body = {
          revision: 1,
          docNumber: docNumber.value,
          issueDate: today,
          currency: 'USD',
          memo: 'Sent from the reference console',
          client: {
            id: `cl_${client.value.toLowerCase().replace(/\W+/g, '_')}`,
            displayName: client.value,
          },
          lines: [
            {
              lineId: 'ln_1',
              itemCode: item.value.toUpperCase().replace(/\W+/g, '-'),
              itemName: item.value,
              quantity: '1',
              unitPrice: total,
              amount: total,
              taxable: false,
            },
          ],
          discount: null,
          totals: { subtotal: total, tax: '0.00', total },
        };
        const doc = docNumber.value;
        void ctx.act(
          'test-invoice',
          async () => {
            await ctx.api.request('POST', `/invoices/${encodeURIComponent(invoiceId)}/push`, body);
            sent += 1;
            nextNumber();
          },
          `Invoice ${doc} sent: it is queued for QuickBooks.`,
        );
      },
    },
    h('h3', {}, 'Send test invoice'),
    h(
      'p',
      { class: 'hint' },
      'Stands in for TradelyHQ core: what "Authorize & Send" on an invoice does.',
    ),
    h('label', { for: 'test-doc' }, 'Invoice number'),
    docNumber,
    h('label', { for: 'test-client' }, 'Client'),
    client,
    h('label', { for: 'test-item' }, 'Item'),
    item,
    h('label', { for: 'test-amount' }, 'Amount (USD)'),
    amount,
    h('button', { type: 'submit', class: 'primary' }, 'Send test invoice'),
    ctx.noteSlot('test-invoice'),
  );
}
