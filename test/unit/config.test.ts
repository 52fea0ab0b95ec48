import { describe, expect, it } from 'vitest';
import { loadConfig } from '#lib/config.ts';

const valid: Record<string, unknown> = {
  envName: 'prod',
  jwtIssuer: 'https://auth.tradelyhq.com/',
  jwtAudience: 'qbo-api,portal',
  portalOrigins: 'https://admin.tradelyhq.com',
};

describe('Function: loadConfig', () => {
  it('reads context values, splitting comma lists and applying defaults', () => {
    const config = loadConfig((key) => valid[key]);
    expect(config).toMatchObject({
      envName: 'prod',
      jwtAudience: ['qbo-api', 'portal'],
      portalOrigins: ['https://admin.tradelyhq.com'],
      logRetentionDays: 30,
      apiThrottle: { rateLimit: 50, burstLimit: 100 },
    });
  });

  it('names every missing or invalid value in one error', () => {
    const read = (key: string) =>
      ({ envName: 'Prod!', portalOrigins: 'http://admin.tradelyhq.com/path' })[key];
    expect(() => loadConfig(read)).toThrowError(
      /envName[\s\S]*jwtIssuer[\s\S]*jwtAudience[\s\S]*portalOrigins/,
    );
  });

  it('refuses a plain-http issuer', () => {
    const read = (key: string) => ({ ...valid, jwtIssuer: 'http://auth.example.com/' })[key];
    expect(() => loadConfig(read)).toThrowError(/jwtIssuer/);
  });
});
