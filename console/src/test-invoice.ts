/**
 * "Send test invoice" (local mode): stands in for TradelyHQ core's "Authorize & Send". It follows
 * the connected company: its home currency, taxable lines, and the tax the product itself
 * predicts QuickBooks will book (the local server drafts the push body with the push's own rules,
 * `POST /_local/demo/test-invoice`); the console does no arithmetic. Sent to
 * `POST /invoices/{id}/push` as core sends it.
 */
import type { ConnectionView } from './api.ts';
import type { ConsoleContext } from './context.ts';
import { h } from './dom.ts';

interface Draft {
  readonly docNumber: string;
  readonly currency: string;
  readonly totals: { readonly subtotal: string; readonly tax: string; readonly total: string };
}

const LINES = 2;

/** The form, built once (typing is never redrawn away); {@link TestInvoice.follow} updates it. */
export class TestInvoice {
  readonly element: HTMLFormElement;
  private sent = 0;
  private readonly docNumber = h('input', {
    id: 'test-doc',
    name: 'docNumber',
    required: true,
    maxlength: '21',
  });
  private readonly client = h('input', {
    id: 'test-client',
    name: 'client',
    required: true,
    value: 'Jane Smith',
  });
  private readonly lines = Array.from({ length: LINES }, (_, i) => ({
    item: h('input', {
      id: `test-item-${i}`,
      name: `item${i}`,
      required: i === 0,
      value: i === 0 ? 'Labor' : '',
    }),
    amount: h('input', {
      id: `test-amount-${i}`,
      name: `amount${i}`,
      required: i === 0,
      inputmode: 'decimal',
      pattern: '\\d{1,9}(\\.\\d{1,2})?',
      value: i === 0 ? '250.00' : '',
    }),
    amountLabel: h('label', { for: `test-amount-${i}` }, `Line ${i + 1} amount`),
    taxable: h('input', { id: `test-taxable-${i}`, name: `taxable${i}`, type: 'checkbox' }),
  }));
  private readonly usRate = h('input', {
    id: 'test-us-rate',
    name: 'usTaxRate',
    inputmode: 'decimal',
    value: '0',
  });
  private readonly usRateField = h(
    'div',
    {},
    h(
      'label',
      { for: 'test-us-rate' },
      'Sales tax rate, % (TradelyHQ core computes US sales tax itself)',
    ),
    this.usRate,
  );
  private readonly preview = h('p', { class: 'hint', 'aria-live': 'polite' });
  private followed = '';
  private timer: number | undefined;

  /** @param ctx - the console */
  constructor(private readonly ctx: ConsoleContext) {
    this.nextNumber();
    this.element = h(
      'form',
      {
        class: 'test-invoice',
        oninput: () => this.schedulePreview(),
        onsubmit: (event: Event) => {
          event.preventDefault();
          void this.send();
        },
      },
      h('h3', {}, 'Send test invoice'),
      h(
        'p',
        { class: 'hint' },
        'Stands in for TradelyHQ core: what "Authorize & Send" on an invoice does.',
      ),
      h('label', { for: 'test-doc' }, 'Invoice number'),
      this.docNumber,
      h('label', { for: 'test-client' }, 'Client'),
      this.client,
      ...this.lines.flatMap((line, i) => [
        h('label', { for: line.item.id }, `Line ${i + 1} item${i === 0 ? '' : ' (optional)'}`),
        line.item,
        line.amountLabel,
        line.amount,
        h('label', { class: 'check' }, line.taxable, ` Line ${i + 1} is taxable`),
      ]),
      this.usRateField,
      this.preview,
      h('button', { type: 'submit', class: 'primary' }, 'Send test invoice'),
      ctx.noteSlot('test-invoice'),
    );
  }

  /**
   * Follows the connected company: its home currency on the amounts; the US rate only where
   * TradelyHQ computes the tax itself.
   *
   * @param connection - `GET /integrations/quickbooks`
   */
  follow(connection: ConnectionView): void {
    const currency = connection.company?.homeCurrency ?? 'USD';
    const us = (connection.company?.country ?? 'US') === 'US';
    // Drafted again only when what it depends on changed, not on every poll.
    const key = JSON.stringify([
      connection.status,
      connection.realmId,
      currency,
      connection.taxCodeMap,
    ]);
    if (key === this.followed) return;
    this.followed = key;
    this.usRateField.hidden = !us;
    this.lines.forEach((line, i) => {
      line.amountLabel.textContent = `Line ${i + 1} amount (${currency})`;
    });
    if (connection.status === 'connected') this.schedulePreview();
  }

  private input() {
    return {
      docNumber: this.docNumber.value,
      client: this.client.value,
      lines: this.lines
        .filter((line, i) => i === 0 || line.item.value.trim() !== '')
        .map((line) => ({
          item: line.item.value,
          amount: line.amount.value,
          taxable: line.taxable.checked,
        })),
      ...(this.usRateField.hidden ? {} : { usTaxRate: this.usRate.value || '0' }),
    };
  }

  private draft(): Promise<Draft> {
    return this.ctx.api.request<Draft>('POST', '/_local/demo/test-invoice', this.input());
  }

  private schedulePreview(): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      this.draft().then(
        (d) => {
          this.preview.textContent =
            `Tax ${d.totals.tax} ${d.currency} (as TradelyHQ predicts QuickBooks will book it), ` +
            `total ${d.totals.total} ${d.currency}.`;
        },
        (err: Error) => {
          this.preview.textContent = err.message;
        },
      );
    }, 250);
  }

  private async send(): Promise<void> {
    const doc = this.docNumber.value;
    await this.ctx.act(
      'test-invoice',
      async () => {
        const body = await this.draft();
        const invoiceId = `inv_${doc.replace(/[^A-Za-z0-9_-]/g, '_')}`;
        await this.ctx.api.request('POST', `/invoices/${encodeURIComponent(invoiceId)}/push`, body);
        this.sent += 1;
        this.nextNumber();
      },
      `Invoice ${doc} sent: it is queued for QuickBooks.`,
    );
  }

  private nextNumber(): void {
    this.docNumber.value = `TEST-${Date.now().toString().slice(-6)}${this.sent}`;
  }
}
