/**
 * What each function's recorded AWS calls ask IAM for, and what IAM would answer: every call
 * becomes an authorization request (action, resource, condition context, including the
 * encryption context of a KMS call), together with the requests AWS services make with the
 * function's role on its behalf (SQS and DynamoDB using their KMS keys, Scheduler being passed a
 * role, the Lambda service polling a queue and writing logs and traces); each is evaluated with
 * `@cloud-copilot/iam-simulate` against the function's role policies and the resource's policy
 * (a KMS key policy, an SQS queue policy) in the resolved template.
 */
import { createValidatedPolicy, validateResourcePolicy } from '@cloud-copilot/iam-policy';
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { RecordedCall } from './aws-calls.ts';
import type { Json, ResolvedTemplate } from './template.ts';

/** One function as deployed: its role, what its role may do, its environment and triggers. */
export interface DeployedFunction {
  readonly name: string;
  readonly physicalName: string;
  readonly roleArn: string;
  /** The role's policies (inline and attached `AWS::IAM::Policy` resources). */
  readonly policies: { name: string; document: PolicyDocument }[];
  readonly environment: Record<string, string>;
  /** The log group it writes to. */
  readonly logGroup: string;
  readonly activeTracing: boolean;
  /** ARNs of the queues and table streams its event source mappings poll. */
  readonly polls: string[];
}

/** An IAM policy document, as the template holds it. */
export interface PolicyDocument {
  Version?: string;
  Statement: Statement[];
}

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** An authorization request a function's role is put to. */
export interface PermissionRequest {
  readonly fn: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string | string[]>;
  /** Why it is asked: the SDK command, or which service asks on the function's behalf. */
  readonly because: string;
}

/** A request IAM would refuse. */
export interface Denial extends PermissionRequest {
  readonly result: string;
}

/** A grant of a function's role that no request used. */
export interface UnusedGrant {
  readonly fn: string;
  readonly action: string;
  readonly resource: string;
  /** Whether another action of the same statement was needed. */
  readonly statementUsed: boolean;
}

/** The functions, their resource policies and keys, read from the resolved template. */
export interface DeployedStack {
  readonly template: ResolvedTemplate;
  readonly functions: Record<string, DeployedFunction>;
}

/**
 * Reads each function's role, policies, environment, log group and event sources from the
 * resolved template.
 *
 * @param template - the resolved template
 * @param functionIds - each function's logical id, by its name
 */
export function deployedFunctions(
  template: ResolvedTemplate,
  functionIds: Record<string, string>,
): Record<string, DeployedFunction> {
  const resources = Object.entries(template.resources);
  return Object.fromEntries(
    Object.entries(functionIds).map(([name, id]) => {
      const props = template.resources[id]?.Properties ?? {};
      const roleArn = String(props.Role);
      const roleName = roleArn.split('/').at(-1) as string;
      const role = template.resources[roleName]?.Properties ?? {};
      if (role.ManagedPolicyArns?.length) {
        throw new Error(`${name}: managed policies are not evaluated by the rehearsal`);
      }
      const policies = [
        ...(role.Policies ?? []).map((p: Json) => ({
          name: p.PolicyName,
          document: p.PolicyDocument,
        })),
        ...resources
          .filter(
            ([, r]) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles?.includes(roleName),
          )
          .map(([policyId, r]) => ({ name: policyId, document: r.Properties.PolicyDocument })),
      ];
      const polls = resources
        .filter(
          ([, r]) =>
            r.Type === 'AWS::Lambda::EventSourceMapping' && r.Properties.FunctionName === id,
        )
        .map(([, r]) => String(r.Properties.EventSourceArn));
      const fn: DeployedFunction = {
        name,
        physicalName: id,
        roleArn,
        policies,
        environment: props.Environment?.Variables ?? {},
        logGroup: String(props.LoggingConfig?.LogGroup),
        activeTracing: props.TracingConfig?.Mode === 'Active',
        polls,
      };
      return [name, fn];
    }),
  );
}

/** A queue's ARN from its URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
export function queueArn(template: ResolvedTemplate, url: string): string {
  const [account, name] = new URL(url).pathname.split('/').filter(Boolean);
  return `arn:aws:sqs:${template.region}:${account}:${name}`;
}

function resourceOfType(template: ResolvedTemplate, type: string, arn: string) {
  return Object.entries(template.resources).find(
    ([id, r]) => r.Type === type && template.getAtt(id, 'Arn') === arn,
  );
}

/** The KMS key a queue or table is encrypted with, if a customer-managed one. */
function keyOf(template: ResolvedTemplate, type: string, arn: string): string | undefined {
  const [, resource] = resourceOfType(template, type, arn) ?? [];
  const props = resource?.Properties ?? {};
  if (type === 'AWS::SQS::Queue') return props.KmsMasterKeyId;
  return props.Replicas?.[0]?.SSESpecification?.KMSMasterKeyId;
}

/** The IAM action of each kind of TransactWriteItems action (DynamoDB's API permissions reference). */
const TRANSACT_ACTIONS: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
};

/** The partition key value a single-item request names (`pk`, marshalled or not), if any. */
function leadingKey(item: Json | undefined): string | undefined {
  const value = item?.Key?.pk ?? item?.Item?.pk;
  return typeof value === 'string' ? value : value?.S;
}

/** Encryption-context condition keys of a KMS call, as KMS sets them. */
function encryptionContext(context: Record<string, string> | undefined) {
  const entries = Object.entries(context ?? {});
  return {
    ...Object.fromEntries(entries.map(([k, v]) => [`kms:EncryptionContext:${k}`, v])),
    ...(entries.length ? { 'kms:EncryptionContextKeys': entries.map(([k]) => k) } : {}),
  };
}

/**
 * The authorization requests behind one recorded SDK command: the command's own, and those the
 * service makes with the caller's permissions.
 *
 * Sources: SQS SSE-KMS (producers need `kms:GenerateDataKey` and `kms:Decrypt` on the queue's
 * key; https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html),
 * DynamoDB with a customer managed key (the caller needs `kms:Decrypt` on the table's key;
 * https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html), Scheduler's
 * target role (`iam:PassRole`;
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html).
 */
function requestsOfCall(template: ResolvedTemplate, call: RecordedCall): PermissionRequest[] {
  const { region, account } = template;
  const { fn, service, operation, input } = call;
  const because = `${service}:${operation}`;
  const own = (resource: string, context: Record<string, string | string[]> = {}) => ({
    fn,
    action: because,
    resource,
    context,
    because,
  });
  const viaKey = (key: string | undefined, actions: string[], via: string, context = {}) =>
    key
      ? actions.map((action) => ({
          fn,
          action,
          resource: key,
          context: { 'kms:ViaService': `${via}.${region}.amazonaws.com`, ...context },
          because: `${because} (${via} uses the key for the caller)`,
        }))
      : [];
  switch (service) {
    case 'dynamodb': {
      // A transaction is authorized action by action, as the single operations it is made of.
      const parts: { action: string; table: string; index?: string; item?: Json }[] =
        input.TransactItems
          ? input.TransactItems.map((item: Json) => {
              const [kind, action] = Object.entries(item)[0] as [string, Json];
              return {
                action: `dynamodb:${TRANSACT_ACTIONS[kind]}`,
                table: action.TableName,
                item: action,
              };
            })
          : input.RequestItems
            ? Object.keys(input.RequestItems).map((table) => ({ action: because, table }))
            : [{ action: because, table: input.TableName, index: input.IndexName, item: input }];
      return parts.flatMap(({ action, table, index, item }) => {
        const tableArn = `arn:aws:dynamodb:${region}:${account}:table/${table}`;
        const leading = index ? undefined : leadingKey(item);
        return [
          {
            ...own(index ? `${tableArn}/index/${index}` : tableArn),
            action,
            // DynamoDB's condition key for the item's partition key (single-item operations).
            context: leading
              ? ({ 'dynamodb:LeadingKeys': [leading] } as Record<string, string[]>)
              : {},
          },
          ...viaKey(
            keyOf(template, 'AWS::DynamoDB::GlobalTable', tableArn),
            ['kms:Decrypt'],
            'dynamodb',
          ),
        ];
      });
    }
    case 'sqs': {
      const arn = queueArn(template, input.QueueUrl);
      const sqsKey = operation === 'SendMessage' ? ['kms:GenerateDataKey', 'kms:Decrypt'] : [];
      return [
        own(arn),
        ...viaKey(keyOf(template, 'AWS::SQS::Queue', arn), sqsKey, 'sqs', {
          'kms:EncryptionContext:aws:sqs:arn': arn,
          'kms:EncryptionContextKeys': ['aws:sqs:arn'],
        }),
      ];
    }
    case 'kms':
      return [own(input.KeyId, encryptionContext(input.EncryptionContext))];
    case 'scheduler': {
      const schedule = `arn:aws:scheduler:${region}:${account}:schedule/${input.GroupName ?? 'default'}/${input.Name}`;
      const passRole = input.Target?.RoleArn
        ? [
            {
              fn,
              action: 'iam:PassRole',
              resource: input.Target.RoleArn,
              context: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
              because: `${because} (the schedule's target role)`,
            },
          ]
        : [];
      return [own(schedule), ...passRole];
    }
    case 'events':
      return (input.Entries as { EventBusName?: string }[]).map(({ EventBusName = 'default' }) =>
        own(
          EventBusName.startsWith('arn:')
            ? EventBusName
            : `arn:aws:events:${region}:${account}:event-bus/${EventBusName}`,
        ),
      );
    case 'secretsmanager':
      return [own(input.SecretId)];
    default:
      throw new Error(`${fn}: ${because} is not known to the rehearsal`);
  }
}

/**
 * What the Lambda service does with a function's role whatever the code does: write its logs
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html), send traces
 * when tracing is active (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html), poll
 * its queues, decrypting their messages
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-permissions), and read
 * its table streams (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html#events-dynamodb-permissions:
 * `DescribeStream`, `GetRecords`, `GetShardIterator` on the stream its mapping names; it lists no
 * streams), decrypting their records with the table's key.
 */
function platformRequests(template: ResolvedTemplate, fn: DeployedFunction): PermissionRequest[] {
  const { region, account } = template;
  const name = fn.name;
  const stream = `arn:aws:logs:${region}:${account}:log-group:${fn.logGroup}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`;
  const of = (action: string, resource: string, because: string, context = {}) => ({
    fn: name,
    action,
    resource,
    context,
    because,
  });
  return [
    of('logs:CreateLogStream', stream, 'Lambda writes the function’s logs'),
    of('logs:PutLogEvents', stream, 'Lambda writes the function’s logs'),
    ...(fn.activeTracing
      ? ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'].map((a) =>
          of(a, '*', 'Lambda sends the function’s traces'),
        )
      : []),
    ...fn.polls.flatMap((source) => {
      const [table, isStream] = source.split('/stream/');
      if (!isStream) return [];
      const reader = 'the Lambda event source mapping reads the table stream';
      const key = keyOf(template, 'AWS::DynamoDB::GlobalTable', table as string);
      return [
        ...['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'].map(
          (a) => of(a, source, reader),
        ),
        ...(key
          ? [
              of('kms:Decrypt', key, reader, {
                'kms:ViaService': `dynamodb.${region}.amazonaws.com`,
              }),
            ]
          : []),
      ];
    }),
    ...fn.polls.flatMap((queue) => {
      if (queue.includes('/stream/')) return [];
      const key = keyOf(template, 'AWS::SQS::Queue', queue);
      const poller = 'the Lambda event source mapping polls the queue';
      return [
        ...['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'].map((a) =>
          of(a, queue, poller),
        ),
        ...(key
          ? [
              of('kms:Decrypt', key, poller, {
                'kms:ViaService': `sqs.${region}.amazonaws.com`,
                'kms:EncryptionContext:aws:sqs:arn': queue,
                'kms:EncryptionContextKeys': ['aws:sqs:arn'],
              }),
            ]
          : []),
      ];
    }),
  ];
}

/**
 * Every authorization request of the rehearsal, one of each (a call repeated with the same
 * action, resource and context is asked once).
 *
 * @param stack - the functions and the resolved template
 * @param calls - the recorded calls
 */
export function permissionRequests(
  stack: DeployedStack,
  calls: readonly RecordedCall[],
): PermissionRequest[] {
  const all = [
    ...Object.values(stack.functions).flatMap((fn) => platformRequests(stack.template, fn)),
    ...calls.flatMap((call) => requestsOfCall(stack.template, call)),
  ];
  const seen = new Map<string, PermissionRequest>();
  for (const r of all) {
    const key = JSON.stringify([r.fn, r.action, r.resource, r.context]);
    if (!seen.has(key)) seen.set(key, r);
  }
  return [...seen.values()];
}

/** The resource policy that also decides a request: the key's policy, the queue's policy. */
function resourcePolicy(template: ResolvedTemplate, request: PermissionRequest) {
  const { resources } = template;
  if (request.action.startsWith('kms:')) {
    const found = resourceOfType(template, 'AWS::KMS::Key', request.resource);
    if (!found) throw new Error(`${request.fn}: ${request.resource} is not a key of the stack`);
    return found[1].Properties.KeyPolicy;
  }
  if (request.action.startsWith('sqs:')) {
    const policies = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::SQS::QueuePolicy' &&
        r.Properties.Queues.some((url: string) => queueArn(template, url) === request.resource),
    );
    if (policies.length > 1) throw new Error(`${request.resource}: more than one queue policy`);
    return policies[0]?.Properties.PolicyDocument;
  }
  return undefined;
}

/**
 * Evaluates every request against the function's role policies and the resource's policy.
 * `iam-simulate` checks the action, the resource's ARN format and the policies; it does not take
 * `kms:EncryptionContext:<key>` condition keys (its context-key check knows variable keys after
 * a `/` only, and drops them, reporting them as ignored): a request that carries them is decided
 * by its unchecked evaluator with the full context, once the checked one found nothing wrong.
 *
 * @returns the requests IAM would refuse
 */
export async function evaluate(
  stack: DeployedStack,
  requests: readonly PermissionRequest[],
): Promise<Denial[]> {
  const denials: Denial[] = [];
  for (const request of requests) {
    const fn = stack.functions[request.fn];
    if (!fn) throw new Error(`${request.fn}: not a function of the stack`);
    const policy = resourcePolicy(stack.template, request);
    const roleName = fn.roleArn.split('/').at(-1);
    const simulation: Simulation = {
      request: {
        principal: `arn:aws:sts::${stack.template.account}:assumed-role/${roleName}/${fn.physicalName}`,
        action: request.action,
        resource: { resource: request.resource, accountId: stack.template.account },
        contextVariables: {
          'aws:PrincipalArn': fn.roleArn,
          'aws:PrincipalAccount': stack.template.account,
          'aws:SecureTransport': 'true',
          ...request.context,
        },
      },
      identityPolicies: fn.policies.map((p) => ({ name: p.name, policy: p.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(policy
        ? {
            resourcePolicy: createValidatedPolicy(policy, validateResourcePolicy, {
              name: 'resource policy',
            }),
          }
        : {}),
    };
    const checked = await runSimulation(simulation, {});
    if (checked.resultType === 'error') {
      throw new Error(
        `${request.fn}: ${request.action} on ${request.resource} cannot be evaluated: ${JSON.stringify(checked.errors)}`,
      );
    }
    const ignored = checked.resultType === 'single' ? checked.result.ignoredContextKeys : [];
    const result = ignored?.length ? runUnsafeSimulation(simulation, {}) : checked.overallResult;
    if (result !== 'Allowed') denials.push({ ...request, result });
  }
  return denials;
}

function matches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

/**
 * The grants of each function's role that no request needed: each action of an Allow statement
 * on each of its resources, unless a request of that function matched both. `statementUsed` says
 * whether some other action of the same statement was needed (the statement is one of
 * aws-cdk-lib's grant bundles, of which the code uses a part) or none was (the whole statement is
 * surplus).
 */
export function unusedGrants(
  stack: DeployedStack,
  requests: readonly PermissionRequest[],
): UnusedGrant[] {
  return Object.values(stack.functions).flatMap((fn) => {
    const own = requests.filter((r) => r.fn === fn.name);
    const used = (action: string, resource: string) =>
      own.some((r) => matches(action, r.action, true) && matches(resource, r.resource, false));
    return fn.policies.flatMap(({ document }) =>
      document.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => {
        const actions = [s.Action].flat();
        const resources = [s.Resource].flat();
        const statementUsed = actions.some((a) => resources.some((r) => used(a, r)));
        return actions.flatMap((action) =>
          resources
            .filter((resource) => !used(action, resource))
            .map((resource) => ({ fn: fn.name, action, resource, statementUsed })),
        );
      }),
    );
  });
}
