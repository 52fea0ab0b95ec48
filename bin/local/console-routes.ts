import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildConsole, type ConsoleFiles, consoleContentSecurityPolicy } from '#console/build.ts';
import { ENV } from '#shared/config/names.ts';
import { REALM_ID } from '#shared/domain/connection.ts';

/** Headers of every console file: no caching of a development build, and the usual hardening. */
const SECURITY_HEADERS = {
  'content-security-policy': consoleContentSecurityPolicy(),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

const QBO_ID = /^\d{1,20}$/;

/** The demo helper's one failure: a bad request, or the emulator refused the action. */
export class DemoActionError extends Error {
  /**
   * @param status - HTTP status to answer
   * @param message - what went wrong, safe to show
   */
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'DemoActionError';
  }
}

/** The reference console served by the local API (`GET /`, its files and `config.json`). */
export class LocalConsole {
  private readonly files: ConsoleFiles = buildConsole();

  /**
   * @param info - the local runtime's facts; `emulatorUrl` is read at request time (it is set
   *   once the emulator has started)
   */
  constructor(private readonly info: Readonly<Record<string, string>>) {}

  private get emulatorUrl(): string | undefined {
    const url = this.info.emulatorUrl;
    return url?.startsWith('http') ? url : undefined;
  }

  /**
   * Serves a console file for `GET /`, `/index.html`, `/styles.css`, `/app.js`, `/config.json`.
   *
   * @returns whether the request was a console file
   */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const name = pathname === '/' ? 'index.html' : pathname.slice(1);
    if (name === 'config.json') {
      const emulator = this.emulatorUrl;
      const sandbox = process.env[ENV.intuitEnvironment] !== 'production' ? 'sandbox.' : '';
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          mode: 'local',
          apiUrl: '',
          invoiceLinkTemplate: emulator
            ? `${emulator}/_admin/companies/{realmId}/invoices/{id}`
            : `https://app.${sandbox}qbo.intuit.com/app/invoice?txnId={id}`,
        }),
      );
      return true;
    }
    const file = this.files.get(name);
    if (!file) return false;
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': file.contentType });
    res.end(req.method === 'HEAD' ? undefined : file.body);
    return true;
  }

  /**
   * The demo helper's actions on the emulator's admin API (`POST /_local/demo/{action}`), so the
   * browser needs no access to the emulator's port: `payment` `{realmId, invoiceId, amount?}`,
   * `hand-edit` `{realmId, invoiceId, memo}`, `revoke` `{realmId}` (then the app's Disconnect URL
   * is visited, as Intuit sends the browser there).
   *
   * @param action - the action's name
   * @param input - its JSON body
   * @param apiUrl - the local API's URL
   * @throws DemoActionError
   */
  async demo(action: string, input: Record<string, unknown>, apiUrl: string): Promise<unknown> {
    const emulator = this.emulatorUrl;
    if (!emulator) throw new DemoActionError(404, 'The demo helper needs the QBO emulator.');
    const realmId = String(input.realmId ?? '');
    if (!REALM_ID.test(realmId)) throw new DemoActionError(400, 'realmId must be a realm id.');
    const company = `${emulator}/_admin/companies/${realmId}`;
    const invoiceId = String(input.invoiceId ?? '');
    const needInvoice = () => {
      if (!QBO_ID.test(invoiceId))
        throw new DemoActionError(400, 'invoiceId must be a QBO invoice Id.');
    };
    switch (action) {
      case 'payment':
        needInvoice();
        return admin('POST', `${company}/payments`, {
          invoiceId,
          ...(typeof input.amount === 'number' ? { amount: input.amount } : {}),
        });
      case 'hand-edit':
        needInvoice();
        return admin('PATCH', `${company}/invoices/${invoiceId}`, {
          CustomerMemo: { value: String(input.memo ?? '').slice(0, 1000) },
        });
      case 'revoke': {
        const revoked = await admin('POST', `${company}/revoke`);
        await fetch(`${apiUrl}/oauth/quickbooks/disconnected?realmId=${realmId}`, {
          redirect: 'manual',
        });
        return revoked;
      }
      default:
        throw new DemoActionError(404, `No demo action "${action}".`);
    }
  }
}

async function admin(method: string, url: string, body?: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const out = (await res.json()) as {
    error?: string;
    Fault?: { Error?: { Message?: string; Detail?: string; code?: string }[] };
  };
  if (!res.ok) {
    // The emulator answers as QuickBooks does: its Message, and the Detail that says what.
    const fault = out.Fault?.Error?.[0];
    const said = fault
      ? `QuickBooks said: ${fault.Message ?? 'an error'}${fault.Detail ? ` — ${fault.Detail}` : ''}${fault.code ? ` [${fault.code}]` : ''}`
      : undefined;
    throw new DemoActionError(
      res.status,
      said ?? out.error ?? `The emulator answered ${res.status}.`,
    );
  }
  return out;
}
