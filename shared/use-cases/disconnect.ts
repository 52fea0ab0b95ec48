import { toError } from '#shared/errors.ts';
import type { IntuitOAuth } from '#shared/oauth/intuit-oauth.ts';
import type { TokenVault } from '#shared/oauth/token-vault.ts';
import { logger } from '#shared/observability/logger.ts';
import type { ScheduleRegistry } from '#shared/ports/schedule-registry.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';

/** The outcome of a disconnect, as the portal shows it. */
export interface DisconnectResult {
  readonly status: 'disconnected';
  /** Whether Intuit confirmed the revocation (false when nothing was stored, or Intuit failed). */
  readonly revokedAtIntuit: boolean;
  /** Why the revocation at Intuit failed, if it did; the local keys are deleted regardless. */
  readonly revokeError: string | null;
}

/**
 * "Disconnect": revoke the grant at Intuit, delete the tenant's row in `tenant_provider_keys`,
 * delete the nightly schedule and mark the connection `disconnected`. If Intuit's revoke fails the
 * keys are still deleted (a tenant can always disconnect) and the failure is reported. Pushed
 * invoices, mappings and the record of which company was connected stay, so a reconnect to the same
 * company picks up where it left off. Disconnecting twice is harmless.
 *
 * @param deps - connections, vault, Intuit, schedules
 * @param tenantId - the tenant, from the verified JWT
 */
export async function disconnect(
  deps: {
    readonly connections: ConnectionRepository;
    readonly vault: TokenVault;
    readonly intuit: IntuitOAuth;
    readonly schedules: ScheduleRegistry;
  },
  tenantId: string,
): Promise<DisconnectResult> {
  let revokedAtIntuit = false;
  let revokeError: string | null = null;
  try {
    const tokens = await deps.vault.read(tenantId);
    if (tokens) {
      await deps.intuit.revoke(tokens.refreshToken);
      revokedAtIntuit = true;
    }
  } catch (err) {
    revokeError = toError(err).message;
  }
  await deps.vault.delete(tenantId);
  await deps.schedules.delete(tenantId);
  await deps.connections.patch(tenantId, { status: 'disconnected', reconnectReason: null });
  logger.info('QuickBooks disconnected', { tenantId, revokedAtIntuit, revokeError });
  return { status: 'disconnected', revokedAtIntuit, revokeError };
}
