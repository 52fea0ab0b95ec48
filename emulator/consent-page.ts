import { escapeHtml } from './http.ts';

/** A company the user can connect. */
export interface CompanyChoice {
  readonly realmId: string;
  readonly name: string;
}

const STYLE = `
  body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #1b1b1b; }
  h1 { font-size: 1.4rem; }
  fieldset { border: 1px solid #bbb; border-radius: 6px; padding: 1rem; }
  label { display: block; margin: .4rem 0; }
  button { font-size: 1rem; padding: .5rem 1.2rem; margin-right: .5rem; border-radius: 4px; }
  button:focus, input:focus, select:focus { outline: 3px solid #0077c5; outline-offset: 2px; }
  .approve { background: #2ca01c; color: #fff; border: 0; }
  .deny { background: #fff; border: 1px solid #666; }
  .note { color: #555; font-size: .9rem; }
`;

/**
 * The consent page: a company picker and Approve / Deny. Plain form controls with labels, so
 * it works from the keyboard (Tab, arrow keys, Enter) and with screen readers.
 *
 * @param params - the authorize request's query (carried through as hidden fields)
 * @param companies - companies that may be connected
 * @param preselect - the company to preselect (the one this browser approved before); otherwise
 *   the only company, or none, so that nobody approves another tenant's company by default
 */
export function renderConsentPage(
  params: URLSearchParams,
  companies: readonly CompanyChoice[],
  preselect?: string,
): string {
  const chosen = companies.some((c) => c.realmId === preselect)
    ? preselect
    : companies.length === 1
      ? companies[0]?.realmId
      : undefined;
  const hidden = ['client_id', 'redirect_uri', 'scope', 'state', 'response_type']
    .map(
      (name) =>
        `<input type="hidden" name="${name}" value="${escapeHtml(params.get(name) ?? '')}">`,
    )
    .join('\n      ');
  const options = companies
    .map(
      (c) =>
        `<label><input type="radio" name="realmId" value="${escapeHtml(c.realmId)}"${c.realmId === chosen ? ' checked' : ''} required> ${escapeHtml(c.name)} <span class="note">(realm ${escapeHtml(c.realmId)})</span></label>`,
    )
    .join('\n        ');
  const scope = escapeHtml(params.get('scope') ?? '');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Connect to QuickBooks (emulator)</title>
  <style>${STYLE}</style>
</head>
<body>
  <main>
    <h1>Connect your QuickBooks company</h1>
    <p>An app is asking for access to your books (scopes: <code>${scope}</code>).</p>
    <form method="post" action="/connect/oauth2/decision">
      ${hidden}
      <fieldset>
        <legend>Choose a company</legend>
        ${options}
        <label><input type="radio" name="realmId" value="new"${companies.length === 0 ? ' checked' : ''}> A new company named
          <input type="text" name="new_company_name" aria-label="New company name" value="Sandbox Company"></label>
      </fieldset>
      <p>
        <button type="submit" name="decision" value="approve" class="approve" autofocus>Approve</button>
        <button type="submit" name="decision" value="deny" class="deny" formnovalidate>Deny</button>
      </p>
    </form>
    <p class="note">QuickBooks Online emulator: nothing here talks to Intuit.</p>
  </main>
</body>
</html>`;
}

/**
 * An error page for requests that cannot be redirected back to the app.
 *
 * @param message - what is wrong
 */
export function renderErrorPage(message: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Authorization error</title><style>${STYLE}</style></head>
<body><main><h1>Something went wrong</h1><p role="alert">${escapeHtml(message)}</p></main></body>
</html>`;
}
