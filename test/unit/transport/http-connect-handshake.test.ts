import { duplexPair, type Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import t from 'tap';
import { encodeConnectRequest, httpConnectHandshake, MAX_CONNECT_RESPONSE_BYTES } from '../../../lib/transport/http-connect-handshake.js';
import { bytewise } from '../../fixtures/streams.js';
import { readBytes } from '../../fixtures/net.js';

const proxy = { protocol: 'http' as const, host: '127.0.0.1', port: 3128, username: 'me', password: 'pw' };
const target = { host: '::1', port: 443 };

// The handshake on one end of an in-memory pair; the other end plays the proxy.
function run(answer: Buffer[]): { done: Promise<void>; ours: Duplex; request: Promise<Buffer> } {
  const [ours, theirs] = duplexPair();
  const done = httpConnectHandshake(ours as unknown as Socket, proxy, target);
  const request = new Promise<Buffer>((resolve) => theirs.once('data', (d: Buffer) => {
    for (const piece of answer) theirs.write(piece);
    resolve(d);
  }));
  return { done, ours, request };
}

t.test('writes CONNECT with Host and Basic credentials', async (t) => {
  t.equal(encodeConnectRequest(proxy, target).toString(), `CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\nProxy-Authorization: Basic ${Buffer.from('me:pw').toString('base64')}\r\n\r\n`);
  t.notMatch(encodeConnectRequest({ ...proxy, username: undefined, password: undefined }, target).toString(), /Authorization/);
});

t.test('a 200 head sent one byte at a time opens the tunnel, and the bytes after it are kept', async (t) => {
  const head = Buffer.from('HTTP/1.1 200 Connection established\r\nVia: test\r\n\r\nhello');
  const { done, ours, request } = run(bytewise(head));
  t.match((await request).toString(), /^CONNECT \[::1\]:443 HTTP\/1\.1\r\n/);
  await done;
  t.equal(ours.readableFlowing, false, 'handed back paused');
  const rest = readBytes(ours, 5);
  ours.resume();
  t.equal((await rest).toString(), 'hello');
});

t.test('a 407 is ERR_SS_UPSTREAM_AUTH, a 403 ERR_SS_UPSTREAM_REFUSED, garbage and oversized heads ERR_SS_UPSTREAM_FAILED', async (t) => {
  await t.rejects(run([Buffer.from('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n')]).done, { code: 'ERR_SS_UPSTREAM_AUTH' });
  await t.rejects(run([Buffer.from('HTTP/1.0 403 Forbidden\r\n\r\n')]).done, { code: 'ERR_SS_UPSTREAM_REFUSED' });
  await t.rejects(run([Buffer.from('SSH-2.0-x\r\n\r\n')]).done, { code: 'ERR_SS_UPSTREAM_FAILED' });
  await t.rejects(run([Buffer.from('HTTP/1.1 200 OK\r\nX: '), Buffer.alloc(MAX_CONNECT_RESPONSE_BYTES, 0x61)]).done, { code: 'ERR_SS_UPSTREAM_FAILED' });
});

t.test('a proxy that closes before answering is ERR_SS_UPSTREAM_FAILED', async (t) => {
  const [ours, theirs] = duplexPair();
  const done = httpConnectHandshake(ours as unknown as Socket, proxy, target);
  theirs.once('data', () => theirs.end());
  await t.rejects(done, { code: 'ERR_SS_UPSTREAM_FAILED' });
});
