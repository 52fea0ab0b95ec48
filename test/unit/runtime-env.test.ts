import { afterEach, describe, expect, it, vi } from 'vitest';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  vi.resetModules();
});

/** A fresh copy of the module, as a cold start loads it. */
async function coldStart(vars: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return import('#shared/config/runtime-env.ts');
}

describe('the runtime environment', () => {
  it('applies the documented defaults when the knobs are unset or empty', async () => {
    const { runtimeEnv } = await coldStart({
      QBO_MAX_IN_FLIGHT: undefined,
      QBO_REQUESTS_PER_MINUTE: '',
      QBO_TIMEOUT_MS: undefined,
      RECONCILE_JITTER_SECONDS: undefined,
      PUSH_MAX_RECEIVES: undefined,
      INTUIT_ENVIRONMENT: undefined,
    });
    expect(runtimeEnv()).toMatchObject({
      qboMaxInFlight: 10,
      qboRequestsPerMinute: 500,
      qboMinuteMargin: expect.any(Number),
      qboTimeoutMs: 30_000,
      reconcileJitterSeconds: 600,
      pushMaxReceives: 40,
      intuitEnvironment: 'sandbox',
    });
  });

  it('refuses a bad value with the variable named, instead of silently using a default', async () => {
    const { runtimeEnv } = await coldStart({
      QBO_MAX_IN_FLIGHT: 'ten',
      QBO_MINUTE_MARGIN: '-5',
      INTUIT_ENVIRONMENT: 'prod',
    });
    expect(() => runtimeEnv()).toThrow(/^Invalid environment: /);
    const message = (() => {
      try {
        runtimeEnv();
      } catch (err) {
        return (err as Error).message;
      }
    })();
    for (const name of ['QBO_MAX_IN_FLIGHT', 'QBO_MINUTE_MARGIN', 'INTUIT_ENVIRONMENT']) {
      expect(message).toContain(name);
    }
  });

  it('names a required variable the stack did not set', async () => {
    const { required } = await coldStart({ PUSH_QUEUE_URL: undefined });
    expect(() => required('pushQueueUrl')).toThrow(
      'Missing required environment variable PUSH_QUEUE_URL',
    );
  });

  it('parses once: a later change of the environment is not seen', async () => {
    const { runtimeEnv } = await coldStart({ QBO_TIMEOUT_MS: '1234' });
    expect(runtimeEnv().qboTimeoutMs).toBe(1234);
    process.env.QBO_TIMEOUT_MS = '999';
    expect(runtimeEnv().qboTimeoutMs).toBe(1234);
  });
});
