import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { STORE_ENV, STORE_LABEL } from '#local/dynamodb-store.ts';
import { resultOf } from '../support/local-stack.ts';
import { exited, type NpmStart, startNpmStart, waitForOutput } from '../support/npm-start.ts';

const root = new URL('../..', import.meta.url).pathname;
const store = inject('dynamoStore');

/** `npm start` as a developer runs it, on the run's DynamoDB store unless `env` says otherwise. */
const startLocal = (args: string[], env: NodeJS.ProcessEnv = { [STORE_ENV]: store }): NpmStart =>
  startNpmStart(args, env);
const waitFor = waitForOutput;

let local: NpmStart;
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

describe('npm start against an Intuit of your own (a standalone npm run emulator)', () => {
  it('starts no emulator of its own and connects through the one named', async () => {
    const app = { INTUIT_CLIENT_ID: 'standalone-app', INTUIT_CLIENT_SECRET: 'standalone-secret' };
    const emulator = spawn(process.execPath, ['--import', 'tsx', 'emulator/main.ts'], {
      cwd: root,
      env: { ...process.env, ...app, EMULATOR_PORT: '0', PORT: '' },
    });
    let emulatorOutput = '';
    emulator.stdout.on('data', (d: Buffer) => {
      emulatorOutput += d.toString();
    });
    const standalone = { child: emulator, output: () => emulatorOutput };
    const intuitUrl = (await waitFor(standalone, /listening on (http:\/\/\S+)/))[1] as string;
    const started = startLocal(['--in-memory', '--port', '0'], {
      [STORE_ENV]: store,
      ...app,
      INTUIT_OAUTH_BASE_URL: intuitUrl,
      QBO_API_BASE_URL: intuitUrl,
      EMULATOR_PORT: '',
    });
    try {
      const url = (await waitFor(started, /API:\s+(http:\/\/\S+)/))[1] as string;
      expect(started.output()).toContain(
        `Intuit:    ${intuitUrl} (yours: register ${url}/webhooks`,
      );
      expect(await (await fetch(`${url}/_local/info`)).json()).not.toHaveProperty('emulatorUrl');
      // The whole connect flow goes through the standalone emulator.
      const json = { 'content-type': 'application/json' };
      const company = await fetch(`${intuitUrl}/_admin/companies`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ name: 'Standalone Co' }),
      });
      const { realmId } = (await company.json()) as { realmId: string };
      const minted = await fetch(`${url}/_local/token`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ tenantId: 'standalone' }),
      });
      const auth = {
        authorization: `Bearer ${((await minted.json()) as { token: string }).token}`,
      };
      const connect = await fetch(`${url}/integrations/quickbooks/connect`, {
        method: 'POST',
        headers: auth,
      });
      const consent = new URL(((await connect.json()) as { authorizeUrl: string }).authorizeUrl);
      expect(consent.origin).toBe(intuitUrl);
      consent.searchParams.set('auto_approve', realmId);
      const callback = (await fetch(consent, { redirect: 'manual' })).headers.get('location');
      const back = (await fetch(callback ?? '', { redirect: 'manual' })).headers.get('location');
      const confirmation = resultOf(back ?? '').get('confirmation');
      const confirmed = await fetch(`${url}/integrations/quickbooks/confirm`, {
        method: 'POST',
        headers: { ...auth, ...json },
        body: JSON.stringify({ confirmation }),
      });
      expect(await confirmed.json()).toMatchObject({ status: 'connected', realmId });
    } finally {
      started.child.kill('SIGINT');
      emulator.kill('SIGINT');
      await Promise.all([exited(started.child), exited(emulator)]);
    }
  });

  it('asks for the client id and secret when only a URL is named', async () => {
    const started = startLocal(['--in-memory', '--port', '0'], {
      [STORE_ENV]: store,
      INTUIT_OAUTH_BASE_URL: 'http://127.0.0.1:9',
      INTUIT_CLIENT_ID: '',
      INTUIT_CLIENT_SECRET: '',
    });
    expect(await exited(started.child)).toBe(1);
    expect(started.output()).toContain('INTUIT_CLIENT_ID and INTUIT_CLIENT_SECRET must be set too');
    expect(started.output()).not.toMatch(/\n\s+at /);
  });
});
