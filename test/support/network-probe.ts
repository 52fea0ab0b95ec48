import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';

/** A TCP socket in the LISTEN state: the address it is bound to and its port. */
export interface ListeningSocket {
  readonly address: string;
  readonly port: number;
  readonly pid: number;
}

/** What a connection attempt met. */
export type Reach = 'refused' | 'connected' | 'no answer';

/**
 * A vantage point on another address than loopback, from which this machine's ports are tried as
 * another machine on the network would try them.
 */
export interface Probe {
  /** How it was made, for the test's message. */
  readonly how: string;
  /** The address of this machine that the probe connects to. */
  readonly target: string;
  /** Tries each port of {@link target} once. */
  reach(ports: readonly number[]): Promise<Record<number, Reach>>;
  close(): void;
}

/** Every pid of a process tree (Linux: `/proc/<pid>/task/<tid>/children`). */
function processTree(pid: number): number[] {
  const children = readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
    readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number),
  );
  return [pid, ...children.flatMap(processTree)];
}

/** An address of `/proc/net/tcp{,6}` (hex, host byte order per 32-bit word) as text. */
function procAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  const groups = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/**
 * The TCP sockets that a process and every process it started listen on, read from Linux's
 * `/proc` (the open socket inodes of each pid, matched against `/proc/net/tcp` and `tcp6`).
 *
 * @param pid - the root of the process tree (e.g. `npm start`'s)
 */
export function listeningSockets(pid: number): ListeningSocket[] {
  const listening = new Map<string, { address: string; port: number }>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, , state] = [fields[1], fields[2], fields[3]];
      if (state !== '0A' || !local) continue; // 0A: TCP_LISTEN
      const [address = '', port = '0'] = local.split(':');
      listening.set(fields[9] ?? '', { address: procAddress(address), port: parseInt(port, 16) });
    }
  }
  return processTree(pid).flatMap((owner) =>
    readdirSync(`/proc/${owner}/fd`).flatMap((fd) => {
      let link: string;
      try {
        link = readlinkSync(`/proc/${owner}/fd/${fd}`);
      } catch {
        return []; // closed while we read
      }
      const socket = listening.get(/^socket:\[(\d+)\]$/.exec(link)?.[1] ?? '');
      return socket ? [{ ...socket, pid: owner }] : [];
    }),
  );
}

/** Connects once to host:port and says what happened. */
function tryConnect(host: string, port: number): Promise<Reach> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('no answer');
    });
    socket.once('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code === 'ECONNREFUSED' ? 'refused' : 'no answer'),
    );
  });
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' });

/**
 * A network namespace joined to this machine by a veth pair, as a second machine on a link would
 * be: it needs root and `ip` (iproute2). The namespace and the pair are this test's own.
 */
function namespaceProbe(): Probe {
  const id = process.pid % 100_000;
  const ns = `tq-probe-${id}`;
  const [hostSide, nsSide] = [`tq${id}h`, `tq${id}n`];
  // A /30 of 10.231.0.0/16 of this process's own, so that two runs on one machine do not collide.
  const base = (id % 16_384) * 4;
  const octets = (n: number) => `10.231.${Math.floor(n / 256)}.${n % 256}`;
  const [target, source] = [octets(base + 1), octets(base + 2)];
  const close = () => {
    for (const args of [
      ['link', 'del', hostSide],
      ['netns', 'del', ns],
    ]) {
      try {
        run('ip', args);
      } catch {
        // already gone
      }
    }
  };
  close();
  try {
    run('ip', ['netns', 'add', ns]);
    run('ip', ['link', 'add', hostSide, 'type', 'veth', 'peer', 'name', nsSide]);
    run('ip', ['link', 'set', nsSide, 'netns', ns]);
    run('ip', ['addr', 'add', `${target}/30`, 'dev', hostSide]);
    run('ip', ['link', 'set', hostSide, 'up']);
    run('ip', ['netns', 'exec', ns, 'ip', 'addr', 'add', `${source}/30`, 'dev', nsSide]);
    run('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', nsSide, 'up']);
  } catch (err) {
    close();
    throw err;
  }
  const script = `
    const net = require('node:net');
    const [host, ...ports] = process.argv.slice(1);
    const one = (port) => new Promise((done) => {
      const s = net.connect({ host, port: Number(port), timeout: 2000 });
      s.once('connect', () => { s.destroy(); done('connected'); });
      s.once('timeout', () => { s.destroy(); done('no answer'); });
      s.once('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'no answer'));
    });
    Promise.all(ports.map(one)).then((r) =>
      console.log(JSON.stringify(Object.fromEntries(ports.map((p, i) => [p, r[i]])))));`;
  return {
    how: `from network namespace ${ns} (${source}) to this machine's ${target}`,
    target,
    async reach(ports) {
      const args = [
        'netns',
        'exec',
        ns,
        process.execPath,
        '-e',
        script,
        target,
        ...ports.map(String),
      ];
      return JSON.parse(run('ip', args).toString()) as Record<number, Reach>;
    },
    close,
  };
}

/** An address of this machine that is not loopback, the way another machine would reach it. */
function interfaceProbe(): Probe | undefined {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && !a.internal && a.family === 'IPv4')?.address;
  if (!address) return undefined;
  return {
    how: `to this machine's non-loopback address ${address}`,
    target: address,
    async reach(ports) {
      const reached = await Promise.all(
        ports.map(async (port) => [port, await tryConnect(address, port)] as const),
      );
      return Object.fromEntries(reached);
    },
    close: () => undefined,
  };
}

/**
 * The best vantage point this machine allows: a network namespace of its own where it can make
 * one (root, iproute2: CI), else this machine's own non-loopback address.
 *
 * @throws Error when neither can be had: the test then fails, it does not skip
 */
export function startProbe(): Probe {
  const failures: string[] = [];
  try {
    return namespaceProbe();
  } catch (err) {
    failures.push(`no network namespace (${(err as Error).message.split('\n')[0]})`);
  }
  const probe = interfaceProbe();
  if (probe) return probe;
  throw new Error(
    `Cannot try this machine's ports from another address: ${failures.join('; ')}, and no ` +
      'non-loopback IPv4 address. Run as root with iproute2, or on a machine with a network interface.',
  );
}
