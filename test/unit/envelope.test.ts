import { describe, expect, it } from 'vitest';
import { LocalKeyWrapper } from '#shared/adapters/local/local-key-wrapper.ts';
import { open, seal } from '#shared/oauth/envelope.ts';

const keys = LocalKeyWrapper.ephemeral();
const a = { tenantId: 'tenant-a', provider: 'quickbooks' };
const b = { tenantId: 'tenant-b', provider: 'quickbooks' };
const secret = Buffer.from('{"a":"access-token-value","r":"refresh-token-value"}');

describe('Envelope encryption', () => {
  it('opens what it sealed under the same tenant context', async () => {
    const blob = await seal(secret, a, keys);
    expect((await open(blob, a, keys)).equals(secret)).toBe(true);
  });

  it("cannot open one tenant's blob under another tenant's context", async () => {
    const blob = await seal(secret, a, keys);
    await expect(open(blob, b, keys)).rejects.toThrow();
  });

  it('cannot open a blob whose wrapped key was swapped for another tenant’s', async () => {
    const blobA = await seal(secret, a, keys);
    const blobB = await seal(Buffer.from('other'), b, keys);
    await expect(open({ ...blobA, edk: blobB.edk }, a, keys)).rejects.toThrow();
    await expect(open({ ...blobA, edk: blobB.edk }, b, keys)).rejects.toThrow();
  });

  it('detects a tampered ciphertext', async () => {
    const blob = await seal(secret, a, keys);
    const ct = Buffer.from(blob.ct, 'base64');
    ct[0] = (ct[0] ?? 0) ^ 1;
    await expect(open({ ...blob, ct: ct.toString('base64') }, a, keys)).rejects.toThrow();
  });

  it('uses a fresh data key and IV for every write and keeps no plaintext in the blob', async () => {
    const first = await seal(secret, a, keys);
    const second = await seal(secret, a, keys);
    expect(first.edk).not.toBe(second.edk);
    expect(first.iv).not.toBe(second.iv);
    expect(JSON.stringify(first)).not.toContain('token-value');
  });

  it("cannot open a blob with another master key (another stack's key)", async () => {
    const blob = await seal(secret, a, keys);
    await expect(open(blob, a, LocalKeyWrapper.ephemeral())).rejects.toThrow();
  });
});
