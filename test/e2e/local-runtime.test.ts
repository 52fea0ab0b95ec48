import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { STORE_ENV, STORE_LABEL } from '#local/dynamodb-store.ts';

const root = new URL('../..', import.meta.url).pathname;

interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  readonly output: () => string;
}

const store = inject('dynamoStore');

/**
 * Runs `bin/local.ts` (what `npm start` runs) as a child process, as a developer would, on the
 * run's DynamoDB store unless `env` says otherwise.
 */
function startLocal(args: string[], env: NodeJS.ProcessEnv = { [STORE_ENV]: store }): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts', ...args], {
    cwd: root,
    env: { ...process.env, PORT: '', AWS_ENDPOINT_URL_DYNAMODB: '', [STORE_ENV]: '', ...env },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  return { child, output: () => output };
}

async function waitFor(started: Started, pattern: RegExp, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = pattern.exec(started.output());
    if (match) return match;
    if (started.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${pattern} in output:\n${started.output()}`);
}

const exited = (child: ChildProcessWithoutNullStreams) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

let local: Started;
let apiUrl: string;
let dynamoUrl: string;

beforeAll(async () => {
  local = startLocal(['--in-memory', '--port', '0']);
  apiUrl = (await waitFor(local, /API:\s+(http:\/\/\S+)/))[1] as string;
  dynamoUrl = (await waitFor(local, /DynamoDB:\s+(http:\/\/\S+)/))[1] as string;
}, 90_000);

afterAll(() => {
  if (local.child.exitCode === null) local.child.kill('SIGKILL');
});

describe('npm start (local runtime as a child process)', () => {
  it('answers GET /health', async () => {
    const res = await fetch(`${apiUrl}/health`);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('mints a development token and serves the tenant connection status with it', async () => {
    const minted = await fetch(`${apiUrl}/_local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: 'e2e-tenant' }),
    });
    const { token } = (await minted.json()) as { token: string };
    const res = await fetch(`${apiUrl}/integrations/quickbooks`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'disconnected' });
  });

  it('says which DynamoDB it runs on and why', () => {
    expect(local.output()).toContain(
      `Store:     ${STORE_LABEL[store]}, because ${STORE_ENV}=${store} asks for it`,
    );
  });

  it('says clearly that the port is busy when a second instance is started on it', async () => {
    const port = new URL(apiUrl).port;
    const second = startLocal(['--in-memory', '--port', port]);
    expect(await exited(second.child)).toBe(1);
    expect(second.output()).toContain(`Port ${port} is already in use`);
    expect(second.output()).not.toMatch(/\n\s+at /);
  });

  it('stops everything on Ctrl-C, the DynamoDB store included', async () => {
    local.child.kill('SIGINT');
    expect(await exited(local.child)).toBe(0);
    await expect(fetch(dynamoUrl)).rejects.toThrow();
  });
});

/** A machine with Node but no Java: nothing on PATH at all (node itself is started by its path). */
const NO_JAVA = { PATH: '' };

describe('npm start on a machine without Java', () => {
  it('runs on the embedded store and says why', async () => {
    const started = startLocal(['--in-memory', '--port', '0'], NO_JAVA);
    try {
      const url = (await waitFor(started, /API:\s+(http:\/\/\S+)/))[1] as string;
      expect(started.output()).toContain(
        `Store:     ${STORE_LABEL.embedded}, because there is no Java on PATH and DynamoDB Local needs Java 17+`,
      );
      expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
    } finally {
      started.child.kill('SIGINT');
      await exited(started.child);
    }
  });

  it('says what to do, in one message and no stack trace, when asked for DynamoDB Local', async () => {
    const started = startLocal(['--in-memory', '--port', '0', '--dynamodb=local'], NO_JAVA);
    expect(await exited(started.child)).toBe(1);
    expect(started.output()).toContain('DynamoDB Local needs Java 17 or newer');
    expect(started.output()).toContain('npm start -- --dynamodb=embedded');
    expect(started.output()).not.toMatch(/\n\s+at /);
  });

  it('refuses a store that does not exist, naming the option', async () => {
    const started = startLocal(['--in-memory', '--port', '0', '--dynamodb=dynamo']);
    expect(await exited(started.child)).toBe(1);
    expect(started.output()).toContain('--dynamodb must be "local" or "embedded", not "dynamo"');
    expect(started.output()).not.toMatch(/\n\s+at /);
  });
});
