import { type ConnectionView, toConnectionView } from '#shared/domain/connection.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';

/**
 * The tenant's QuickBooks connection status, for Settings → Integrations.
 *
 * @param deps - the connection repository and the clock
 * @param tenantId - the tenant, from the verified JWT
 */
export async function getConnectionStatus(
  deps: { readonly connections: ConnectionRepository; readonly clock: Clock },
  tenantId: string,
): Promise<ConnectionView> {
  return toConnectionView(await deps.connections.get(tenantId), deps.clock.now());
}
