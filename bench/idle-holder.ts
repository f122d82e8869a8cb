/**
 * Idle-connection holder for the memory metric: one process that is both the
 * idle TCP target and the client that opens N connections to it through the
 * tunnel. Each client sends one byte so that the server reads the address
 * header and dials the target; then every socket stays open and silent.
 *
 *   node dist/bench/idle-holder.js          → prints "TARGET <port>"
 *   stdin "open <tunnelPort> <n> <ms>"      → prints "HELD <reached> <connected> <errors>"
 *   stdin "close"                            → prints "CLOSED"
 *
 * Connections are opened in batches; a batch waits until its bytes reached the
 * target (or a per-batch deadline), so the tunnel and server are not flooded.
 */
import { createInterface } from 'node:readline';
import { connect, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

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
  const address = target.address();
  process.stdout.write(`TARGET ${typeof address === 'object' && address ? address.port : 0}\n`);
});

function openOne(port: number): void {
  const socket = connect({ host: '127.0.0.1', port });
  clients.add(socket);
  socket.on('error', () => { errors++; });
  socket.once('connect', () => {
    connected++;
    socket.write('x');
  });
  socket.once('close', () => clients.delete(socket));
}

async function open(port: number, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let opened = 0; opened < n && Date.now() < deadline; ) {
    const batch = Math.min(BATCH, n - opened);
    const goal = reached + batch;
    for (let i = 0; i < batch; i++) openOne(port);
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
  if (cmd === 'open') void open(Number(args[0]), Number(args[1]), Number(args[2] ?? 30_000));
  else if (cmd === 'close') void closeAll();
}).on('close', () => process.exit(0));
const exit = (): never => process.exit(0);
process.on('SIGTERM', exit);
process.on('SIGINT', exit);
