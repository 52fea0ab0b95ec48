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
 * "Disconnect": delete the tenant's row in `tenant_provider_keys` and the nightly schedule, mark
 * the connection `disconnected`, and revoke the grant at Intuit. The local part comes first, so a
 * slow or failing Intuit can never leave a tenant connected against their will; a failed revoke is
 * reported (and was already dead if Intuit had refused the grant before). Pushed invoices,
 * mappings and the record of which company was connected stay, so a reconnect to the same company
 * picks up where it left off. Disconnecting twice is harmless.
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
  const before = await deps.connections.get(tenantId);
  const tokens = await deps.vault.read(tenantId).catch((err: unknown) => {
    logger.warn('Stored tokens could not be read for revocation', {
      tenantId,
      error: toError(err).message,
    });
    return undefined;
  });
  await deps.vault.delete(tenantId);
  await deps.schedules.delete(tenantId);
  await deps.connections.patch(tenantId, { status: 'disconnected', reconnectReason: null });

  let revokedAtIntuit = false;
  let revokeError: string | null = null;
  if (tokens) {
    try {
      await deps.intuit.revoke(tokens.refreshToken);
      revokedAtIntuit = true;
    } catch (err) {
      // A grant Intuit had already refused needs no revocation.
      if (before?.status !== 'reconnect_required') revokeError = toError(err).message;
    }
  }
  logger.info('QuickBooks disconnected', { tenantId, revokedAtIntuit, revokeError });
  return { status: 'disconnected', revokedAtIntuit, revokeError };
}
