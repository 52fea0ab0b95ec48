import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One AWS call a function made: the service, the operation and what it sent. */
export interface AwsCall {
  readonly service: 'sqs' | 'kms' | 'events' | 'scheduler' | 'secretsmanager';
  readonly action: string;
  readonly input: Record<string, unknown>;
}

/** A documented AWS error: its HTTP status, `__type` and message. */
class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The AWS endpoint the deployed bundles talk to in the tests, and what it saw. */
export interface AwsRecorder {
  /** Put it in `AWS_ENDPOINT_URL` (the AWS SDK v3 reads it for every service). */
  readonly url: string;
  /** Every call since the last `take()`, in order, and forgets them. */
  take(): AwsCall[];
  /** A secret `GetSecretValue` returns, by ARN. */
  putSecret(arn: string, value: unknown): void;
  close(): Promise<void>;
}

/** The JSON-protocol services, by the prefix of their `X-Amz-Target` header. */
const TARGETS: Record<string, AwsCall['service']> = {
  AmazonSQS: 'sqs',
  TrentService: 'kms',
  AWSEvents: 'events',
  secretsmanager: 'secretsmanager',
};

/**
 * A small AWS endpoint speaking the protocols the SDK v3 clients of the stack use: AWS JSON 1.0
 * (SQS) and 1.1 (KMS, EventBridge, Secrets Manager), by `X-Amz-Target`, and REST-JSON
 * (EventBridge Scheduler, `/schedules/{Name}`). It records each call and answers with the
 * response shapes of each service's API Reference (SendMessage, ChangeMessageVisibility,
 * GenerateDataKey, Decrypt, PutEvents, GetSecretValue, CreateSchedule, UpdateSchedule,
 * DeleteSchedule), keeping what those answers depend on: KMS refuses a `Decrypt` whose key or
 * encryption context differs from the `GenerateDataKey` (InvalidCiphertextException), Scheduler
 * answers ResourceNotFoundException for a schedule it does not hold, SQS returns the MD5 of the
 * body (which the SDK checks).
 */
export async function startAwsRecorder(): Promise<AwsRecorder> {
  let calls: AwsCall[] = [];
  const secrets = new Map<string, string>();
  const dataKeys = new Map<string, { keyId: string; context: string; plaintext: string }>();
  const schedules = new Set<string>();

  const handlers: Record<string, (input: Record<string, unknown>) => unknown> = {
    'sqs.SendMessage': (input) => ({
      MessageId: randomUUID(),
      MD5OfMessageBody: createHash('md5').update(String(input.MessageBody)).digest('hex'),
      ...(String(input.QueueUrl).endsWith('.fifo')
        ? { SequenceNumber: String(Date.now() * 1000) }
        : {}),
    }),
    'sqs.ChangeMessageVisibility': () => ({}),
    'kms.GenerateDataKey': (input) => {
      const plaintext = randomBytes(32).toString('base64');
      const blob = randomBytes(48).toString('base64');
      dataKeys.set(blob, {
        keyId: String(input.KeyId),
        context: JSON.stringify(input.EncryptionContext ?? {}),
        plaintext,
      });
      return { CiphertextBlob: blob, Plaintext: plaintext, KeyId: input.KeyId };
    },
    'kms.Decrypt': (input) => {
      const key = dataKeys.get(String(input.CiphertextBlob));
      const context = JSON.stringify(input.EncryptionContext ?? {});
      if (!key || key.keyId !== input.KeyId || key.context !== context) {
        throw new AwsError(400, 'InvalidCiphertextException', 'The ciphertext is invalid.');
      }
      return {
        KeyId: key.keyId,
        Plaintext: key.plaintext,
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    },
    'events.PutEvents': (input) => ({
      FailedEntryCount: 0,
      Entries: (input.Entries as unknown[]).map(() => ({ EventId: randomUUID() })),
    }),
    'secretsmanager.GetSecretValue': (input) => {
      const value = secrets.get(String(input.SecretId));
      if (value === undefined) {
        throw new AwsError(400, 'ResourceNotFoundException', "Secrets Manager can't find it.");
      }
      return { ARN: input.SecretId, Name: 'secret', SecretString: value, VersionId: randomUUID() };
    },
    'scheduler.CreateSchedule': (input) => {
      schedules.add(`${input.GroupName}/${input.Name}`);
      return { ScheduleArn: `arn:aws:scheduler:::schedule/${input.GroupName}/${input.Name}` };
    },
    'scheduler.UpdateSchedule': (input) => {
      if (!schedules.has(`${input.GroupName}/${input.Name}`)) {
        throw new AwsError(404, 'ResourceNotFoundException', 'Schedule not found.');
      }
      return { ScheduleArn: `arn:aws:scheduler:::schedule/${input.GroupName}/${input.Name}` };
    },
    'scheduler.DeleteSchedule': (input) => {
      if (!schedules.delete(`${input.GroupName}/${input.Name}`)) {
        throw new AwsError(404, 'ResourceNotFoundException', 'Schedule not found.');
      }
      return {};
    },
  };

  /** REST-JSON of Scheduler: the verb says the operation, the path the name. */
  function schedulerCall(req: IncomingMessage, url: URL, body: string): AwsCall | undefined {
    const name = /^\/schedules\/([^/]+)$/.exec(url.pathname)?.[1];
    if (!name) return undefined;
    const action = { POST: 'CreateSchedule', PUT: 'UpdateSchedule', DELETE: 'DeleteSchedule' }[
      req.method ?? ''
    ];
    if (!action) return undefined;
    const input = {
      Name: decodeURIComponent(name),
      ...(body ? (JSON.parse(body) as object) : {}),
      ...(url.searchParams.has('groupName')
        ? { GroupName: url.searchParams.get('groupName') }
        : {}),
    };
    return { service: 'scheduler', action, input };
  }

  function parse(req: IncomingMessage, body: string): AwsCall | undefined {
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string') {
      const [prefix = '', action = ''] = target.split('.');
      const service = TARGETS[prefix];
      return service ? { service, action, input: JSON.parse(body || '{}') } : undefined;
    }
    return schedulerCall(req, new URL(req.url ?? '/', 'http://x'), body);
  }

  function answer(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    res.end(JSON.stringify(body));
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call = parse(req, Buffer.concat(chunks).toString('utf8'));
      const handle = call && handlers[`${call.service}.${call.action}`];
      if (!call || !handle) {
        answer(res, 400, { __type: 'UnknownOperationException', message: 'Not recorded' });
        return;
      }
      calls.push(call);
      try {
        answer(res, 200, handle(call.input));
      } catch (err) {
        if (!(err instanceof AwsError)) throw err;
        answer(res, err.status, { __type: err.type, message: err.message }, err.type);
      }
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    take() {
      const taken = calls;
      calls = [];
      return taken;
    },
    putSecret(arn, value) {
      secrets.set(arn, JSON.stringify(value));
    },
    close: () => new Promise((done) => server.close(() => done())),
  };
}
