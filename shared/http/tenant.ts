import { runtimeEnv } from '#shared/config/runtime-env.ts';
import { UnauthenticatedError } from '#shared/errors.ts';

/**
 * Name of the JWT claim that carries the TradelyHQ tenant id (`TENANT_CLAIM`, default `tenant_id`),
 * so any identity provider whose tokens name the tenant can plug in.
 */
export function tenantClaim(): string {
  return runtimeEnv().tenantClaim;
}

/** What a tenant id may look like: 1-64 letters, digits, `_` or `-` (never a key separator). */
export const TENANT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Takes the tenant from claims that the API's JWT authorizer has already verified. The tenant is
 * never read from a path, a query or a body.
 *
 * @param claims - `requestContext.authorizer.jwt.claims` of the event
 * @throws UnauthenticatedError when the claim is missing or not a plausible tenant id
 */
export function tenantFromClaims(
  claims: Readonly<Record<string, string | number | boolean | string[]>> | undefined,
): string {
  const claim = tenantClaim();
  const value = claims?.[claim];
  if (typeof value !== 'string' || !TENANT_ID.test(value)) {
    throw new UnauthenticatedError(`The token does not name a tenant (claim "${claim}").`);
  }
  return value;
}
