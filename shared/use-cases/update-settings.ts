import { type ConnectionView, toConnectionView } from '#shared/domain/connection.ts';
import type { TaxCodeMap } from '#shared/domain/tax.ts';
import { ValidationError } from '#shared/errors.ts';
import { NotConnectedError } from '#shared/oauth/errors.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { ScheduleRegistry } from '#shared/ports/schedule-registry.ts';
import { readTaxCodes } from '#shared/qbo/tax-codes.ts';
import { type CompanyReadDeps, connectedCompany } from './connected-company.ts';

/** The settings an admin can change (each optional). */
export interface SettingsInput {
  /** IANA time zone of the 2 AM reconcile (already validated). */
  readonly timezone?: string;
  /** QBO income account for mirrored items; `null` returns to the company default. */
  readonly incomeAccountId?: string | null;
  /** Line key → QBO TaxCode Id, replacing the whole map; `null` removes it. */
  readonly taxCodeMap?: TaxCodeMap | null;
}

/**
 * Changes the tenant's integration settings; a new time zone moves the nightly schedule. A tax
 * code map is checked against the company's active TaxCodes, read live from QBO.
 *
 * @param deps - connections, schedules, clock, and a QBO client for the tenant
 * @param tenantId - the tenant, from the verified JWT
 * @param input - see {@link SettingsInput}
 * @throws NotConnectedError when the tenant never connected; ValidationError for a tax code the
 *   company does not have; ReconnectRequiredError or QboError when a tax code map cannot be checked
 */
export async function updateSettings(
  deps: CompanyReadDeps & {
    readonly schedules: ScheduleRegistry;
    readonly clock: Clock;
  },
  tenantId: string,
  input: SettingsInput,
): Promise<ConnectionView> {
  const before = await deps.connections.get(tenantId);
  if (!before) throw new NotConnectedError();
  if (input.taxCodeMap) await checkTaxCodes(deps, tenantId, input.taxCodeMap);
  // The schedule moves first (the upsert is idempotent): if it fails, nothing changed and the
  // same request can simply be sent again.
  if (input.timezone && before.status === 'connected') {
    await deps.schedules.upsert(tenantId, input.timezone);
  }
  const after = await deps.connections.patch(tenantId, input);
  if (!after) throw new NotConnectedError();
  return toConnectionView(after, deps.clock.now());
}

/** Every Id of the map must be one of the connected company's active TaxCodes. */
async function checkTaxCodes(
  deps: CompanyReadDeps,
  tenantId: string,
  map: TaxCodeMap,
): Promise<void> {
  const { qbo } = await connectedCompany(deps, tenantId);
  const ids = new Set((await readTaxCodes(qbo)).map((c) => c.id));
  const issues = Object.entries(map)
    .filter(([, id]) => !ids.has(id))
    .map(([key, id]) => ({
      path: `taxCodeMap.${key}`,
      message: `is not a tax code of the QuickBooks company (${id}); see GET /integrations/quickbooks/tax-codes`,
    }));
  if (issues.length > 0) throw new ValidationError(issues);
}
