import { type ConnectionView, toConnectionView } from '#shared/domain/connection.ts';
import { NotConnectedError } from '#shared/oauth/errors.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { ScheduleRegistry } from '#shared/ports/schedule-registry.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';

/** The settings an admin can change (each optional). */
export interface SettingsInput {
  /** IANA time zone of the 2 AM reconcile (already validated). */
  readonly timezone?: string;
  /** QBO income account for mirrored items; `null` returns to the company default. */
  readonly incomeAccountId?: string | null;
}

/**
 * Changes the tenant's integration settings; a new time zone moves the nightly schedule.
 *
 * @param deps - connections, schedules, clock
 * @param tenantId - the tenant, from the verified JWT
 * @param input - see {@link SettingsInput}
 * @throws NotConnectedError when the tenant never connected
 */
export async function updateSettings(
  deps: {
    readonly connections: ConnectionRepository;
    readonly schedules: ScheduleRegistry;
    readonly clock: Clock;
  },
  tenantId: string,
  input: SettingsInput,
): Promise<ConnectionView> {
  const before = await deps.connections.get(tenantId);
  if (!before) throw new NotConnectedError();
  // The schedule moves first (the upsert is idempotent): if it fails, nothing changed and the
  // same request can simply be sent again.
  if (input.timezone && before.status === 'connected') {
    await deps.schedules.upsert(tenantId, input.timezone);
  }
  const after = await deps.connections.patch(tenantId, input);
  if (!after) throw new NotConnectedError();
  return toConnectionView(after, deps.clock.now());
}
