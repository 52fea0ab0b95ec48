import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { awsClient } from '#shared/adapters/aws/clients.ts';
import type { EncryptionContext, KeyWrapper } from '#shared/ports/key-wrapper.ts';

/**
 * {@link KeyWrapper} on AWS KMS: `GenerateDataKey` (AES-256) and `Decrypt`, both with the
 * encryption context, which KMS binds to the wrapped key; the token key's policy refuses any call
 * without a `tenantId` and a `provider` in it.
 */
export class KmsKeyWrapper implements KeyWrapper {
  /** @param keyId - ARN of the token key */
  constructor(private readonly keyId: string) {}

  async generateDataKey(context: EncryptionContext) {
    const out = await awsClient(KMSClient).send(
      new GenerateDataKeyCommand({
        KeyId: this.keyId,
        KeySpec: 'AES_256',
        EncryptionContext: { ...context },
      }),
    );
    if (!out.Plaintext || !out.CiphertextBlob) throw new Error('KMS returned no data key');
    return { plaintext: out.Plaintext, wrapped: out.CiphertextBlob };
  }

  async unwrap(wrapped: Uint8Array, context: EncryptionContext) {
    const out = await awsClient(KMSClient).send(
      new DecryptCommand({
        KeyId: this.keyId,
        CiphertextBlob: wrapped,
        EncryptionContext: { ...context },
      }),
    );
    if (!out.Plaintext) throw new Error('KMS returned no plaintext');
    return out.Plaintext;
  }
}
