import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type FunctionName, functionEntries } from '#lib/functions.ts';

/** What `cdk synth` reads: a change to any of these makes a new assembly. */
const INPUTS = [
  'bin',
  'lib',
  'functions',
  'shared',
  'package-lock.json',
  'cdk.json',
  'tsconfig.json',
];
/** Where assemblies are kept between runs, one per hash of {@link INPUTS}. */
const CACHE = resolve('node_modules/.cache/cdk-assemblies');
/** The account `bin/app.ts` synthesizes for when none is given. */
export const ACCOUNT = '123456789012';
/** The region `bin/app.ts` synthesizes for when none is given. */
export const REGION = 'us-east-1';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A resource of the synthesized template. */
interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
  readonly Metadata?: Record<string, Json>;
}

/** One function of the stack as `cdk synth` built it. */
export interface DeployedFunction {
  readonly name: FunctionName;
  /** The bundle Lambda loads (`index.mjs`, with its source map beside it). */
  readonly bundle: string;
  /** Its environment as the template sets it, every reference resolved (see {@link resolveValue}). */
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly runtime: string;
  readonly handler: string;
  /** The queue its event source mapping reads, for a queue worker. */
  readonly queue?: {
    readonly arn: string;
    readonly url: string;
    readonly batchSize: number;
    readonly functionResponseTypes: readonly string[];
  };
}

/** The synthesized stack: its template and its functions. */
export interface Assembly {
  readonly dir: string;
  readonly resources: Record<string, Resource>;
  readonly functions: Record<FunctionName, DeployedFunction>;
  /**
   * The headers CloudFront adds to every request it forwards to the API (its origin's custom
   * headers, resolved as the functions' environment is, so a secret reads the same on both sides).
   */
  readonly edgeHeaders: Record<string, string>;
  /** A resource's value as `Ref` or `Fn::GetAtt` would give it once deployed. */
  resolve(value: Json): string;
}

function hashInputs(): string {
  const hash = createHash('sha256');
  const walk = (path: string): void => {
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path).sort()) walk(join(path, entry));
    } else {
      hash.update(relative('.', path)).update('\0').update(readFileSync(path));
    }
  };
  for (const input of INPUTS) walk(input);
  return hash.digest('hex').slice(0, 16);
}

/**
 * The cloud assembly exactly as `npm run synth` makes it (bundling, cdk-nag and the Guard
 * validation included), synthesized once per change of the code and kept under
 * `node_modules/.cache/cdk-assemblies/`; older assemblies are removed.
 *
 * @param queueEndpoint - the endpoint that answers for SQS in the tests: queue URLs name it as
 *   their host, since the SQS client sends each call to the host of its queue URL
 */
export async function synthesizedAssembly(queueEndpoint: string): Promise<Assembly> {
  const dir = join(CACHE, hashInputs());
  if (!existsSync(join(dir, 'manifest.json'))) {
    const building = `${dir}.building-${process.pid}`;
    await promisify(execFile)('npm', ['run', 'synth', '--', '--output', building], {
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
      maxBuffer: 64 * 1024 * 1024,
    });
    for (const old of readdirSync(CACHE).filter((d) => !d.includes('.building-'))) {
      rmSync(join(CACHE, old), { recursive: true, force: true });
    }
    renameSync(building, dir);
  }
  return readAssembly(dir, queueEndpoint);
}

function readAssembly(dir: string, queueEndpoint: string): Assembly {
  // The integration stack, not its us-east-1 companion with the web ACL.
  const stackFile = readdirSync(dir).find(
    (f) => f.endsWith('.template.json') && !f.endsWith('-edge.template.json'),
  );
  if (!stackFile) throw new Error(`No template in ${dir}`);
  const template = JSON.parse(readFileSync(join(dir, stackFile), 'utf8')) as {
    Resources: Record<string, Resource>;
  };
  const resources = template.Resources;
  const resolver = (value: Json) => resolveValue({ resources, queueEndpoint }, value);
  const byPath = new Map(
    Object.entries(resources).map(([id, r]) => [String(r.Metadata?.['aws:cdk:path'] ?? ''), id]),
  );
  const stackName = stackFile.replace(/\.template\.json$/, '');
  const mappings = Object.values(resources).filter(
    (r) => r.Type === 'AWS::Lambda::EventSourceMapping',
  );
  const queueOf = (functionId: string): DeployedFunction['queue'] => {
    // The queue it consumes (a table stream's mapping is not one).
    const mapping = mappings.find((m) => {
      const target = m.Properties?.FunctionName as { Ref?: string } | undefined;
      const source = m.Properties?.EventSourceArn as { 'Fn::GetAtt'?: [string, string] };
      const sourceType = resources[source['Fn::GetAtt']?.[0] ?? '']?.Type;
      return target?.Ref === functionId && sourceType === 'AWS::SQS::Queue';
    });
    const p = mapping?.Properties as
      | {
          EventSourceArn: { 'Fn::GetAtt': [string, string] };
          BatchSize?: number;
          FunctionResponseTypes?: string[];
        }
      | undefined;
    if (!p) return undefined;
    return {
      arn: resolver(p.EventSourceArn),
      url: resolver({ Ref: p.EventSourceArn['Fn::GetAtt'][0] }),
      batchSize: p.BatchSize ?? 10,
      functionResponseTypes: p.FunctionResponseTypes ?? [],
    };
  };
  const functions = Object.fromEntries(
    functionEntries().map(([name]) => {
      const pascal = name.replace(/(^|-)(\w)/g, (_, _dash, c: string) => c.toUpperCase());
      const id = byPath.get(`${stackName}/${pascal}/Resource`);
      const fn = id ? resources[id] : undefined;
      if (!fn?.Properties) throw new Error(`No function ${pascal} in the template`);
      const p = fn.Properties as Record<string, Json> & {
        Environment: { Variables: Record<string, Json> };
      };
      const variables = Object.entries(p.Environment.Variables).map(([k, v]) => [k, resolver(v)]);
      const deployed: DeployedFunction = {
        name,
        bundle: join(dir, String(fn.Metadata?.['aws:asset:path']), 'index.mjs'),
        environment: Object.fromEntries(variables),
        timeoutSeconds: Number(p.Timeout ?? 3),
        memoryMb: Number(p.MemorySize ?? 128),
        runtime: String(p.Runtime),
        handler: String(p.Handler),
        ...(id && queueOf(id) ? { queue: queueOf(id) } : {}),
      };
      return [name, deployed];
    }),
  ) as Record<FunctionName, DeployedFunction>;
  const distribution = Object.values(resources).find(
    (r) => r.Type === 'AWS::CloudFront::Distribution',
  )?.Properties as
    | { DistributionConfig: { Origins: { OriginCustomHeaders?: Record<string, Json>[] }[] } }
    | undefined;
  const edgeHeaders = Object.fromEntries(
    (distribution?.DistributionConfig.Origins[0]?.OriginCustomHeaders ?? []).map((h) => [
      String(h.HeaderName),
      resolver(h.HeaderValue as Json),
    ]),
  );
  return { dir, resources, functions, edgeHeaders, resolve: resolver };
}

/** The deployed name of a resource: its own name property, else a name made from its id. */
function physicalName(id: string, r: Resource): string {
  const p = r.Properties ?? {};
  const named = p.TableName ?? p.QueueName ?? p.Name ?? p.FunctionName ?? p.RoleName;
  if (typeof named === 'string') return named;
  return r.Type === 'AWS::SQS::Queue' && p.FifoQueue === true ? `${id}.fifo` : id;
}

/**
 * What CloudFormation would put in place of a reference, for the resource types the functions'
 * environments name: names, ARNs (in {@link ACCOUNT} and {@link REGION}) and URLs. Queue URLs
 * are the one exception: the tests point them at their own endpoint (see
 * `test/support/aws-recorder.ts`), since the SQS client sends to the host of the queue URL.
 */
function resolveValue(template: Template, value: Json): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (value === null || Array.isArray(value)) throw new Error('Unsupported template value');
  const [[fn, arg] = []] = Object.entries(value);
  if (fn === 'Fn::Join' && Array.isArray(arg)) {
    const [separator, parts] = arg as [string, Json[]];
    return parts.map((part) => resolveValue(template, part)).join(separator);
  }
  if (fn === 'Ref' && typeof arg === 'string') {
    const pseudo: Record<string, string> = {
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
    };
    return pseudo[arg] ?? attribute(template, arg, 'Ref');
  }
  if (fn === 'Fn::GetAtt' && Array.isArray(arg)) {
    return attribute(template, String(arg[0]), String(arg[1]));
  }
  throw new Error(`Unsupported intrinsic ${fn}`);
}

/** The template's resources, and the endpoint queue URLs name. */
interface Template {
  readonly resources: Record<string, Resource>;
  readonly queueEndpoint: string;
}

function attribute(template: Template, id: string, attr: string): string {
  const r = template.resources[id];
  if (!r) throw new Error(`No resource ${id}`);
  const name = physicalName(id, r);
  const arn = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;
  const byType: Record<string, Record<string, string>> = {
    'AWS::DynamoDB::GlobalTable': { Ref: name, Arn: arn('dynamodb', `table/${name}`) },
    'AWS::SQS::Queue': {
      Ref: `${template.queueEndpoint}/${ACCOUNT}/${name}`,
      Arn: arn('sqs', name),
      QueueName: name,
    },
    'AWS::KMS::Key': { Ref: `key-${id}`, Arn: arn('kms', `key/key-${id}`) },
    'AWS::SecretsManager::Secret': { Ref: arn('secretsmanager', `secret:${name}-AbCdEf`) },
    'AWS::Events::EventBus': { Ref: name, Arn: arn('events', `event-bus/${name}`), Name: name },
    'AWS::IAM::Role': { Ref: name, Arn: `arn:aws:iam::${ACCOUNT}:role/${name}` },
    'AWS::Scheduler::ScheduleGroup': { Ref: name, Arn: arn('scheduler', `schedule-group/${name}`) },
    'AWS::CloudFront::Distribution': { DomainName: 'd111111abcdef8.cloudfront.net' },
    'AWS::ApiGatewayV2::Api': {
      Ref: 'a1b2c3d4e5',
      ApiEndpoint: `https://a1b2c3d4e5.execute-api.${REGION}.amazonaws.com`,
    },
  };
  const value = byType[r.Type]?.[attr];
  if (value === undefined) throw new Error(`Unsupported ${attr} of ${r.Type} (${id})`);
  return value;
}
