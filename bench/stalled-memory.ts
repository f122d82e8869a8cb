/**
 * Stalled-connection memory: what a client that never reads costs the server
 * while its target sends as fast as it can.
 *
 *   client ─(header, then reads nothing)─▶ server ─▶ target (floods 64 KiB writes)
 *
 * Opens N such connections, waits until the target can hand over no more
 * (every path is stalled), then reads the server's RSS:
 *
 *   per connection = (RSS_stalled − RSS_idle) / N        (KiB)
 *
 * Kernel socket buffers are not in RSS; this counts what the server process
 * itself holds. Not part of `npm run bench`: a one-off, run by hand.
 *
 *   node dist/bench/stalled-memory.js ours|libev [N=200] [flood|quiet]
 */
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Child } from './child.js';
import { freePort } from './free-port.js';
import { sampleRssKb } from './memory.js';
import { readNodeMemory } from './node-memory.js';
import { evpBytesToKey } from '../lib/crypto/kdf.js';
import { getMethod } from '../lib/crypto/methods.js';
import { encodeAddress } from '../lib/protocol/address.js';
import { EncryptTransform } from '../lib/stream/encrypt-transform.js';

const METHOD = 'aes-256-gcm';
const PASSWORD = 'bench-password';
const [which = 'ours', nArg = '200', traffic = 'flood'] = process.argv.slice(2);
const N = Number(nArg);

const chunk = Buffer.alloc(64 * 1024, 7);
let handedOver = 0;
const targetSockets = new Set<Socket>();
const target = createServer({ allowHalfOpen: true }, (s) => {
  targetSockets.add(s);
  s.on('error', () => {});
  s.on('data', () => {});
  if (traffic !== 'flood') return;
  const pump = (): void => {
    for (;;) {
      handedOver += chunk.length;
      if (!s.write(chunk)) {
        s.once('drain', pump);
        return;
      }
    }
  };
  pump();
});
target.listen({ host: '127.0.0.1', port: 0, backlog: 4096 });
await once(target, 'listening');
const targetPort = (target.address() as { port: number }).port;

let server: Child;
let port: number;
if (which === 'libev') {
  port = await freePort();
  server = new Child({ name: 'ss-server', command: 'ss-server', args: ['-s', '127.0.0.1', '-p', String(port), '-m', METHOD, '-k', PASSWORD, '-d', '127.0.0.1'], nofile: 4096 });
  await sleep(500);
} else {
  const entry = fileURLToPath(new URL('./server-entry.js', import.meta.url));
  server = new Child({ name: 'ours', command: process.execPath, args: ['--expose-gc', entry, '0', METHOD, PASSWORD], nofile: 4096 });
  port = Number((await server.waitFor(/^PORT (\d+)$/m, 5000))[1]);
}
const pid = server.pid!;
await sleep(500);
const idleKb = await sampleRssKb(pid);
const idleNode = which === 'ours' ? await readNodeMemory(server) : undefined;

const spec = getMethod(METHOD)!;
const masterKey = evpBytesToKey(PASSWORD, spec.keyLength);
const clients: Socket[] = [];
for (let i = 0; i < N; i++) {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await once(socket, 'connect');
  const encrypt = new EncryptTransform({ spec, masterKey });
  encrypt.write(Buffer.concat([encodeAddress('127.0.0.1', targetPort), Buffer.from('x')]));
  socket.write(encrypt.read() as Buffer);
  socket.pause(); // never read
  clients.push(socket);
}

// Stalled: the target could hand over nothing more for a while.
let last = -1;
let still = 0;
for (let i = 0; i < 120 && still < 6; i++) {
  await sleep(500);
  still = handedOver === last ? still + 1 : 0;
  last = handedOver;
}
const stalledKb = await sampleRssKb(pid);
const node = which === 'ours' ? await readNodeMemory(server) : undefined;
const per = (stalledKb - idleKb) / N;
console.log(`${which} ${traffic} N=${N} targets=${targetSockets.size} handed over ${(handedOver / N / 1024).toFixed(0)} KiB/conn`);
console.log(`RSS idle ${idleKb} KiB, stalled ${stalledKb} KiB: ${per.toFixed(1)} KiB per connection`);
if (node && idleNode) console.log(`heapTotal ${idleNode.heapTotalKb} -> ${node.heapTotalKb} KiB, external ${idleNode.externalKb} -> ${node.externalKb} KiB`);
if (node && idleNode) console.log(`after a full GC: RSS ${node.rssKb} KiB: ${((node.rssKb - idleKb) / N).toFixed(1)} KiB per connection`);
if (node && idleNode) console.log(`heapUsed ${((node.heapUsedKb - idleNode.heapUsedKb) / N).toFixed(1)} KiB/conn, arrayBuffers ${((node.arrayBuffersKb - idleNode.arrayBuffersKb) / N).toFixed(1)} KiB/conn, open ${node.connections}`);
for (const c of clients) c.destroy();
for (const s of targetSockets) s.destroy();
target.close();
await server.stop();
