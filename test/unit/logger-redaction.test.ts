import { expect, it } from 'vitest';
import { logger } from '#shared/observability/logger.ts';
import { logLines } from '../support/log-audit.ts';

it('never writes tokens, secrets, signatures, bodies or credential-looking values', () => {
  const before = logLines().length;
  logger.info('careless', {
    tenantId: 'acme',
    accessToken: 'AT-0123456789',
    nested: { refresh_token: 'RT-0123456789', clientSecret: 'CS-0123456789' },
    headers: { authorization: 'Bearer AT-0123456789', 'intuit-signature': 'SIG-0123456789' },
    body: '{"eventNotifications":[]}',
    oauth: { code: 'AB11jo7NMcsZJG2pC-t96I-WBqe-rOXZWy46z7eDS0S9eFyxQUSd' },
    error: { code: 'qbo_validation', message: 'QuickBooks said: Duplicate Name Exists Error' },
    jwt: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
  });
  const text = logLines().slice(before).join('\n');
  expect(text).toContain('careless');
  for (const secret of [
    'AT-0123456789',
    'RT-0123456789',
    'CS-0123456789',
    'SIG-0123456789',
    'eventNotifications',
    'AB11jo7N',
    'eyJhbGci',
  ]) {
    expect(text).not.toContain(secret);
  }
  // What helps an operator stays: the tenant, the short error code, the message.
  expect(text).toContain('"tenantId":"acme"');
  expect(text).toContain('qbo_validation');
  expect(text).toContain('Duplicate Name Exists Error');
});
