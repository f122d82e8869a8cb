/**
 * Interop: our local side (createLocal) → shadowsocks-libev `ss-server` →
 * loopback targets, for every AEAD method. Downloads of several MiB are
 * compared byte for byte through SOCKS5 (IP and host-name targets), HTTP
 * CONNECT, HTTP forwarding, many connections at once, and tunnel mode.
 *
 * ss-server runs on 127.0.0.1 with `-d 127.0.0.1` and no ACL, so it allows
 * loopback targets; the host name used is `localhost`, which ss-server
 * resolves from /etc/hosts. libev closes both directions on a client FIN,
 * so every client reads its whole download before it closes.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { SocksClient } from 'socks';
import t, { type Test } from 'tap';
import { firstDifference } from '../fixtures/interop.js';
import { AEAD_METHODS, libevMissing, startSsServer } from '../fixtures/libev.js';
import { rawConnect, startBlobServer, startLocalUnderTest, startOrigin, type LocalUnderTest } from '../fixtures/local.js';
import { readAll } from '../fixtures/net.js';
import type { MethodName } from '../../lib/crypto/methods.js';

const skip = libevMissing('ss-server');
if (skip) t.comment(`SKIPPING libev interop of the local side: ${skip}`);
const PASSWORD = 'local-interop-password';
const MiB = 1 << 20;

/** Downloads through SOCKS5: connect, send one byte, read to EOF. */
async function socksDownload(local: LocalUnderTest, host: string, port: number): Promise<Buffer> {
  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'connect', destination: { host, port }, timeout: 10_000 });
  const all = readAll(socket);
  socket.write('?');
  const got = await all;
  socket.end();
  return got;
}

function httpGet(localPort: number, agent: Agent, url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: localPort, path: url, agent, headers: { Host: new URL(url).host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`status ${res.statusCode}: ${Buffer.concat(chunks).toString()}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

async function suite(t: Test, method: MethodName): Promise<void> {
  const ss = await startSsServer({ method, password: PASSWORD });
  t.teardown(() => ss.stop());
  const blob = randomBytes(6 * MiB);
  const blobServer = await startBlobServer(blob);
  t.teardown(blobServer.close);
  const local = await startLocalUnderTest({ server: '127.0.0.1', serverPort: ss.port, method, password: PASSWORD });
  t.teardown(local.close);
  const check = (got: Buffer, what: string, want = blob): void => {
    t.equal(firstDifference(got, want), undefined, what, { peerLog: firstDifference(got, want) ? ss.log() : undefined });
  };

  check(await socksDownload(local, '127.0.0.1', blobServer.port), 'SOCKS5 to 127.0.0.1: 6 MiB byte for byte');
  check(await socksDownload(local, 'localhost', blobServer.port), 'SOCKS5 to localhost (resolved by ss-server): 6 MiB byte for byte');

  const c = await rawConnect(local.port);
  const head = 'HTTP/1.1 200 Connection established\r\n\r\n';
  c.socket.write(`CONNECT localhost:${blobServer.port} HTTP/1.1\r\nHost: localhost:${blobServer.port}\r\n\r\n?`);
  await c.closed;
  t.equal(c.received().subarray(0, head.length).toString(), head);
  check(c.received().subarray(head.length), 'HTTP CONNECT: 6 MiB byte for byte');

  const sized = randomBytes(5 * MiB);
  const origin = await startOrigin((req, res) => {
    if (req.url === '/sized') res.setHeader('Content-Length', sized.length);
    res.end(sized);
  });
  t.teardown(origin.close);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  check(await httpGet(local.port, agent, `http://127.0.0.1:${origin.port}/sized`), 'HTTP forwarding, Content-Length: 5 MiB', sized);
  check(await httpGet(local.port, agent, `http://localhost:${origin.port}/chunked`), 'HTTP forwarding, chunked, same client connection: 5 MiB', sized);
  agent.destroy();

  const small = blob.subarray(0, MiB);
  const parallel = await startBlobServer(small);
  t.teardown(parallel.close);
  const downloads = await Promise.all(Array.from({ length: 24 }, (_, i) => socksDownload(local, i % 2 ? 'localhost' : '127.0.0.1', parallel.port)));
  t.ok(downloads.every((d) => d.equals(small)), '24 parallel 1 MiB downloads byte for byte');

  const tunnel = await startLocalUnderTest({ server: '127.0.0.1', serverPort: ss.port, method, password: PASSWORD, tunnel: `localhost:${blobServer.port}` });
  t.teardown(tunnel.close);
  const tc = await rawConnect(tunnel.port);
  tc.socket.write('?');
  await tc.closed;
  check(tc.received(), 'tunnel mode: 6 MiB byte for byte');

  const stats = await local.waitClosed(4 + 24, 20_000);
  t.ok(stats.every((s) => s.status === 'OK'), `every local connection reports OK: ${[...new Set(stats.map((s) => s.status))].join()}`);
}

for (const method of AEAD_METHODS) {
  t.test(`our local → ss-server ${method}`, { skip }, (t) => suite(t, method));
}
