/**
 * Starting the processes under test: our server (bench/server-entry.js) or
 * libev's ss-server, and a tunnel client in front of either: libev's
 * ss-tunnel, or our ss-stream-local -L (`--client ours`, and always for the
 * 2022 methods, which libev does not speak). Everything binds to 127.0.0.1;
 * targets are IP literals, so nothing resolves names. A 2022 method runs with
 * a PSK derived from the bench password (bench/secret.ts).
 */
import { fileURLToPath } from 'node:url';
import { Child } from './child.js';
import { freePort } from './free-port.js';
import { waitListen } from './wait-listen.js';
import { benchSecret, is2022 } from './secret.js';
import { SERVER_NODE_FLAGS } from './args.js';

/** The two servers compared. */
export type Impl = 'ours' | 'libev';

/** The tunnel client in front of the server: libev's ss-tunnel or our ss-stream-local. */
export type Client = 'libev' | 'ours';

/** A started process listening on `port`. */
export interface Listener {
  child: Child;
  port: number;
}

/** Descriptor limit asked for every process that holds relayed connections. */
export const NOFILE = 65536;
const START_TIMEOUT_MS = 10_000;
const SERVER_ENTRY = fileURLToPath(new URL('./server-entry.js', import.meta.url));
const SERVER_CLI = fileURLToPath(new URL('../bin/ss-stream-server.js', import.meta.url));
const LOCAL_CLI = fileURLToPath(new URL('../bin/ss-stream-local.js', import.meta.url));

// Node flags of every server process of ours (run.ts sets them from --node-flags).
let nodeFlags: readonly string[] = SERVER_NODE_FLAGS.split(' ');

/** Sets the node flags our server processes start with, for the rest of the run. */
export function useNodeFlags(flags: readonly string[]): void {
  nodeFlags = flags;
}

/** The node flags our server processes start with. */
export function ourNodeFlags(): readonly string[] {
  return nodeFlags;
}

/** Options of {@link startServer}. */
export interface ServerStart {
  impl: Impl;
  method: string;
  password: string;
  /** Ours only: write a V8 CPU profile into this directory. */
  cpuProfDir?: string;
}

/**
 * Starts one server on a free loopback port and waits until it listens.
 * Ours runs with --expose-gc only so that the SIGUSR2 heap report
 * (node-memory.ts) can collect first; nothing else calls gc().
 */
export async function startServer(s: ServerStart): Promise<Listener> {
  const password = benchSecret(s.method, s.password);
  if (s.impl === 'ours') {
    const prof = s.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', s.cpuProfDir] : [];
    const child = new Child({ name: 'ours', command: process.execPath, args: ['--expose-gc', ...nodeFlags, ...prof, SERVER_ENTRY, '0', s.method, password], nofile: NOFILE });
    try {
      const m = await child.waitFor(/^PORT (\d+)$/m, START_TIMEOUT_MS);
      return { child, port: Number(m[1]) };
    } catch (err) {
      await child.stop();
      throw err;
    }
  }
  return withFreePort('ss-server', (port) => ['ss-server', ['-s', '127.0.0.1', '-p', String(port), '-m', s.method, '-k', password, '-d', '127.0.0.1']]);
}

/**
 * Starts our command-line server (`ss-stream-server --workers N`, quiet) on
 * a free loopback port, and waits for its `listening on` line, printed once
 * every worker listens. With workers > 1 the PID is the cluster primary's.
 */
export async function startCliServer(s: { workers: number; method: string; password: string }): Promise<Listener> {
  const args = [SERVER_CLI, '--workers', String(s.workers), '-s', '127.0.0.1', '-p', '0', '-m', s.method, '-k', benchSecret(s.method, s.password), '--forbidden-ip', '', '--mode', 'tcp_only', '-q'];
  const child = new Child({ name: `ours --workers ${s.workers}`, command: process.execPath, args: [...nodeFlags, ...args], nofile: NOFILE });
  try {
    const m = await child.waitFor(/^listening on 127\.0\.0\.1:(\d+) /m, START_TIMEOUT_MS * 2);
    return { child, port: Number(m[1]) };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/**
 * Starts a tunnel on a free port: 127.0.0.1:port → server → 127.0.0.1:targetPort,
 * with `ss-tunnel`, or our `ss-stream-local -L` for `client: 'ours'` and
 * every 2022 method.
 */
export function startTunnel(serverPort: number, targetPort: number, method: string, password: string, client: Client = 'libev'): Promise<Listener> {
  const args = ['-s', '127.0.0.1', '-p', String(serverPort), '-b', '127.0.0.1', '-l', '', '-L', `127.0.0.1:${targetPort}`, '-m', method, '-k', benchSecret(method, password)];
  if (client === 'libev' && !is2022(method)) return withFreePort('ss-tunnel', (port) => ['ss-tunnel', args.map((a) => (a === '' ? String(port) : a))]);
  return withFreePort('ss-stream-local', (port) => [process.execPath, [LOCAL_CLI, ...args.map((a) => (a === '' ? String(port) : a)), '--mode', 'tcp_only', '-q']]);
}

/** Starts a node helper script from this directory (with `args`) that prints `<WORD> <port>`. */
export async function startHelper(script: string, word: string, stdin = false, args: string[] = []): Promise<Listener> {
  const child = new Child({ name: [script, ...args].join(' '), command: process.execPath, args: [fileURLToPath(new URL(`./${script}`, import.meta.url)), ...args], nofile: NOFILE, stdin });
  try {
    const m = await child.waitFor(new RegExp(`^${word} (\\d+)$`, 'm'), START_TIMEOUT_MS);
    return { child, port: Number(m[1]) };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

// A free port can be taken between the check and the bind: try a few times.
async function withFreePort(name: string, build: (port: number) => [string, string[]]): Promise<Listener> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const [command, args] = build(port);
    const child = new Child({ name, command, args, nofile: NOFILE });
    try {
      await waitListen(port, child, START_TIMEOUT_MS);
      return { child, port };
    } catch (err) {
      lastError = err;
      await child.stop();
    }
  }
  throw lastError;
}
