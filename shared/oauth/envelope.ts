import {
  canonicalContext,
  type EncryptionContext,
  type KeyWrapper,
} from '#shared/ports/key-wrapper.ts';
import { gcmDecrypt, gcmEncrypt } from './aes-gcm.ts';

/** An envelope-encrypted blob as stored in `tenant_provider_keys` (all fields base64). */
export interface SealedBlob {
  /** Format version. */
  readonly v: 1;
  /** The data key, wrapped by the {@link KeyWrapper} under the encryption context. */
  readonly edk: string;
  readonly iv: string;
  readonly tag: string;
  readonly ct: string;
}

/**
 * Envelope encryption: a fresh data key for every write, AES-256-GCM over the plaintext with the
 * encryption context as additional data, and the wrapped data key stored beside the ciphertext.
 * The clear data key is zeroed as soon as it has been used.
 *
 * @param plaintext - what to encrypt
 * @param context - binds the blob to one tenant and provider
 * @param wrapper - KMS in AWS, the local wrapper locally
 */
export async function seal(
  plaintext: Uint8Array,
  context: EncryptionContext,
  wrapper: KeyWrapper,
): Promise<SealedBlob> {
  const { plaintext: dataKey, wrapped } = await wrapper.generateDataKey(context);
  try {
    const { iv, tag, ct } = gcmEncrypt(dataKey, plaintext, canonicalContext(context));
    const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
    return { v: 1, edk: b64(wrapped), iv: b64(iv), tag: b64(tag), ct: b64(ct) };
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Opens a {@link SealedBlob}.
 *
 * @param blob - as stored
 * @param context - the context it was sealed under; any other fails
 * @param wrapper - the key wrapper
 * @throws when the context differs or the blob was tampered with
 */
export async function open(
  blob: SealedBlob,
  context: EncryptionContext,
  wrapper: KeyWrapper,
): Promise<Buffer> {
  const from = (s: string) => Buffer.from(s, 'base64');
  const dataKey = await wrapper.unwrap(from(blob.edk), context);
  try {
    const sealed = { iv: from(blob.iv), tag: from(blob.tag), ct: from(blob.ct) };
    return gcmDecrypt(dataKey, sealed, canonicalContext(context));
  } finally {
    dataKey.fill(0);
  }
}
