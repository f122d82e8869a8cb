/**
 * The users benchmark (`--only users`): new connections per second to our
 * server with 1, 100 and 1000 users on one port (AEAD, trial decryption in
 * the Outline order), and the cost of one key tried.
 *
 *   bench process: N concurrent clients ──▶ server child (N users) ──▶ target (answers "ok", closes)
 *                  each: connect, salt + header + payload, read the reply, close
 *
 * Rows per user count:
 * - the first, a middle and the last user of the list, from one client IP:
 *   after its first connection the user is tried first (most recently
 *   matched), so these should not differ: the order works;
 * - round robin over all users, each from its own client IP (127.1.x.y),
 *   after one untimed round: the per-IP memory puts each client's user first;
 * - round robin over all users from one client IP (many users behind one
 *   NAT, beyond the 4 users remembered per IP), right after the previous
 *   row, so each user is the least recently matched: the worst case, about
 *   N - 4 keys tried per connection.
 * And a micro-benchmark of one failed trial (subkey HKDF-SHA1 + opening the
 * 18-byte length chunk), which is what each key tried costs.
 */
import { randomBytes } from 'node:crypto';
import { createServer, connect, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { evpBytesToKey, deriveSubkey } from '../lib/crypto/kdf.js';
import { AeadSession } from '../lib/crypto/aead-session.js';
import { getMethod, type CipherSpec } from '../lib/crypto/methods.js';
import { encodeAddress } from '../lib/protocol/address.js';
import { DecryptTransform } from '../lib/stream/decrypt-transform.js';
import { EncryptTransform } from '../lib/stream/encrypt-transform.js';
import { ourNodeFlags } from './peers.js';
import { Child } from './child.js';
import { readCpuSeconds } from './proc-stats.js';
import { userPassword } from './users-server-entry.js';

/** One measured row. */
export interface UsersRow {
  users: number;
  /** Which user(s) connect: `first`, `middle`, `last`, `all, own IPs`, `all, one IP`. */
  pattern: string;
  connectionsPerSecond: number;
  connections: number;
  errors: number;
  serverCpuUsPerConn: number | undefined;
}

/** The whole users benchmark. */
export interface UsersResult {
  method: string;
  concurrency: number;
  seconds: number;
  rows: UsersRow[];
  /** One failed trial (HKDF-SHA1 subkey + 18-byte open), µs. */
  keyTrialUs: number;
}

export const USER_COUNTS = [1, 100, 1000] as const;
const CONCURRENCY = 32;

/** Runs every row; `seconds` per row. */
export async function runUsersBench(method: string, seconds: number, log: (line: string) => void): Promise<UsersResult> {
  const spec = getMethod(method);
  if (spec === undefined || spec.kind !== 'aead') throw new TypeError(`users bench: ${method} is not an AEAD method (trial decryption)`);
  const target = createServer((s) => {
    s.once('data', () => s.end('ok'));
    s.on('error', () => {});
  });
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  const header = encodeAddress('127.0.0.1', (target.address() as AddressInfo).port);
  const rows: UsersRow[] = [];
  let row = 0;
  try {
    for (const n of USER_COUNTS) {
      const keys = Array.from({ length: n }, (_, i) => evpBytesToKey(userPassword(i), spec.keyLength));
      const server = new Child({ name: `server (${n} users)`, command: process.execPath, args: [...ourNodeFlags(), new URL('./users-server-entry.js', import.meta.url).pathname, method, String(n)], nofile: 20000 });
      try {
        const port = Number((await server.waitFor(/^PORT (\d+)$/m, 30_000))[1]);
        const patterns: [string, (k: number) => { key: Buffer; ip: string }][] = [];
        const oneIp = (r: number): string => `127.2.${r}.1`;
        for (const [label, i] of [['first', 0], ['middle', n >> 1], ['last', n - 1]] as const) {
          if (n === 1 && label !== 'first') continue;
          const r = row++;
          patterns.push([label, () => ({ key: keys[i]!, ip: oneIp(r) })]);
        }
        if (n > 1) {
          patterns.push(['all, own IPs', (k) => ({ key: keys[k % n]!, ip: `127.1.${(k % n) >> 8}.${((k % n) & 255) + 1}` })]);
          const r = row++;
          patterns.push(['all, one IP', (k) => ({ key: keys[k % n]!, ip: oneIp(r) })]);
        }
        for (const [pattern, pick] of patterns) {
          // Own IPs: one untimed round first, so that every client IP has been seen once.
          const warmup = pattern === 'all, own IPs' ? n : 0;
          const m = await measure({ spec, port, header, pick, seconds, pid: server.pid!, warmup });
          rows.push({ users: n, pattern, ...m });
          log(`  ${n} user(s), ${pattern}: ${m.connectionsPerSecond.toFixed(0)} conn/s (${m.errors} errors)`);
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    target.close();
  }
  return { method, concurrency: CONCURRENCY, seconds, rows, keyTrialUs: measureKeyTrialUs(spec) };
}

interface Load {
  spec: CipherSpec;
  port: number;
  header: Buffer;
  pick: (k: number) => { key: Buffer; ip: string };
  seconds: number;
  pid: number;
  /** Connections made before the timed part (not counted). */
  warmup: number;
}

async function measure(load: Load): Promise<Omit<UsersRow, 'users' | 'pattern'>> {
  const payload = randomBytes(64);
  const first = Buffer.concat([load.header, payload]);
  let next = 0;
  const warm = async (): Promise<void> => {
    while (next < load.warmup) {
      const { key, ip } = load.pick(next++);
      await oneConnection(load.spec, load.port, key, ip, first).catch(() => {});
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, warm));
  let done = 0;
  let errors = 0;
  const cpu0 = readCpuSeconds(load.pid);
  const t0 = performance.now();
  const deadline = t0 + load.seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const { key, ip } = load.pick(next++);
      try {
        await oneConnection(load.spec, load.port, key, ip, first);
        done++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const wallS = (performance.now() - t0) / 1000;
  const cpu1 = readCpuSeconds(load.pid);
  return {
    connectionsPerSecond: done / wallS,
    connections: done,
    errors,
    serverCpuUsPerConn: cpu0 === undefined || cpu1 === undefined || done === 0 ? undefined : ((cpu1 - cpu0) * 1e6) / done,
  };
}

function oneConnection(spec: CipherSpec, port: number, masterKey: Buffer, localAddress: string, first: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    const encrypt = new EncryptTransform({ spec, masterKey });
    const decrypt = new DecryptTransform({ spec, masterKey });
    const timer = setTimeout(() => finish(new Error('timeout')), 5000);
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    socket.on('error', finish);
    socket.on('close', () => finish(new Error('closed before the reply')));
    decrypt.on('error', finish);
    decrypt.once('data', () => finish());
    encrypt.pipe(socket);
    socket.pipe(decrypt);
    encrypt.write(first);
  });
}

/** µs per failed trial: the subkey of a wrong key, then the 18-byte length chunk fails to open (median of 5 passes). */
export function measureKeyTrialUs(spec: CipherSpec, iterations = 20_000): number {
  const wrongKey = randomBytes(spec.keyLength);
  const salt = randomBytes(spec.saltLength);
  const chunk = randomBytes(2 + spec.tagLength);
  const trial = (): void => {
    const opened = new AeadSession(spec, deriveSubkey(wrongKey, salt)).open(chunk.subarray(0, 2), chunk.subarray(2));
    if (opened !== null) throw new Error('a random chunk opened');
  };
  for (let i = 0; i < 2000; i++) trial();
  const passes: number[] = [];
  for (let p = 0; p < 5; p++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) trial();
    passes.push(Number(process.hrtime.bigint() - t0) / 1000 / iterations);
  }
  return passes.sort((a, b) => a - b)[2]!;
}

/** The result as a Markdown table and a note. */
export function formatUsers(r: UsersResult): string {
  const lines = [
    `| users | who connects | conn/s | server CPU per conn | errors |`,
    `|---|---|---|---|---|`,
    ...r.rows.map((x) => `| ${x.users} | ${x.pattern} | ${x.connectionsPerSecond.toFixed(0)} | ${x.serverCpuUsPerConn === undefined ? 'n/a' : `${x.serverCpuUsPerConn.toFixed(0)} µs`} | ${x.errors} |`),
    '',
    `One key tried (HKDF-SHA1 subkey + 18-byte open, ${r.method}): ${r.keyTrialUs.toFixed(2)} µs; a miss over 1000 users costs about ${r.keyTrialUs.toFixed(1)} ms of CPU.`,
    `${r.concurrency} concurrent clients in the bench process, ${r.seconds} s per row; the clients share the machine's CPU with the server.`,
    'Each user count starts a fresh server: its first row includes the JIT warm-up (compare the later rows with each other).',
  ];
  return lines.join('\n');
}
