/**
 * Wraps and unwraps data keys under a master key, bound to an encryption context (KMS in AWS, a
 * local master key in local mode). Unwrapping with any other context must fail.
 */
export interface KeyWrapper {
  /**
   * Makes a fresh 256-bit data key.
   *
   * @param context - the encryption context the wrapped key is bound to
   * @returns the key in the clear (use once, then drop) and wrapped (store it)
   */
  generateDataKey(
    context: EncryptionContext,
  ): Promise<{ plaintext: Uint8Array; wrapped: Uint8Array }>;

  /**
   * Unwraps a data key.
   *
   * @param wrapped - the wrapped key as stored
   * @param context - the same context it was wrapped with
   * @throws when the context differs or the wrapped key was tampered with
   */
  unwrap(wrapped: Uint8Array, context: EncryptionContext): Promise<Uint8Array>;
}

/** Non-secret key/value pairs bound to a ciphertext; here always a tenant and a provider. */
export interface EncryptionContext {
  readonly tenantId: string;
  readonly provider: string;
}

/**
 * The context in one canonical byte form (sorted keys), for use as AES-GCM additional data.
 *
 * @param context - the encryption context
 */
export function canonicalContext(context: EncryptionContext): Buffer {
  return Buffer.from(JSON.stringify({ provider: context.provider, tenantId: context.tenantId }));
}
