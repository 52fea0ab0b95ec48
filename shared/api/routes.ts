/**
 * The API's routes: one list that both the CDK HTTP API (`lib/http-api.ts`) and the local runtime
 * (`bin/local/api-server.ts`) are built from, so the two can never serve different routes.
 */

/** HTTP methods the API uses. */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One API route and the function that serves it. */
export type RouteDefinition = JwtRoute | PublicRoute;

interface RouteBase {
  readonly method: RouteMethod;
  /** API Gateway path syntax, e.g. `/invoices/{invoiceId}/push`. */
  readonly path: string;
  /** Folder under `functions/` whose `handler.ts` serves the route. */
  readonly handler: string;
}

/**
 * Who may call a JWT route: `admin` needs the admin scope (Settings → Integrations, the Sync
 * Errors panel); `push` takes TradelyHQ core's service scope or the admin scope.
 */
export type RouteAccess = 'admin' | 'push';

/** The API's JWT authorizer runs first; the tenant comes from its verified claims. */
export interface JwtRoute extends RouteBase {
  readonly auth: 'jwt';
  /** The scopes the token must carry (one of them), checked by the authorizer and in code. */
  readonly access: RouteAccess;
}

/** No authorizer: the route authenticates by its own means, or serves nothing private. */
export interface PublicRoute extends RouteBase {
  readonly auth: 'public';
  /** Why it may be public; it is also the reason given to cdk-nag for the missing authorizer. */
  readonly publicBecause: string;
  /**
   * The most requests one client (one IP address) may make to the route in 5 minutes, enforced at
   * the edge (`lib/edge.ts`, AWS WAF's default window); more are answered 429.
   */
  readonly perClientLimit: number;
}

/** Every route of the API. */
export const routes: readonly RouteDefinition[] = [
  {
    method: 'GET',
    path: '/health',
    handler: 'health',
    auth: 'public',
    publicBecause:
      'Liveness probe for uptime checks; reads no data and returns only {"status":"ok"}.',
    // An uptime checker polls every few seconds at most.
    perClientLimit: 300,
  },
  {
    method: 'GET',
    path: '/integrations/quickbooks',
    handler: 'get-connection',
    auth: 'jwt',
    access: 'admin',
  },
  {
    method: 'POST',
    path: '/integrations/quickbooks/connect',
    handler: 'connect-quickbooks',
    auth: 'jwt',
    access: 'admin',
  },
  {
    method: 'POST',
    path: '/integrations/quickbooks/confirm',
    handler: 'confirm-quickbooks',
    auth: 'jwt',
    access: 'admin',
  },
  {
    method: 'GET',
    path: '/oauth/quickbooks/callback',
    handler: 'quickbooks-callback',
    auth: 'public',
    publicBecause:
      "Intuit's OAuth redirect lands here in the admin's browser; it is authenticated by the " +
      'signed, single-use, 10-minute state, and connects nothing: the admin who started the ' +
      'flow confirms it with their own token.',
    // One per connect; a whole office behind one address connecting again and again stays under.
    perClientLimit: 100,
  },
  {
    method: 'GET',
    path: '/oauth/quickbooks/disconnected',
    handler: 'quickbooks-disconnected',
    auth: 'public',
    publicBecause:
      "The Intuit app's Disconnect URL, reached by a user's browser from inside QuickBooks; it " +
      'trusts nothing in the request, holds no token key, and only queues a check of the grant.',
    perClientLimit: 100,
  },
  {
    method: 'GET',
    path: '/integrations/quickbooks/accounts',
    handler: 'list-income-accounts',
    auth: 'jwt',
    access: 'admin',
  },
  {
    method: 'GET',
    path: '/integrations/quickbooks/tax-codes',
    handler: 'list-tax-codes',
    auth: 'jwt',
    access: 'admin',
  },
  {
    method: 'PUT',
    path: '/integrations/quickbooks/settings',
    handler: 'update-settings',
    auth: 'jwt',
    access: 'admin',
  },
  {
    method: 'DELETE',
    path: '/integrations/quickbooks',
    handler: 'disconnect-quickbooks',
    auth: 'jwt',
    access: 'admin',
  },
  {
    method: 'POST',
    path: '/invoices/{invoiceId}/push',
    handler: 'push-invoice',
    auth: 'jwt',
    access: 'push',
  },
  {
    method: 'GET',
    path: '/invoices/{invoiceId}/sync',
    handler: 'get-invoice-sync',
    auth: 'jwt',
    access: 'push',
  },
  { method: 'GET', path: '/invoices', handler: 'list-invoices', auth: 'jwt', access: 'admin' },
  {
    method: 'POST',
    path: '/webhooks/quickbooks',
    handler: 'quickbooks-webhook',
    auth: 'public',
    publicBecause:
      "Intuit's webhook deliveries carry no bearer token; each is authenticated by the " +
      'intuit-signature HMAC-SHA256 of its raw body with the verifier token, checked first.',
    // 100 a second from one address. Intuit publishes no sender addresses and one sender carries
    // many companies, each sent one delivery at a time: sized for 50,000 companies each sending a
    // delivery a minute from as few as 9 addresses (docs/security.md). `webhookPerClientLimit`
    // in context changes it.
    perClientLimit: 30_000,
  },
  {
    method: 'GET',
    path: '/sync-errors',
    handler: 'list-sync-errors',
    auth: 'jwt',
    access: 'admin',
  },
  {
    method: 'POST',
    path: '/sync-errors/{id}/resync',
    handler: 'resync-invoice',
    auth: 'jwt',
    access: 'admin',
  },
  {
    method: 'POST',
    path: '/sync-errors/{id}/accept',
    handler: 'accept-sync-error',
    auth: 'jwt',
    access: 'admin',
  },
  {
    method: 'POST',
    path: '/sync-errors/{id}/dismiss',
    handler: 'dismiss-sync-error',
    auth: 'jwt',
    access: 'admin',
  },
  {
    method: 'POST',
    path: '/reconcile',
    handler: 'request-reconcile',
    auth: 'jwt',
    access: 'admin',
  },
];
