import { type Connection, needsReconnect } from '#shared/domain/connection.ts';
import { NotConnectedError, ReconnectRequiredError } from '#shared/oauth/errors.ts';
import type { QboClient } from '#shared/qbo/qbo-client.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';

/** What reading the connected company needs. */
export interface CompanyReadDeps {
  readonly connections: ConnectionRepository;
  readonly qbo: (tenantId: string) => QboClient;
}

/**
 * The tenant's connection and a QBO client for its company, for a settings page that reads QBO
 * live.
 *
 * @param deps - connections, and a QBO client for the tenant
 * @param tenantId - the tenant, from the verified JWT
 * @throws NotConnectedError; ReconnectRequiredError while the connection needs a reconnect
 */
export async function connectedCompany(
  deps: CompanyReadDeps,
  tenantId: string,
): Promise<{ readonly connection: Connection; readonly qbo: QboClient }> {
  const connection = await deps.connections.get(tenantId);
  if (!connection || connection.status === 'disconnected') throw new NotConnectedError();
  if (needsReconnect(connection.status)) {
    throw new ReconnectRequiredError(connection.reconnectReason ?? 'reconnect required');
  }
  return { connection, qbo: deps.qbo(tenantId) };
}
