/**
 * Idle-connection holder for the memory metrics: one process that is both the
 * idle TCP target and the client that opens N connections to it, through a
 * tunnel, or straight to our server speaking Shadowsocks itself (the lib's
 * EncryptTransform: address header of the target + one byte). Either way the
 * server reads the header and dials the target; then every socket stays open
 * and silent.
 *
 *   node dist/bench/idle-holder.js                       → prints "TARGET <port>"
 *   stdin "open <tunnelPort> <n> <ms>"                   → prints "HELD <reached> <connected> <errors>"
 *   stdin "open <serverPort> <n> <ms> <method> <password>"  (direct, Shadowsocks)
 *   stdin "close"                                         → prints "CLOSED"
 *
 * Connections are opened in batches; a batch waits until its bytes reached the
 * target (or a per-batch deadline), so the tunnel and server are not flooded.
 */
import { createInterface } from 'node:readline';
import { connect, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { evpBytesToKey } from '../lib/crypto/kdf.js';
import { getMethod, type CipherSpec } from '../lib/crypto/methods.js';
import { encodeAddress } from '../lib/protocol/address.js';
import { EncryptTransform } from '../lib/stream/encrypt-transform.js';

/** Keys to speak Shadowsocks to the server directly (no tunnel). */
interface Direct {
  spec: CipherSpec;
  masterKey: Buffer;
}

const BATCH = 100;
const BATCH_DEADLINE_MS = 5000;

const targetSockets = new Set<Socket>();
const clients = new Set<Socket>();
let reached = 0;
let connected = 0;
let errors = 0;

const target = createServer({ allowHalfOpen: true }, (socket) => {
  targetSockets.add(socket);
  socket.on('error', () => {});
  socket.once('data', () => { reached++; });
  socket.on('data', () => {});
  socket.once('close', () => targetSockets.delete(socket));
});
target.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  process.stdout.write(`TARGET ${targetPort()}\n`);
});

function openOne(port: number, direct: Direct | undefined): void {
  const socket = connect({ host: '127.0.0.1', port });
  clients.add(socket);
  socket.on('error', () => { errors++; });
  socket.once('connect', () => {
    connected++;
    if (direct === undefined) {
      socket.write('x');
      return;
    }
    const encrypt = new EncryptTransform(direct);
    encrypt.on('error', () => {});
    encrypt.pipe(socket);
    encrypt.write(Buffer.concat([encodeAddress('127.0.0.1', targetPort()), Buffer.from('x')]));
  });
  socket.once('close', () => clients.delete(socket));
}

function targetPort(): number {
  const address = target.address();
  return typeof address === 'object' && address ? address.port : 0;
}

function directKeys(method: string | undefined, password: string | undefined): Direct | undefined {
  if (method === undefined || password === undefined) return undefined;
  const spec = getMethod(method);
  if (spec === undefined) throw new Error(`unknown method ${method}`);
  return { spec, masterKey: evpBytesToKey(password, spec.keyLength) };
}

async function open(port: number, n: number, timeoutMs: number, direct: Direct | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let opened = 0; opened < n && Date.now() < deadline; ) {
    const batch = Math.min(BATCH, n - opened);
    const goal = reached + batch;
    for (let i = 0; i < batch; i++) openOne(port, direct);
    opened += batch;
    const batchDeadline = Math.min(deadline, Date.now() + BATCH_DEADLINE_MS);
    while (reached < goal && Date.now() < batchDeadline) await sleep(10);
  }
  process.stdout.write(`HELD ${reached} ${connected} ${errors}\n`);
}

async function closeAll(): Promise<void> {
  for (const s of clients) s.destroy();
  for (const s of targetSockets) s.destroy();
  for (let i = 0; i < 100 && clients.size + targetSockets.size > 0; i++) await sleep(10);
  reached = 0;
  connected = 0;
  errors = 0;
  process.stdout.write('CLOSED\n');
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, ...args] = line.trim().split(/\s+/);
  if (cmd === 'open') void open(Number(args[0]), Number(args[1]), Number(args[2] ?? 30_000), directKeys(args[3], args[4]));
  else if (cmd === 'close') void closeAll();
}).on('close', () => process.exit(0));
const exit = (): never => process.exit(0);
process.on('SIGTERM', exit);
process.on('SIGINT', exit);
