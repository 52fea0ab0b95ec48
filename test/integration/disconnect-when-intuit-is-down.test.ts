import { afterAll, beforeAll, expect, it } from 'vitest';
import { tenantProviderKeysTable } from '#shared/store/tables.ts';
import { TokenRepository } from '#shared/store/token-repository.ts';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.api.close());

it('still deletes the keys and disconnects when Intuit cannot revoke, and says so', async () => {
  const tenantId = newTenantId();
  await stack.connect(tenantId, await stack.world.newCompany());
  await stack.world.emulator.close(); // Intuit is unreachable from here on.
  const res = await stack.call(tenantId, 'DELETE', '/integrations/quickbooks');
  expect(res.status).toBe(200);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status: 'disconnected', revokedAtIntuit: false });
  expect(body.revokeError).toMatch(/QuickBooks is not reachable/);
  expect(
    await new TokenRepository(tenantProviderKeysTable.localName).get(tenantId),
  ).toBeUndefined();
  const status = await stack.call(tenantId, 'GET', '/integrations/quickbooks');
  expect(await status.json()).toMatchObject({ status: 'disconnected' });
});
