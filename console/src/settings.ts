/**
 * Settings → Integrations: connect, the connection's details and token health, the time zone of
 * the 2 AM reconcile, the income account of mirrored items, the tax code map, and disconnect.
 */
import type { ConnectionView, IncomeAccount, TaxCodeChoice } from './api.ts';
import type { ConsoleContext } from './context.ts';
import { byId, h, renderIfChanged, when } from './dom.ts';

const DAY_MS = 24 * 3600_000;

let accounts: { key: string; list: readonly IncomeAccount[] | string } | undefined;
let taxCodes: { key: string; list: readonly TaxCodeChoice[] | string } | undefined;

/** Days left until an instant, rounded down (never negative). */
function daysUntil(iso: string): number {
  return Math.max(0, Math.floor((Date.parse(iso) - Date.now()) / DAY_MS));
}

function tokenHealth(connection: ConnectionView): Node {
  if (connection.status === 'reconnect_required') {
    return h('span', { class: 'bad' }, 'Not working: reconnect QuickBooks');
  }
  if (connection.status === 'subscription_lapsed') {
    return h(
      'span',
      { class: 'bad' },
      'Read-only: renew the QuickBooks subscription, then reconnect',
    );
  }
  const expires = connection.refreshTokenExpiresAt;
  const text = expires
    ? `Working; the refresh token expires in ${daysUntil(expires)} days unless it is used (every nightly reconcile uses it)`
    : 'Working';
  return h(
    'span',
    {},
    text,
    connection.warning && h('strong', { class: 'warn', role: 'note' }, ` ${connection.warning}`),
  );
}

/** A list read from QuickBooks, or why it could not be read. */
async function listed<T>(read: () => Promise<readonly T[]>, what: string) {
  try {
    return await read();
  } catch (err) {
    return `${what} could not be read: ${(err as Error).message}`;
  }
}

async function loadChoices(ctx: ConsoleContext, key: string): Promise<void> {
  if (accounts?.key === key) return;
  accounts = { key, list: 'Loading income accounts…' };
  taxCodes = { key, list: 'Loading tax codes…' };
  const [accountList, codeList] = await Promise.all([
    listed(() => ctx.api.incomeAccounts(), 'Income accounts'),
    listed(() => ctx.api.taxCodes(), 'Tax codes'),
  ]);
  accounts = { key, list: accountList };
  taxCodes = { key, list: codeList };
  byId('integrations-body').dataset.key = '';
  await ctx.refresh();
}

const TAX_KEY_LABELS: Record<string, string> = {
  taxable: 'QuickBooks tax code for taxable lines',
  exempt: 'QuickBooks tax code for exempt lines',
};

/**
 * The tax code map: one choice per line key (`taxable`, `exempt`, and each `taxCode` already
 * mapped), from the company's own tax codes. `undefined` while it cannot be edited.
 */
function taxCodeChoices(connection: ConnectionView) {
  const list = taxCodes?.list;
  if (!Array.isArray(list) || list.length === 0) {
    const text =
      typeof list === 'string'
        ? list
        : "This company has no tax codes of its own: invoices use QuickBooks' TAX and NON.";
    return { nodes: [h('p', { class: 'hint' }, text)], map: undefined };
  }
  const current = connection.taxCodeMap ?? {};
  const keys = [...new Set(['taxable', 'exempt', ...Object.keys(current)])];
  const selects = keys.map((key, i) =>
    h(
      'select',
      { id: `tax-code-${i}`, name: key },
      h('option', { value: '' }, 'Not mapped'),
      ...list.map((c: TaxCodeChoice) =>
        h('option', { value: c.id, selected: c.id === current[key] }, `${c.name} (${c.rate} %)`),
      ),
    ),
  );
  const needed = new Set(connection.setupNeeded.map((n) => n.setting));
  const nodes = keys.flatMap((key, i) => {
    const select = selects[i] as HTMLSelectElement;
    if (needed.has(`taxCodeMap.${key}`)) select.setAttribute('aria-describedby', 'setup-needed');
    return [
      h(
        'label',
        { for: `tax-code-${i}` },
        TAX_KEY_LABELS[key] ?? `QuickBooks tax code for lines with tax code "${key}"`,
        needed.has(`taxCodeMap.${key}`) && h('strong', { class: 'warn' }, ' (required)'),
      ),
      select,
    ];
  });
  const map = () => {
    const chosen = selects.filter((s) => s.value !== '').map((s) => [s.name, s.value]);
    return chosen.length > 0 ? Object.fromEntries(chosen) : null;
  };
  return { nodes, map };
}

/** What must be set before which invoices can be pushed, as the API says (`setupNeeded`). */
function setupNeeded(connection: ConnectionView): Node | false {
  if (connection.setupNeeded.length === 0) return false;
  return h(
    'div',
    { id: 'setup-needed', class: 'setup-needed', role: 'group', 'aria-labelledby': 'setup-title' },
    h('h3', { id: 'setup-title' }, 'Needed before invoices can be sent'),
    h('ul', {}, ...connection.setupNeeded.map((need) => h('li', {}, need.message))),
  );
}

function settingsForm(ctx: ConsoleContext, connection: ConnectionView): HTMLFormElement {
  const zones = Intl.supportedValuesOf('timeZone');
  const current = connection.timezone ?? 'America/New_York';
  if (!zones.includes(current)) zones.unshift(current);
  const timezone = h(
    'select',
    { id: 'timezone', name: 'timezone' },
    ...zones.map((zone) => h('option', { value: zone, selected: zone === current }, zone)),
  );
  const list = accounts?.list;
  const tax = taxCodeChoices(connection);
  const income = h(
    'select',
    { id: 'income-account', name: 'incomeAccountId', disabled: typeof list === 'string' },
    h('option', { value: '' }, "The company's default"),
    ...(Array.isArray(list) ? list : []).map((a: IncomeAccount) =>
      h('option', { value: a.id, selected: a.id === connection.incomeAccountId }, a.name),
    ),
  );
  return h(
    'form',
    {
      class: 'settings',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void ctx.act(
          'settings',
          () =>
            ctx.api.request('PUT', '/integrations/quickbooks/settings', {
              timezone: timezone.value,
              ...(typeof list === 'string' ? {} : { incomeAccountId: income.value || null }),
              ...(tax.map ? { taxCodeMap: tax.map() } : {}),
            }),
          'Settings saved.',
        );
      },
    },
    h('label', { for: 'timezone' }, 'Time zone of the nightly reconcile (2 AM)'),
    timezone,
    h('label', { for: 'income-account' }, 'Income account for items mirrored to QuickBooks'),
    income,
    typeof list === 'string' && h('p', { class: 'hint' }, list),
    ...tax.nodes,
    h('button', { type: 'submit' }, 'Save settings'),
    ctx.noteSlot('settings'),
  );
}

function disconnectDialog(ctx: ConsoleContext): HTMLDialogElement {
  const dialog: HTMLDialogElement = h(
    'dialog',
    { 'aria-labelledby': 'disconnect-title', 'aria-describedby': 'disconnect-text' },
    h('h3', { id: 'disconnect-title' }, 'Disconnect QuickBooks?'),
    h(
      'p',
      { id: 'disconnect-text' },
      "The connection's tokens are revoked at Intuit and deleted from TradelyHQ, and the nightly " +
        'reconcile stops. Invoices already pushed stay in QuickBooks unchanged.',
    ),
    h(
      'form',
      { method: 'dialog', class: 'actions' },
      h('button', { value: 'cancel', autofocus: true }, 'Cancel'),
      h('button', { value: 'disconnect', class: 'danger' }, 'Yes, disconnect'),
    ),
  );
  dialog.addEventListener('close', () => {
    if (dialog.returnValue !== 'disconnect') return;
    // The outcome shows next to Connect QuickBooks, which is what the panel shows next.
    void ctx.act(
      'connect',
      async () => {
        const out = await ctx.api.request<{ revokedAtIntuit: boolean }>(
          'DELETE',
          '/integrations/quickbooks',
        );
        accounts = undefined;
        taxCodes = undefined;
        if (!out.revokedAtIntuit) {
          throw new Error(
            'Disconnected here; Intuit could not be reached to revoke the tokens. TradelyHQ ' +
              'keeps trying, and the status below says when Intuit has confirmed.',
          );
        }
      },
      'QuickBooks disconnected. Invoices already pushed stay in QuickBooks unchanged.',
    );
  });
  return dialog;
}

/**
 * The offer to connect another company than the one connected before, when the API refused it
 * (`different_company`): what switching means, and the confirmation the API asks for.
 */
function switchOffer(ctx: ConsoleContext, connection: ConnectionView): Node | false {
  if (!ctx.switchOffer) return false;
  const before = connection.companyName ?? 'the company connected before';
  const connectedNow = connection.status === 'connected';
  return h(
    'div',
    { class: 'switch', role: 'group', 'aria-labelledby': 'switch-title' },
    h('h3', { id: 'switch-title' }, 'Connect a different QuickBooks company?'),
    h('p', {}, ctx.switchOffer),
    h(
      'p',
      {},
      connectedNow
        ? `Connected now: ${before}.`
        : `Connected before: ${before} (now disconnected).`,
      ' Connecting another company:',
    ),
    h(
      'ul',
      {},
      h(
        'li',
        {},
        `Invoices already sent stay in ${before}, with its QuickBooks ids; they are not copied.`,
      ),
      h('li', {}, 'New invoices go to the company you choose next.'),
      h(
        'li',
        {},
        'The income account, the tax code map and the last reconcile start again for it: set them below once it is connected.',
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
          onclick: () => void ctx.connectQuickBooks({ switchCompany: true }),
        },
        'Connect a different company',
      ),
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            ctx.switchOffer = undefined;
            ctx.tell('connect', '');
            void ctx.refresh();
          },
        },
        `Keep ${before}`,
      ),
    ),
  );
}

/**
 * Draws Settings → Integrations for a connection.
 *
 * @param ctx - the console
 * @param connection - `GET /integrations/quickbooks`
 */
export function renderSettings(ctx: ConsoleContext, connection: ConnectionView): void {
  if (connection.status === 'connected' && connection.realmId) {
    void loadChoices(ctx, connection.realmId);
  } else if (
    connection.status === 'reconnect_required' ||
    connection.status === 'subscription_lapsed'
  ) {
    accounts = { key: '', list: 'Income accounts can be chosen once QuickBooks is reconnected.' };
    taxCodes = { key: '', list: 'Tax codes can be chosen once QuickBooks is reconnected.' };
  }
  const body = byId('integrations-body');
  // Never redraw under the admin's feet while the disconnect confirmation is open.
  if (body.querySelector('dialog[open]')) return;
  const key = JSON.stringify([connection, accounts, taxCodes, ctx.switchOffer]);
  renderIfChanged(body, key, () => {
    if (connection.status === 'disconnected') {
      return [
        h(
          'p',
          {},
          'QuickBooks Online is not connected. Each TradelyHQ tenant connects its own ' +
            "QuickBooks Online company: we never see your QuickBooks data; you never see another tenant's. " +
            'The connection is per tenant, scoped, and revocable.',
        ),
        h(
          'p',
          {},
          "Connect QuickBooks sends you to Intuit's OAuth flow: sign in with your QuickBooks " +
            'admin credentials and approve the connection; Intuit sends you back here.',
        ),
        h(
          'button',
          { type: 'button', class: 'primary', onclick: () => void ctx.connectQuickBooks() },
          'Connect QuickBooks',
        ),
        ctx.noteSlot('connect'),
        switchOffer(ctx, connection),
      ];
    }
    const dialog = disconnectDialog(ctx);
    const lapsed = connection.status === 'subscription_lapsed';
    const reconnect = connection.status === 'reconnect_required' || lapsed;
    return [
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Status'),
        h(
          'dd',
          {},
          lapsed
            ? h('span', { class: 'bad' }, 'QuickBooks subscription ended')
            : reconnect
              ? h('span', { class: 'bad' }, 'Reconnect required')
              : h('span', { class: 'good' }, 'Connected'),
        ),
        h('dt', {}, 'Company'),
        h('dd', {}, connection.companyName ?? '—'),
        h('dt', {}, 'Realm (company id)'),
        h('dd', {}, connection.realmId ?? '—'),
        h('dt', {}, 'Connected since'),
        h('dd', {}, when(connection.connectedAt)),
        h('dt', {}, 'Token health'),
        h('dd', {}, tokenHealth(connection)),
        h('dt', {}, 'Last reconcile'),
        h('dd', {}, when(connection.lastReconcile)),
      ),
      h('p', { class: 'hint' }, "QuickBooks' tokens are kept encrypted, for this tenant only."),
      h('h3', {}, 'What syncs automatically'),
      h(
        'ul',
        {},
        h(
          'li',
          {},
          'Invoice push: "Authorize & Send" on an invoice creates it in QuickBooks at once.',
        ),
        h('li', {}, 'Payment status: a payment recorded in QuickBooks flips the invoice to paid.'),
        h(
          'li',
          {},
          'Customer mirror: a client becomes a QuickBooks Customer on its first invoice.',
        ),
        h('li', {}, 'Item mirror: line items become QuickBooks Items the first time they appear.'),
      ),
      h(
        'p',
        { class: 'hint' },
        'Only invoices go from TradelyHQ to QuickBooks: customers, items and the chart of ' +
          'accounts are not pulled into TradelyHQ.',
      ),
      reconnect &&
        h(
          'button',
          { type: 'button', class: 'primary', onclick: () => void ctx.connectQuickBooks() },
          'Reconnect QuickBooks',
        ),
      ctx.noteSlot('connect'),
      switchOffer(ctx, connection),
      setupNeeded(connection),
      settingsForm(ctx, connection),
      h(
        'button',
        { type: 'button', class: 'danger', onclick: () => dialog.showModal() },
        'Disconnect QuickBooks',
      ),
      dialog,
    ];
  });
}
