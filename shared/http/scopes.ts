import type { RouteAccess } from '#shared/api/routes.ts';
import { runtimeEnv } from '#shared/config/runtime-env.ts';

/**
 * The OAuth scope names this API checks, from the environment (deploy context `adminScope` and
 * `pushScope`), so that any identity provider's naming can plug in. The CDK stack gives the same
 * names to API Gateway's JWT authorizer; the code checks them again.
 */
export function scopeNames(): { readonly admin: string; readonly push: string } {
  const env = runtimeEnv();
  return { admin: env.adminScope, push: env.pushScope };
}

/**
 * The scopes that open a route (any one is enough), as API Gateway's `authorizationScopes` list
 * them: admin routes take the admin scope; push routes take TradelyHQ core's service scope or the
 * admin scope.
 *
 * @param access - the route's access
 * @param names - the scope names in force
 */
export function scopesFor(
  access: RouteAccess,
  names: { readonly admin: string; readonly push: string } = scopeNames(),
): string[] {
  return access === 'admin' ? [names.admin] : [names.push, names.admin];
}

/**
 * The scopes a verified token carries, from its `scope` claim (space-separated, RFC 8693) or its
 * `scp` claim (Okta, Azure AD). API Gateway hands an array claim to the Lambda as `[a b]`.
 *
 * @param claims - `requestContext.authorizer.jwt.claims`
 */
export function scopesOf(
  claims: Readonly<Record<string, string | number | boolean | string[]>> | undefined,
): Set<string> {
  const found = new Set<string>();
  for (const value of [claims?.scope, claims?.scp]) {
    const words = Array.isArray(value)
      ? value
      : typeof value === 'string'
        ? value.replace(/^\[(.*)\]$/, '$1').split(/\s+/)
        : [];
    for (const word of words) if (word) found.add(word);
  }
  return found;
}
