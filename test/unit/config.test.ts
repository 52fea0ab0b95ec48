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

  it('allows the OAuth flow to return to the portal page only, unless more paths are named', () => {
    expect(loadConfig((key) => valid[key]).portalReturnPaths).toEqual(['/settings/integrations']);
    const more: Record<string, unknown> = {
      ...valid,
      portalReturnPaths: '/settings/integrations, /onboarding/quickbooks',
    };
    expect(loadConfig((key) => more[key]).portalReturnPaths).toEqual([
      '/settings/integrations',
      '/onboarding/quickbooks',
    ]);
    for (const bad of ['settings', '//evil.example/x', '/a?next=x', '/a#frag', '/a b']) {
      const read = (key: string) => ({ ...valid, portalReturnPaths: bad })[key];
      expect(() => loadConfig(read), bad).toThrowError(/portalReturnPaths/);
    }
  });

  it('names every missing or invalid value in one error', () => {
    const read = (key: string) =>
      ({ envName: 'Prod!', portalOrigins: 'http://admin.tradelyhq.com/path' })[key];
    expect(() => loadConfig(read)).toThrowError(
      /envName[\s\S]*jwtIssuer[\s\S]*jwtAudience[\s\S]*portalOrigins/,
    );
  });

  it('takes a custom domain only with its certificate, and names the missing half', () => {
    const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123';
    const both = { ...valid, domainName: 'quickbooks.tradelyhq.com', certificateArn };
    expect(loadConfig((key) => both[key as keyof typeof both]).customDomain).toEqual({
      domainName: 'quickbooks.tradelyhq.com',
      certificateArn,
    });
    expect(loadConfig((key) => valid[key]).customDomain).toBeUndefined();
    const half = { ...valid, domainName: 'quickbooks.tradelyhq.com' };
    expect(() => loadConfig((key) => half[key as keyof typeof half])).toThrowError(
      /domainName, certificateArn: set both/,
    );
    const bad = { ...valid, domainName: 'https://quickbooks', certificateArn: 'arn:aws:iam::1:x' };
    expect(() => loadConfig((key) => bad[key as keyof typeof bad])).toThrowError(
      /domainName: a host name[\s\S]*certificateArn: an ACM certificate ARN/,
    );
  });

  it('refuses a plain-http issuer', () => {
    const read = (key: string) => ({ ...valid, jwtIssuer: 'http://auth.example.com/' })[key];
    expect(() => loadConfig(read)).toThrowError(/jwtIssuer/);
  });

  it('takes only a log retention CloudWatch Logs accepts, naming the choices', () => {
    const days = (logRetentionDays: unknown) => (key: string) =>
      ({ ...valid, logRetentionDays })[key];
    expect(loadConfig(days('365')).logRetentionDays).toBe(365);
    expect(() => loadConfig(days('forever'))).toThrowError(/logRetentionDays/);
    for (const refused of ['31', '0', '-7', '2.5']) {
      expect(() => loadConfig(days(refused)), refused).toThrowError(
        /logRetentionDays: one of .* 3653/,
      );
    }
  });

  it('takes scope names that differ, and a break-glass role ARN', () => {
    const read = (extra: Record<string, string>) => (key: string) => ({ ...valid, ...extra })[key];
    expect(loadConfig(read({})).scopes).toEqual({
      admin: 'quickbooks.admin',
      push: 'quickbooks.push',
    });
    expect(() => loadConfig(read({ adminScope: 'qbo', pushScope: 'qbo' }))).toThrowError(
      /adminScope, pushScope: must differ/,
    );
    expect(() => loadConfig(read({ adminScope: 'has space' }))).toThrowError(/adminScope/);
    expect(() => loadConfig(read({ keyPolicyAdminRoleArn: 'arn:aws:iam::1:user/x' }))).toThrowError(
      /keyPolicyAdminRoleArn/,
    );
  });

  it('takes only what CloudFormation and the functions accept: complete secret ARNs, in the stack region, and an IANA default zone', () => {
    const read = (extra: Record<string, string>) => (key: string) => ({ ...valid, ...extra })[key];
    const complete = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/intuit-a1B2c3';
    expect(loadConfig(read({ intuitSecretArn: complete }), 'us-east-1').intuitSecretArn).toBe(
      complete,
    );
    // The name alone, as the console shows it: the grant on it would never match the secret.
    const partial = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/intuit';
    expect(() => loadConfig(read({ webhookSecretArn: partial }))).toThrowError(
      /webhookSecretArn: a complete Secrets Manager ARN/,
    );
    const elsewhere = {
      intuitSecretArn: complete.replace('us-east-1', 'eu-west-1'),
      domainName: 'quickbooks.tradelyhq.com',
      certificateArn: 'arn:aws:acm:us-west-2:123456789012:certificate/abc-123',
    };
    expect(() => loadConfig(read(elsewhere), 'us-east-1')).toThrowError(
      /intuitSecretArn: in eu-west-1, but the stack deploys to us-east-1[\s\S]*certificateArn: in us-west-2/,
    );
    expect(() => loadConfig(read({ defaultTimezone: 'Eastern Time' }))).toThrowError(
      /defaultTimezone: an IANA time zone/,
    );
    expect(loadConfig(read({ defaultTimezone: 'America/Chicago' })).defaultTimezone).toBe(
      'America/Chicago',
    );
  });
});
