/**
 * Records every AWS SDK command the functions send, with the function that sent it, by a
 * middleware on every client of the six services the stack calls. DynamoDB commands go on to the
 * run's DynamoDB; the others are answered here with the responses AWS documents for them (the
 * API references' response syntax), keeping just enough state for the code's next call to
 * behave as in AWS: a data key decrypts only under the context it was made with, a schedule
 * exists once created, a sent message can be delivered to its consumer.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { InvalidCiphertextException, KMSClient } from '@aws-sdk/client-kms';
import {
  ResourceNotFoundException as ScheduleNotFound,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import {
  ResourceNotFoundException as SecretNotFound,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Json } from './template.ts';

/** One SDK command as a function sent it. */
export interface RecordedCall {
  /** The function (its folder under `functions/`). */
  readonly fn: string;
  /** The IAM service prefix: `sqs`, `kms`, `dynamodb`, … */
  readonly service: string;
  /** The API operation, e.g. `SendMessage`. */
  readonly operation: string;
  readonly input: Json;
}

/** A message a function sent to a queue, to hand to the queue's consumer. */
export interface SentMessage {
  readonly queueUrl: string;
  readonly input: Json;
  readonly messageId: string;
}

const SERVICES: Record<string, string> = {
  DynamoDBClient: 'dynamodb',
  SQSClient: 'sqs',
  KMSClient: 'kms',
  SchedulerClient: 'scheduler',
  EventBridgeClient: 'events',
  SecretsManagerClient: 'secretsmanager',
};

const meta = { $metadata: { httpStatusCode: 200, requestId: 'rehearsal' } };

/** What AWS holds between calls, as far as the functions can tell. */
class FakeAws {
  readonly messages: SentMessage[] = [];
  readonly schedules = new Map<string, Json>();
  private readonly dataKeys = new Map<string, { plaintext: Buffer; context: string }>();

  constructor(
    private readonly secrets: Readonly<Record<string, string>>,
    private readonly account: string,
    private readonly region: string,
  ) {}

  answer(service: string, operation: string, input: Json): unknown {
    const handler = this.handlers[`${service}:${operation}`];
    if (!handler) throw new Error(`The rehearsal has no documented answer for ${operation}`);
    return { ...meta, ...handler(input) };
  }

  private readonly handlers: Record<string, (input: Json) => object> = {
    // https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKey.html
    'kms:GenerateDataKey': (input) => {
      const plaintext = randomBytes(32);
      const blob = randomBytes(184);
      this.dataKeys.set(blob.toString('base64'), {
        plaintext,
        context: JSON.stringify(sorted(input.EncryptionContext)),
      });
      return {
        CiphertextBlob: new Uint8Array(blob),
        Plaintext: new Uint8Array(plaintext),
        KeyId: input.KeyId,
      };
    },
    // https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html: a ciphertext opens
    // only with the exact encryption context it was made with (InvalidCiphertextException).
    'kms:Decrypt': (input) => {
      const key = this.dataKeys.get(Buffer.from(input.CiphertextBlob).toString('base64'));
      if (!key || key.context !== JSON.stringify(sorted(input.EncryptionContext))) {
        throw new InvalidCiphertextException({ message: 'InvalidCiphertextException', ...meta });
      }
      return {
        KeyId: input.KeyId,
        Plaintext: new Uint8Array(key.plaintext),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    },
    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
    'sqs:SendMessage': (input) => {
      const messageId = randomUUID();
      this.messages.push({ queueUrl: input.QueueUrl, input, messageId });
      return {
        MessageId: messageId,
        MD5OfMessageBody: createHash('md5').update(input.MessageBody).digest('hex'),
        ...(input.MessageGroupId ? { SequenceNumber: String(this.messages.length) } : {}),
      };
    },
    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
    'sqs:ChangeMessageVisibility': () => ({}),
    // https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
    'events:PutEvents': (input) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map(() => ({ EventId: randomUUID() })),
    }),
    // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
    'secretsmanager:GetSecretValue': (input) => {
      const value = this.secrets[input.SecretId];
      if (value === undefined) {
        throw new SecretNotFound({ message: "Secrets Manager can't find the secret.", ...meta });
      }
      return {
        ARN: input.SecretId,
        Name: String(input.SecretId).split(':').at(-1),
        SecretString: value,
        VersionId: randomUUID(),
        VersionStages: ['AWSCURRENT'],
        CreatedDate: new Date(),
      };
    },
    // https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html and
    // API_UpdateSchedule.html, API_DeleteSchedule.html: a missing schedule is a 404
    // ResourceNotFoundException.
    'scheduler:CreateSchedule': (input) => {
      this.schedules.set(this.scheduleKey(input), input);
      return { ScheduleArn: this.scheduleArn(input) };
    },
    'scheduler:UpdateSchedule': (input) => {
      this.requireSchedule(input);
      this.schedules.set(this.scheduleKey(input), input);
      return { ScheduleArn: this.scheduleArn(input) };
    },
    'scheduler:DeleteSchedule': (input) => {
      this.requireSchedule(input);
      this.schedules.delete(this.scheduleKey(input));
      return {};
    },
  };

  private scheduleKey(input: Json): string {
    return `${input.GroupName ?? 'default'}/${input.Name}`;
  }

  private scheduleArn(input: Json): string {
    return `arn:aws:scheduler:${this.region}:${this.account}:schedule/${this.scheduleKey(input)}`;
  }

  private requireSchedule(input: Json): void {
    if (!this.schedules.has(this.scheduleKey(input))) {
      throw new ScheduleNotFound({
        message: `Schedule ${input.Name} does not exist.`,
        Message: `Schedule ${input.Name} does not exist.`,
        ...meta,
      });
    }
  }
}

function sorted(context: Record<string, string> | undefined): [string, string][] {
  return Object.entries(context ?? {}).sort(([a], [b]) => a.localeCompare(b));
}

/** The recorder: every call so far, and AWS's side of them. */
export interface AwsCallRecorder {
  readonly calls: RecordedCall[];
  readonly aws: FakeAws;
  /** Runs `work` as function `fn`: every SDK command it sends is recorded under that name. */
  as<T>(fn: string, work: () => Promise<T>): Promise<T>;
}

const current = new AsyncLocalStorage<string>();
let active: { calls: RecordedCall[]; aws: FakeAws } | undefined;
const instrumented = new WeakSet<object>();

type Stack = {
  add(middleware: unknown, options: { step: string; name: string; priority: string }): void;
};

function instrument(stack: Stack): void {
  if (instrumented.has(stack)) return;
  instrumented.add(stack);
  stack.add(
    (next: (args: unknown) => Promise<unknown>, context: Record<string, string>) =>
      async (args: { input: Json }) => {
        const service = SERVICES[context.clientName ?? ''];
        const operation = (context.commandName ?? '').replace(/Command$/, '');
        const fn = current.getStore();
        // Outside a rehearsed function (the test's own table set-up) the client is left alone.
        if (!active || !fn) return next(args);
        if (!service) throw new Error(`${fn}: an AWS call to ${context.clientName}, unknown here`);
        active.calls.push({ fn, service, operation, input: args.input });
        if (service === 'dynamodb') return next(args);
        return { output: active.aws.answer(service, operation, args.input), response: {} };
      },
    { step: 'initialize', name: 'rehearsalRecorder', priority: 'high' },
  );
}

let patched = false;

/**
 * Starts recording. Every client of the six services, whenever it was made, records its commands
 * from its next `send` on.
 *
 * @param secrets - the Secrets Manager secrets the functions may read, by ARN
 * @param where - the fake account and region (for the schedules' ARNs)
 */
export function recordAwsCalls(
  secrets: Readonly<Record<string, string>>,
  where: { account: string; region: string },
): AwsCallRecorder {
  if (!patched) {
    patched = true;
    for (const client of [
      DynamoDBClient,
      DynamoDBDocumentClient,
      SQSClient,
      KMSClient,
      SchedulerClient,
      EventBridgeClient,
      SecretsManagerClient,
    ]) {
      const send = client.prototype.send as (...args: unknown[]) => Promise<unknown>;
      Object.defineProperty(client.prototype, 'send', {
        configurable: true,
        writable: true,
        value(this: { middlewareStack: Stack }, ...args: unknown[]) {
          instrument(this.middlewareStack);
          return send.apply(this, args);
        },
      });
    }
  }
  const recorder = {
    calls: [] as RecordedCall[],
    aws: new FakeAws(secrets, where.account, where.region),
  };
  active = recorder;
  return { ...recorder, as: (fn, work) => current.run(fn, work) };
}
