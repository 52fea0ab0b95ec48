/**
 * The synthesized template with every CloudFormation intrinsic resolved to the concrete value it
 * would have in one fake account and region, so that the ARNs, URLs and names the functions are
 * handed (their environment) and the ARNs their policies name can be compared with the calls they
 * make. Physical names CloudFormation would generate are the logical ids here.
 */
import type { IntegrationStack } from '#lib/integration-stack.ts';

/** CloudFormation properties and SDK inputs, read structurally. */
// biome-ignore lint/suspicious/noExplicitAny: the rehearsal reads template and SDK JSON structurally
export type Json = Record<string, any>;

/** A resource of the template. */
interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** The resolved template: each resource's properties with no intrinsic left. */
export interface ResolvedTemplate {
  readonly account: string;
  readonly region: string;
  readonly resources: Readonly<Record<string, { Type: string; Properties: Json }>>;
  /** The value `Ref` gives for a resource. */
  ref(logicalId: string): string;
  /** The value `Fn::GetAtt` gives. */
  getAtt(logicalId: string, attribute: string): string;
}

const PARTITION = 'aws';

/** What the rehearsal reads: functions, roles, policies, keys, queues, tables, event sources. */
const READ_TYPES = new Set([
  'AWS::Lambda::Function',
  'AWS::Lambda::EventSourceMapping',
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::KMS::Key',
  'AWS::SQS::Queue',
  'AWS::SQS::QueuePolicy',
  'AWS::DynamoDB::GlobalTable',
]);

/**
 * Resolves `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select` and `Fn::Split` (the ones
 * this stack's template uses) in the properties of every resource the rehearsal reads. An intrinsic or a resource type it
 * does not know fails loudly, so a new one is added here rather than silently compared as text.
 *
 * @param stack - the synthesized stack (its account and region are the fake ones)
 * @param template - `Template.fromStack(stack).toJSON()`
 */
export function resolveTemplate(
  stack: IntegrationStack,
  template: { Resources: Record<string, CfnResource> },
): ResolvedTemplate {
  const account = stack.account;
  const region = stack.region;
  const raw = template.Resources;
  const pseudo: Record<string, string> = {
    'AWS::AccountId': account,
    'AWS::Region': region,
    'AWS::Partition': PARTITION,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': stack.stackName,
  };
  const prop = (id: string, name: string): string | undefined => {
    const value = raw[id]?.Properties?.[name];
    return value === undefined ? undefined : String(resolve(value));
  };
  const queueName = (id: string) =>
    prop(id, 'QueueName') ?? `${id}${raw[id]?.Properties?.FifoQueue ? '.fifo' : ''}`;
  const arnOf: Record<string, (id: string) => string> = {
    'AWS::DynamoDB::GlobalTable': (id) =>
      `arn:${PARTITION}:dynamodb:${region}:${account}:table/${ref(id)}`,
    'AWS::SQS::Queue': (id) => `arn:${PARTITION}:sqs:${region}:${account}:${queueName(id)}`,
    'AWS::KMS::Key': (id) => `arn:${PARTITION}:kms:${region}:${account}:key/${ref(id)}`,
    'AWS::IAM::Role': (id) => `arn:${PARTITION}:iam::${account}:role/${ref(id)}`,
    'AWS::Events::EventBus': (id) =>
      `arn:${PARTITION}:events:${region}:${account}:event-bus/${ref(id)}`,
    'AWS::Scheduler::ScheduleGroup': (id) =>
      `arn:${PARTITION}:scheduler:${region}:${account}:schedule-group/${ref(id)}`,
    'AWS::Logs::LogGroup': (id) =>
      `arn:${PARTITION}:logs:${region}:${account}:log-group:${ref(id)}:*`,
    'AWS::Lambda::Function': (id) =>
      `arn:${PARTITION}:lambda:${region}:${account}:function:${ref(id)}`,
    'AWS::SNS::Topic': (id) => `arn:${PARTITION}:sns:${region}:${account}:${id}`,
  };
  const refOf: Record<string, (id: string) => string> = {
    'AWS::DynamoDB::GlobalTable': (id) => prop(id, 'TableName') ?? id,
    'AWS::SQS::Queue': (id) => `https://sqs.${region}.amazonaws.com/${account}/${queueName(id)}`,
    // A key id is a UUID; the logical id, lower-cased, keeps it readable in a failure.
    'AWS::KMS::Key': (id) => id.toLowerCase(),
    'AWS::SecretsManager::Secret': (id) =>
      `arn:${PARTITION}:secretsmanager:${region}:${account}:secret:${id}-AbCdEf`,
    'AWS::Events::EventBus': (id) => prop(id, 'Name') ?? id,
    'AWS::Scheduler::ScheduleGroup': (id) => prop(id, 'Name') ?? id,
    'AWS::Logs::LogGroup': (id) => prop(id, 'LogGroupName') ?? id,
    'AWS::SNS::Topic': (id) => arnOf['AWS::SNS::Topic']?.(id) ?? id,
    'AWS::ApiGatewayV2::Api': (id) => id.toLowerCase().slice(0, 10),
  };
  function ref(id: string): string {
    if (id in pseudo) return pseudo[id] as string;
    const type = raw[id]?.Type;
    if (!type) throw new Error(`Ref to ${id}: no such resource`);
    return refOf[type]?.(id) ?? id;
  }
  function getAtt(id: string, attribute: string): string {
    const type = raw[id]?.Type ?? '';
    if (attribute === 'Arn' && arnOf[type]) return arnOf[type](id);
    if (type === 'AWS::DynamoDB::GlobalTable' && attribute === 'StreamArn') {
      return `${arnOf[type]?.(id)}/stream/2026-01-01T00:00:00.000`;
    }
    if (type === 'AWS::SQS::Queue' && attribute === 'QueueName') return queueName(id);
    if (type === 'AWS::SQS::Queue' && attribute === 'QueueUrl') return ref(id);
    if (type === 'AWS::ApiGatewayV2::Api' && attribute === 'ApiEndpoint') {
      return `https://${ref(id)}.execute-api.${region}.amazonaws.com`;
    }
    if (type === 'AWS::CloudFront::Distribution' && attribute === 'DomainName') {
      return `${id.toLowerCase().slice(0, 14)}.cloudfront.net`;
    }
    throw new Error(`Fn::GetAtt ${id}.${attribute} (${type}): not known to the rehearsal`);
  }
  function resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [key, arg] = entries[0] ?? [];
    if (entries.length === 1 && (key === 'Ref' || key?.startsWith('Fn::'))) {
      return intrinsic(key, arg);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
  }
  function intrinsic(name: string, arg: Json[string]): unknown {
    switch (name) {
      case 'Ref':
        return ref(arg);
      case 'Fn::GetAtt':
        return getAtt(arg[0], arg[1]);
      case 'Fn::Join':
        return (resolve(arg[1]) as unknown[]).join(arg[0]);
      case 'Fn::Select':
        return (resolve(arg[1]) as unknown[])[Number(resolve(arg[0]))];
      case 'Fn::Split':
        return String(resolve(arg[1])).split(arg[0]);
      case 'Fn::Sub': {
        const [text, vars] = typeof arg === 'string' ? [arg, {}] : arg;
        return text.replace(/\$\{([^}]+)\}/g, (_: string, v: string) => {
          if (vars[v] !== undefined) return String(resolve(vars[v]));
          const [id, attribute] = v.split('.');
          return attribute ? getAtt(id as string, attribute) : ref(id as string);
        });
      }
      default:
        throw new Error(`${name}: not known to the rehearsal`);
    }
  }
  const resources = Object.fromEntries(
    Object.entries(raw)
      .filter(([, r]) => READ_TYPES.has(r.Type))
      .map(([id, r]) => [id, { Type: r.Type, Properties: resolve(r.Properties ?? {}) as Json }]),
  );
  return { account, region, resources, ref, getAtt };
}
