/**
 * The demo helper (local mode only): plays the QuickBooks side through the emulator, by way of the
 * local server's `/_local/demo/*` routes, so the whole story can be shown without leaving the page.
 */
import type { ConnectionView, InvoiceView } from './api.ts';
import type { ConsoleContext, Place } from './context.ts';
import { byId, h, renderIfChanged } from './dom.ts';

function invoicePicker(id: string, invoices: readonly InvoiceView[]): HTMLSelectElement {
  const inQuickBooks = invoices.filter((i) => i.qboInvoiceId);
  if (inQuickBooks.length === 0) {
    return h(
      'select',
      { id, name: 'invoice', disabled: true },
      h('option', {}, 'No invoice in QuickBooks yet'),
    );
  }
  return h(
    'select',
    { id, name: 'invoice', required: true },
    ...inQuickBooks.map((i) =>
      h('option', { value: i.qboInvoiceId ?? '' }, `${i.docNumber} (${i.status})`),
    ),
  );
}

/**
 * Draws the demo helper panel.
 *
 * @param ctx - the console
 * @param connection - the connection (the emulator company to act on)
 * @param invoices - the pushed invoices
 */
export function renderDemo(
  ctx: ConsoleContext,
  connection: ConnectionView,
  invoices: readonly InvoiceView[],
): void {
  const realmId = connection.realmId;
  const key = JSON.stringify([
    realmId,
    connection.status,
    invoices.map((i) => [i.qboInvoiceId, i.status]),
  ]);
  renderIfChanged(byId('demo-body'), key, () => {
    if (!realmId || connection.status === 'disconnected') {
      return [h('p', { class: 'hint' }, 'Connect a QuickBooks company first.')];
    }
    const demo = (place: Place, path: string, body: Record<string, unknown>, done: string) =>
      ctx.act(
        place,
        () => ctx.api.request('POST', `/_local/demo/${path}`, { realmId, ...body }),
        done,
      );
    const payInvoice = invoicePicker('demo-pay-invoice', invoices);
    const payAmount = h('input', { id: 'demo-pay-amount', name: 'amount', inputmode: 'decimal' });
    const editInvoice = invoicePicker('demo-edit-invoice', invoices);
    const memo = h('input', {
      id: 'demo-edit-memo',
      name: 'memo',
      required: true,
      value: 'Changed by hand in QuickBooks',
    });
    return [
      h(
        'form',
        {
          onsubmit: (event: Event) => {
            event.preventDefault();
            void demo(
              'demo-payment',
              'payment',
              {
                invoiceId: payInvoice.value,
                ...(payAmount.value ? { amount: Number(payAmount.value) } : {}),
              },
              'Payment recorded in QuickBooks; its webhook is on the way.',
            );
          },
        },
        h('h3', {}, 'Record a payment in QuickBooks'),
        h('label', { for: 'demo-pay-invoice' }, 'Invoice to pay'),
        payInvoice,
        h('label', { for: 'demo-pay-amount' }, 'Amount (empty: the open balance)'),
        payAmount,
        h('button', { type: 'submit' }, 'Record payment'),
        ctx.noteSlot('demo-payment'),
      ),
      h(
        'form',
        {
          onsubmit: (event: Event) => {
            event.preventDefault();
            void demo(
              'demo-edit',
              'hand-edit',
              { invoiceId: editInvoice.value, memo: memo.value },
              'Invoice edited by hand in QuickBooks.',
            );
          },
        },
        h('h3', {}, 'Hand-edit an invoice in QuickBooks'),
        h('label', { for: 'demo-edit-invoice' }, 'Invoice to edit'),
        editInvoice,
        h('label', { for: 'demo-edit-memo' }, 'New memo in QuickBooks'),
        memo,
        h('button', { type: 'submit' }, 'Hand-edit invoice'),
        ctx.noteSlot('demo-edit'),
      ),
      h(
        'div',
        {},
        h('h3', {}, 'The company disconnects the app'),
        h(
          'p',
          { class: 'hint' },
          "Revokes the grant in QuickBooks and sends the browser to the app's Disconnect URL, as Intuit does.",
        ),
        h(
          'button',
          {
            type: 'button',
            onclick: () =>
              void demo('demo-revoke', 'revoke', {}, 'The grant was revoked in QuickBooks.'),
          },
          'Revoke the grant',
        ),
        ctx.noteSlot('demo-revoke'),
      ),
      h(
        'div',
        {},
        h('h3', {}, 'The 2 AM reconcile'),
        h(
          'button',
          {
            type: 'button',
            onclick: () =>
              void ctx.act(
                'demo-reconcile',
                () => ctx.api.request('POST', '/reconcile'),
                'Reconcile started.',
              ),
          },
          'Run the 2 AM reconcile now',
        ),
        ctx.noteSlot('demo-reconcile'),
      ),
    ];
  });
}
