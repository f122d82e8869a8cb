import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type NetConnectOpts, type Socket } from 'node:net';
import t from 'tap';
import { SHARED_READ } from '../../../lib/transport/shared-read.js';
import { startTcpServer } from '../../fixtures/net.js';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 10));

async function dial(port: number): Promise<Socket> {
  // readableHighWaterMark reaches the socket's Duplex constructor; @types/node leaves it out of the connect options.
  const s = connect({ host: '127.0.0.1', port, onread: SHARED_READ, readableHighWaterMark: 0 } as NetConnectOpts);
  await once(s, 'connect');
  return s;
}

t.test('sockets sharing the read buffer each get their own bytes, whole and in order', async (t) => {
  const payloads = [randomBytes(3 * 1024 * 1024), randomBytes(3 * 1024 * 1024 + 7)];
  let next = 0;
  const peer = await startTcpServer((s) => s.end(payloads[next++]));
  t.teardown(peer.close);
  const a = await dial(peer.port);
  const got: Buffer[][] = [[], []];
  a.on('data', (d: Buffer) => got[0]!.push(d));
  const b = await dial(peer.port);
  b.on('data', (d: Buffer) => got[1]!.push(d));
  await Promise.all([once(a, 'end'), once(b, 'end')]);
  t.ok(Buffer.concat(got[0]!).equals(payloads[0]!), 'first socket');
  t.ok(Buffer.concat(got[1]!).equals(payloads[1]!), 'second socket');
  t.equal(a.bytesRead, payloads[0]!.length, 'bytesRead counts as before');
  a.destroy();
  b.destroy();
});

t.test('a paused socket reads nothing more while its peer keeps sending', async (t) => {
  const total = 32 * 1024 * 1024;
  let peerSocket: Socket | undefined;
  const peer = await startTcpServer((s) => {
    peerSocket = s;
    s.end(Buffer.alloc(total, 1));
  });
  t.teardown(peer.close);
  const s = await dial(peer.port);
  let received = 0;
  let holding = true;
  s.on('data', (d: Buffer) => {
    received += d.length;
    if (holding) s.pause();
  });
  // Wait until the kernel buffers are full: the peer holds data it cannot send.
  for (let i = 0; i < 500 && !(peerSocket !== undefined && peerSocket.writableLength > 0 && s.isPaused()); i++) await tick();
  const stalledAt = received;
  await tick();
  await tick();
  t.equal(s.readableLength, 0, 'nothing parked in the paused socket');
  t.equal(received, stalledAt, 'no data while paused');
  holding = false;
  s.resume();
  await once(s, 'end');
  t.equal(received, total, 'everything arrives after resume');
  s.destroy();
});
