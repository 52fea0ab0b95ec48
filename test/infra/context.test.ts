import { describe, expect, it } from 'vitest';
import { buildStack, synthApp } from '../support/stack.ts';

describe('Stack: context validated at synth', () => {
  it('refuses a half-configured stack, naming every missing value, without a stack trace', async () => {
    const { code, stderr, written } = await synthApp({ envName: 'prod', logLevel: 'LOUD' });
    expect(code).toBe(1);
    expect(stderr).toContain('Invalid stack configuration');
    for (const key of ['jwtIssuer', 'jwtAudience', 'portalOrigins', 'logLevel']) {
      expect(stderr).toContain(`- ${key}:`);
    }
    expect(stderr).toContain('- jwtIssuer: required, not set');
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(written).toEqual([]);
  }, 60_000);

  it('passes the configured log level to every function', () => {
    const { template } = buildStack({ logLevel: 'WARN' });
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables.POWERTOOLS_LOG_LEVEL).toBe('WARN');
    }
  });
});
