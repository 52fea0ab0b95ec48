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
 * run's DynamoDB store.
 */
function startLocal(args: string[]): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts', ...args], {
    cwd: root,
    env: { ...process.env, PORT: '', AWS_ENDPOINT_URL_DYNAMODB: '', [STORE_ENV]: store },
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
