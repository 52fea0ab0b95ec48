/**
 * The README's walk-through, as a newcomer pastes it: its bash blocks (those after the
 * `<!-- walk-through` markers in README.md, read from the README itself so the two cannot drift)
 * run by bash against `npm start` itself (npm, its shell, node, the store), started at the same
 * moment, with the emulator answering each Accounting API request after 250 ms as QBO does. Only
 * the ports change, to free ones. Then SIGINT to npm's own process stops everything it started.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { STORE_ENV } from '#local/dynamodb-store.ts';

const root = new URL('../..', import.meta.url).pathname;

/** The README's walk-through blocks, in order. */
function walkthroughBlocks(readme: string): string[] {
  const blocks: string[] = [];
  const marker = /<!-- walk-through[^>]*-->\s*```bash\n([\s\S]*?)```/g;
  for (let m = marker.exec(readme); m; m = marker.exec(readme)) blocks.push(m[1] ?? '');
  return blocks;
}

/** A port whose next one is free too (the emulator takes the API's port + 1). */
async function freePortPair(): Promise<number> {
  const free = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const { port: bound } = server.address() as { port: number };
        server.close(() => resolve(bound));
      });
    });
  for (;;) {
    const port = await free(0);
    if (
      await free(port + 1).then(
        () => true,
        () => false,
      )
    )
      return port;
  }
}

/** Does anything accept a connection on this loopback port? */
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

let npm: ChildProcess | undefined;
afterAll(() => {
  if (npm?.exitCode === null) npm.kill('SIGKILL');
});

describe("The README's walk-through, pasted as it stands", () => {
  it('connects, pushes and sees the invoice paid against npm start, with QBO answering in 250 ms; SIGINT to npm stops it all', async () => {
    const blocks = walkthroughBlocks(readFileSync(`${root}README.md`, 'utf8'));
    expect(blocks).toHaveLength(2);
    const port = await freePortPair();
    let output = '';
    // A developer's shell: none of the test run's own settings (the emulator takes PORT + 1).
    const { EMULATOR_PORT: _emulator, ...shell } = process.env;
    npm = spawn('npm', ['start', '--', '--in-memory'], {
      cwd: root,
      env: {
        ...shell,
        PORT: String(port),
        EMULATOR_LATENCY_MS: '250',
        AWS_ENDPOINT_URL_DYNAMODB: '',
        [STORE_ENV]: '',
      },
    });
    npm.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    npm.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    // Pasted at once: the walk-through waits for whatever it needs by itself.
    const script = blocks
      .join('\n')
      .replaceAll('localhost:3000', `localhost:${port}`)
      .replaceAll('localhost:3001', `localhost:${port + 1}`);
    const run = await promisify(execFile)('bash', ['-e', '-o', 'pipefail', '-c', script], {
      cwd: root,
      timeout: 120_000,
    }).catch((err: { stdout: string; stderr: string; code: number }) => {
      throw new Error(
        `exit ${err.code}\n${err.stdout}\n${err.stderr}\n--- npm start ---\n${output}`,
      );
    });
    expect(run.stdout).toContain('"status":"connected"');
    expect(run.stdout).toMatch(/"status":"pushed","qboInvoiceId":"\d+"/);
    expect(run.stdout).toMatch(/"status":"paid","qboInvoiceId":"\d+".*"balance":"0.00"/);
    expect(run.stdout).toContain('"invoice.paid"');

    const store = /DynamoDB:\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
    expect(store, output).toBeDefined();
    const exited = new Promise<void>((resolve) => npm?.once('exit', () => resolve()));
    npm.kill('SIGINT');
    await exited;
    await expect
      .poll(
        async () =>
          Promise.all([port, port + 1, Number(store)].map(listening)).then((open) =>
            open.some(Boolean),
          ),
        { timeout: 15_000, interval: 250 },
      )
      .toBe(false);
  }, 180_000);
});
