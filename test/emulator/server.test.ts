import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '#emulator/server.ts';
import { type Harness, startHarness } from './helpers.ts';

describe('Emulator: server', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qbo-emulator-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts in well under a second on a free port', async () => {
    const started = performance.now();
    const emulator = await startEmulator({ port: 0 });
    const elapsed = performance.now() - started;
    try {
      expect(elapsed).toBeLessThan(500);
      expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${emulator.url}/_admin/health`);
      expect(await res.json()).toEqual({ ok: true });
    } finally {
      await emulator.close();
    }
  });

  it('runs as a CLI that prints its base URL and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/main.ts'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, EMULATOR_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${output}`)), 10_000);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const m = /listening on (http:\/\/\S+)/.exec(output);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    const started = /started in (\d+) ms/.exec(output);
    expect(Number(started?.[1])).toBeLessThan(500);
    expect((await fetch(`${url}/_admin/health`)).status).toBe(200);
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('keeps companies, grants and the clock in the state file across restarts', async () => {
    const stateFile = join(dir, 'state.json');
    const first: Harness = await startHarness({ stateFile });
    const { realmId, token } = await first.connectedCompany('Persistent Co');
    await first.admin('POST', '/_admin/clock', { advanceSeconds: 120 });
    await first.close();
    expect(JSON.parse(await readFile(stateFile, 'utf8')).companies[realmId].name).toBe(
      'Persistent Co',
    );

    const second: Harness = await startHarness({ stateFile });
    try {
      expect(second.emulator.clock.offsetMs).toBeGreaterThanOrEqual(120_000);
      const company = await second.admin<{ name: string }>('GET', `/_admin/companies/${realmId}`);
      expect(company.name).toBe('Persistent Co');
      const api = await second.api(realmId, token.access_token, 'GET', '/preferences');
      expect(api.status).toBe(200);
      const refreshed = await second.tokenRequest({
        grant_type: 'refresh_token',
        refresh_token: token.refresh_token,
      });
      expect(refreshed.status).toBe(200);
    } finally {
      await second.close();
    }
  });

  describe('admin basics', () => {
    let h: Harness;

    beforeAll(async () => {
      h = await startHarness();
    });
    afterAll(async () => {
      await h.close();
    });

    it('answers 404 for unknown paths and 405 for a wrong method', async () => {
      expect((await fetch(`${h.url}/nope`)).status).toBe(404);
      expect((await fetch(`${h.url}/oauth2/v1/tokens/bearer`)).status).toBe(405);
      expect((await h.adminRaw('GET', '/_admin/companies/000')).status).toBe(404);
    });

    it('moves the clock through the admin API, which expires access tokens', async () => {
      const { realmId, token } = await h.connectedCompany();
      const before = await h.admin<{ now: string }>('GET', '/_admin/clock');
      const after = await h.admin<{ now: string }>('POST', '/_admin/clock', {
        advanceSeconds: 3600,
      });
      expect(Date.parse(after.now) - Date.parse(before.now)).toBeGreaterThanOrEqual(3_600_000);
      expect((await h.api(realmId, token.access_token, 'GET', '/preferences')).status).toBe(401);
      const bad = await h.adminRaw('POST', '/_admin/clock', { advanceSeconds: -5 });
      expect(bad.status).toBe(400);
    });

    it('returns the realmId of a new company and lists companies', async () => {
      const created = await h.admin<{ realmId: string }>('POST', '/_admin/companies', {
        name: 'Listed',
      });
      expect(created.realmId).toMatch(/^\d{16}$/);
      const { companies } = await h.admin<{ companies: { realmId: string }[] }>(
        'GET',
        '/_admin/companies',
      );
      expect(companies.map((c) => c.realmId)).toContain(created.realmId);
      expect((await h.adminRaw('POST', '/_admin/companies', {})).status).toBe(400);
    });

    it('seeds many entities in one call, each as if posted alone', async () => {
      const { realmId } = await h.admin<{ realmId: string }>('POST', '/_admin/companies', {
        name: 'Bulk',
      });
      const created = await h.admin<{ Id: string; DisplayName: string }[]>(
        'POST',
        `/_admin/companies/${realmId}/customers`,
        [{ DisplayName: 'One' }, { DisplayName: 'Two' }],
      );
      expect(created.map((c) => c.DisplayName)).toEqual(['One', 'Two']);
      expect(new Set(created.map((c) => c.Id)).size).toBe(2);
      const refused = await h.adminRaw('POST', `/_admin/companies/${realmId}/customers`, [42]);
      expect(refused.status).toBe(400);
    });

    it('resets everything', async () => {
      await h.newCompany();
      await h.admin('POST', '/_admin/reset');
      const { companies } = await h.admin<{ companies: unknown[] }>('GET', '/_admin/companies');
      expect(companies).toEqual([]);
    });
  });

  it('refuses a page of another site and a rebound host name, as the local API does', async () => {
    const emulator = await startEmulator({ port: 0 });
    try {
      const { port } = emulator;
      await fetch(`${emulator.url}/_admin/companies`, { method: 'POST', body: '{"name":"Kept"}' });
      const reset = (headers: Record<string, string>) => rawPost(port, '/_admin/reset', headers);
      // A web page's cross-site POST needs no CORS preflight: it must not reach the admin API.
      expect(await reset({ origin: 'http://evil.example' })).toBe(403);
      expect(await reset({ host: `rebound.example:${port}` })).toBe(403);
      expect(await reset({ host: `localhost:${port + 1}` })).toBe(403);
      expect(Object.keys(emulator.state.companies)).toHaveLength(1);
      // The names the README's curl walk-through uses, and the emulator's own pages, are served.
      expect(await reset({ host: `localhost:${port}`, origin: `http://localhost:${port}` })).toBe(
        200,
      );
      expect(Object.keys(emulator.state.companies)).toHaveLength(0);
      expect(await reset({ host: `127.0.0.1:${port}` })).toBe(200);
    } finally {
      await emulator.close();
    }
  });
});

/** A POST with the `Host` and `Origin` given (fetch will not send a `Host` of our choosing). */
function rawPost(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}
