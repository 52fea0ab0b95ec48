import 'aws-sdk-client-mock-vitest/extend';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** `clients.ts` with a fresh tracer, made under this environment. */
async function load(env: Record<string, string>) {
  vi.resetModules();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return import('#shared/adapters/aws/clients.ts');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('Function: awsClient', () => {
  it('makes one client per service and process', async () => {
    const { awsClient } = await load({ POWERTOOLS_TRACE_ENABLED: 'false' });
    const { KMSClient } = await import('@aws-sdk/client-kms');
    expect(awsClient(SQSClient)).toBe(awsClient(SQSClient));
    expect(awsClient(SQSClient)).toBeInstanceOf(SQSClient);
    expect(awsClient(KMSClient)).toBeInstanceOf(KMSClient);
  });

  it('traces the client in Lambda, and aws-sdk-client-mock still answers for it', async () => {
    const { awsClient } = await load({
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      POWERTOOLS_TRACE_ENABLED: 'true',
    });
    const sqs = awsClient(SQSClient);
    expect(sqs.middlewareStack.identify().join(' ')).toContain('XRaySDKInstrumentation');
    const mock = mockClient(SQSClient);
    try {
      mock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
      const out = await sqs.send(new SendMessageCommand({ QueueUrl: 'q', MessageBody: '{}' }));
      expect(out.MessageId).toBe('m-1');
      expect(mock).toHaveReceivedCommandWith(SendMessageCommand, { QueueUrl: 'q' });
    } finally {
      mock.restore();
    }
  });
});
