import { type ConnectionView, toConnectionView } from '#shared/domain/connection.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';

/**
 * The tenant's QuickBooks connection status, for Settings → Integrations.
 *
 * @param deps - the connection repository
 * @param tenantId - the tenant, from the verified JWT
 */
export async function getConnectionStatus(
  deps: { readonly connections: ConnectionRepository },
  tenantId: string,
): Promise<ConnectionView> {
  return toConnectionView(await deps.connections.get(tenantId));
}
