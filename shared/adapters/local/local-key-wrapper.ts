import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gcmDecrypt, gcmEncrypt } from '#shared/oauth/aes-gcm.ts';
import {
  canonicalContext,
  type EncryptionContext,
  type KeyWrapper,
} from '#shared/ports/key-wrapper.ts';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * {@link KeyWrapper} for local mode, with KMS's behaviour: a 256-bit master key wraps each data key
 * with AES-256-GCM, the encryption context as additional data, so a wrapped key unwraps only under
 * the context it was made for. Wrapped form: `iv ‖ tag ‖ ciphertext`.
 */
export class LocalKeyWrapper implements KeyWrapper {
  /** @param masterKey - 32 bytes */
  constructor(private readonly masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('The local master key must be 32 bytes');
  }

  /**
   * The wrapper whose master key is kept in a file (created, mode 0600, on first use), so data
   * written in one `npm start` can be read in the next.
   *
   * @param path - the key file, e.g. `.data/local-master.key`
   */
  static fromFile(path: string): LocalKeyWrapper {
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, randomBytes(32), { mode: 0o600 });
    }
    return new LocalKeyWrapper(readFileSync(path));
  }

  /** A wrapper whose master key lives only in memory (tests, `--in-memory`). */
  static ephemeral(): LocalKeyWrapper {
    return new LocalKeyWrapper(randomBytes(32));
  }

  async generateDataKey(context: EncryptionContext) {
    const plaintext = randomBytes(32);
    const { iv, tag, ct } = gcmEncrypt(this.masterKey, plaintext, canonicalContext(context));
    return { plaintext, wrapped: Buffer.concat([iv, tag, ct]) };
  }

  async unwrap(wrapped: Uint8Array, context: EncryptionContext) {
    const buf = Buffer.from(wrapped);
    const sealed = {
      iv: buf.subarray(0, IV_BYTES),
      tag: buf.subarray(IV_BYTES, IV_BYTES + TAG_BYTES),
      ct: buf.subarray(IV_BYTES + TAG_BYTES),
    };
    return gcmDecrypt(this.masterKey, sealed, canonicalContext(context));
  }
}
