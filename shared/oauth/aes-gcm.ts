import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** An AES-256-GCM ciphertext with its random 96-bit IV and 128-bit tag. */
export interface GcmSealed {
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly ct: Buffer;
}

/**
 * AES-256-GCM encryption with a fresh random IV.
 *
 * @param key - 32 bytes
 * @param plaintext - what to encrypt
 * @param aad - additional data bound to the ciphertext (the encryption context)
 */
export function gcmEncrypt(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): GcmSealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ct };
}

/**
 * AES-256-GCM decryption.
 *
 * @param key - 32 bytes
 * @param sealed - IV, tag and ciphertext
 * @param aad - the same additional data used to encrypt
 * @throws when the key, the additional data or any byte differs
 */
export function gcmDecrypt(key: Uint8Array, sealed: GcmSealed, aad: Uint8Array): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv)
    .setAAD(aad)
    .setAuthTag(sealed.tag);
  return Buffer.concat([decipher.update(sealed.ct), decipher.final()]);
}
