import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Agent, request as httpRequest } from 'node:http';
import { createServer as netCreateServer, Socket, type AddressInfo } from 'node:net';
import { SocksClient } from 'socks';
import t, { type Test } from 'tap';
import { ipv6LoopbackAvailable } from '../../fixtures/interop.js';
import { closedPort, rawConnect, startLocalPair, startLocalUnderTest, startOrigin } from '../../fixtures/local.js';
import { readAll, readBytes, startEchoServer } from '../../fixtures/net.js';
import { keysFor } from '../../fixtures/ss-client.js';
import { DecryptTransform } from '../../../lib/stream/decrypt-transform.js';
import type { LocalOptions } from '../../../lib/local/local-options.js';
import { createLocal } from '../../../lib/local/local.js';

const method = 'aes-256-gcm';
const password = 'local-test-password';

const startPair = (t: Test, localOptions?: Partial<LocalOptions>) => startLocalPair(t, method, password, localOptions);

async function echo(t: Test, host = '127.0.0.1'): Promise<number> {
  const e = await startEchoServer(host);
  t.teardown(e.close);
  return e.port;
}

async function socksRoundTrip(localPort: number, host: string, port: number, payload: Buffer): Promise<Buffer> {
  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: localPort, type: 5 }, command: 'connect', destination: { host, port }, timeout: 5000 });
  const reply = readBytes(socket, payload.length);
  socket.write(payload);
  const got = await reply;
  socket.end();
  return got;
}

t.test('relays SOCKS5 CONNECT to an IPv4 target', async (t) => {
  const { server, local } = await startPair(t);
  const port = await echo(t);
  const payload = randomBytes(200_000);
  t.ok((await socksRoundTrip(local.port, '127.0.0.1', port, payload)).equals(payload));
  const [stats] = await local.waitClosed(1);
  t.match(stats, { status: 'OK', frontEnd: 'socks5', target: { type: 'ipv4', host: '127.0.0.1', port }, bytesUp: payload.length, bytesDown: payload.length, requests: 1 });
  const [s] = await server.waitClosed(1);
  t.equal(s!.status, 'OK');
});

const skipV6 = (await ipv6LoopbackAvailable()) ? false : 'IPv6 loopback (::1) is not available on this machine';

t.test('relays SOCKS5 CONNECT to an IPv6 target', { skip: skipV6 }, async (t) => {
  const { local } = await startPair(t);
  const port = await echo(t, '::1');
  const payload = randomBytes(5000);
  t.ok((await socksRoundTrip(local.port, '::1', port, payload)).equals(payload));
  const [stats] = await local.waitClosed(1);
  t.match(stats, { status: 'OK', target: { type: 'ipv6', host: '::1', port } });
});

t.test('passes SOCKS5 domain targets to the server unresolved', async (t) => {
  const { server, local } = await startPair(t);
  const port = await echo(t);
  const payload = randomBytes(5000);
  t.ok((await socksRoundTrip(local.port, 'echo.test', port, payload)).equals(payload));
  const [s] = await server.waitClosed(1);
  t.match(s, { status: 'OK', target: { type: 'domain', host: 'echo.test', port }, targetAddress: '127.0.0.1' });
  const [stats] = await local.waitClosed(1);
  t.match(stats, { target: { type: 'domain', host: 'echo.test' } });
});

t.test('half-closes: the client FIN reaches the target and the reply still comes back', async (t) => {
  const { local } = await startPair(t);
  const port = await echo(t);
  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port }, timeout: 5000 });
  const payload = randomBytes(1_000_000);
  const all = readAll(socket);
  socket.end(payload);
  t.ok((await all).equals(payload), 'whole echo arrives after our FIN, then EOF');
  const [stats] = await local.waitClosed(1);
  t.equal(stats!.status, 'OK');
});

t.test('sends the address header and the first payload in one packet', async (t) => {
  const { spec, masterKey } = keysFor(method, password);
  const firstChunks: Buffer[] = [];
  const fake = netCreateServer((s) => {
    s.once('data', (d: Buffer) => firstChunks.push(d));
    s.on('error', () => {});
  });
  fake.listen(0, '127.0.0.1');
  await once(fake, 'listening');
  t.teardown(() => { fake.close(); });
  const local = await startLocalUnderTest({ server: '127.0.0.1', serverPort: (fake.address() as AddressInfo).port, method, password, firstPacketDelayMs: 1000 });
  t.teardown(local.close);
  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'connect', destination: { host: 'example.test', port: 80 }, timeout: 5000 });
  const started = Date.now();
  socket.write('GET / HTTP/1.0\r\n\r\n');
  while (firstChunks.length === 0) await new Promise((r) => setTimeout(r, 5));
  t.ok(Date.now() - started < 900, 'did not wait for the delay');
  const decrypt = new DecryptTransform({ spec, masterKey });
  decrypt.end(firstChunks[0]);
  const plain = Buffer.concat(await decrypt.toArray());
  t.equal(plain.toString('latin1'), '\x03\x0cexample.test\x00\x50GET / HTTP/1.0\r\n\r\n', 'header and payload in the first packet');
  t.equal(firstChunks[0]!.length, spec.saltLength + 2 + 16 + plain.length + 16, 'one AEAD chunk');
  socket.destroy();
});

t.test('sends the header alone after the delay when the server speaks first', async (t) => {
  const { local } = await startPair(t, { firstPacketDelayMs: 30 });
  const banner = Buffer.from('220 hello from a server-first protocol\r\n');
  const sockets = new Set<Socket>();
  const smtp = netCreateServer((s) => { sockets.add(s); s.on('error', () => {}); s.write(banner); });
  smtp.listen(0, '127.0.0.1');
  await once(smtp, 'listening');
  t.teardown(() => { for (const s of sockets) s.destroy(); smtp.close(); });
  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port: (smtp.address() as AddressInfo).port }, timeout: 5000 });
  t.same(await readBytes(socket, banner.length, 3000), banner);
  socket.destroy();
});

t.test('tunnels HTTP CONNECT', async (t) => {
  const { local } = await startPair(t);
  const port = await echo(t);
  const c = await rawConnect(local.port);
  const payload = randomBytes(100_000);
  // The first payload rides in the same write as the CONNECT head.
  c.socket.write(Buffer.concat([Buffer.from(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`), payload]));
  const established = 'HTTP/1.1 200 Connection established\r\n\r\n';
  const got = await c.waitBytes(established.length + payload.length);
  t.equal(got.subarray(0, established.length).toString(), established);
  t.ok(got.subarray(established.length).equals(payload));
  c.socket.end();
  const [stats] = await local.waitClosed(1);
  t.match(stats, { status: 'OK', frontEnd: 'http', target: { host: '127.0.0.1', port }, requests: 1 });
});

function proxyGet(localPort: number, agent: Agent, url: string, init: { method?: string; body?: Buffer; chunked?: boolean } = {}): Promise<{ status: number; body: Buffer; headers: Record<string, unknown>; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers: Record<string, string> = { Host: u.host };
    if (init.body && !init.chunked) headers['Content-Length'] = String(init.body.length);
    const req = httpRequest({ host: '127.0.0.1', port: localPort, method: init.method ?? 'GET', path: url, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks), headers: res.headers, socket: req.socket! }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (init.body && init.chunked) {
      req.write(init.body.subarray(0, 1000));
      req.end(init.body.subarray(1000));
    } else req.end(init.body);
  });
}

t.test('forwards absolute-form requests, keeping the client connection across hosts', async (t) => {
  const { server, local } = await startPair(t);
  const seen: string[] = [];
  const a = await startOrigin((req, res) => { seen.push(`a ${req.method} ${req.url} host=${req.headers.host} conn=${req.headers.connection}`); res.end('from a'); });
  const b = await startOrigin((req, res) => { seen.push(`b ${req.method} ${req.url} host=${req.headers.host}`); res.setHeader('Content-Type', 'text/plain'); res.write('from '); res.end('b (chunked)'); });
  t.teardown(a.close);
  t.teardown(b.close);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const r1 = await proxyGet(local.port, agent, `http://127.0.0.1:${a.port}/one?x=1`);
  const r2 = await proxyGet(local.port, agent, `http://echo.test:${b.port}/two`);
  const r3 = await proxyGet(local.port, agent, `http://127.0.0.1:${a.port}/three`);
  t.same([r1.status, r1.body.toString(), r2.status, r2.body.toString(), r3.body.toString()], [200, 'from a', 200, 'from b (chunked)', 'from a']);
  t.equal(r1.socket, r3.socket, 'one client connection served all three');
  t.equal(r1.headers['connection'], 'keep-alive');
  t.same(seen, [`a GET /one?x=1 host=127.0.0.1:${a.port} conn=close`, `b GET /two host=echo.test:${b.port}`, `a GET /three host=127.0.0.1:${a.port} conn=close`]);
  agent.destroy();
  const [stats] = await local.waitClosed(1);
  t.match(stats, { status: 'OK', frontEnd: 'http', requests: 3, target: { host: '127.0.0.1', port: a.port } });
  await server.waitClosed(3);
});

t.test('forwards request bodies with Content-Length and chunked encoding', async (t) => {
  const { local } = await startPair(t);
  const origin = await startOrigin((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => res.end(`${req.headers['transfer-encoding'] ?? 'fixed'} ${Buffer.concat(chunks).length}`));
  });
  t.teardown(origin.close);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const body = randomBytes(300_000);
  const r1 = await proxyGet(local.port, agent, `http://127.0.0.1:${origin.port}/up`, { method: 'POST', body });
  const r2 = await proxyGet(local.port, agent, `http://127.0.0.1:${origin.port}/up`, { method: 'POST', body, chunked: true });
  t.equal(r1.body.toString(), `fixed ${body.length}`);
  t.equal(r2.body.toString(), `chunked ${body.length}`);
  t.equal(r1.socket, r2.socket);
});

t.test('counts as bytesUp the request bytes the origin receives, not the address header', async (t) => {
  const { local } = await startPair(t);
  let received = 0;
  const origin = netCreateServer((socket) => {
    socket.on('data', (d: Buffer) => {
      received += d.length;
      if (d.includes('\r\n\r\nbody')) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  t.teardown(() => origin.close());
  const port = (origin.address() as AddressInfo).port;
  const client = await rawConnect(local.port);
  client.socket.write(`POST http://127.0.0.1:${port}/x HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody`);
  await client.closed;
  const [stats] = await local.waitClosed(1);
  t.equal(stats!.frontEnd, 'http');
  t.equal(stats!.bytesUp, received, 'the rewritten head and the body, as the origin got them');
});

t.test('closes the client connection after a response delimited by close', async (t) => {
  const { local } = await startPair(t);
  const port = await new Promise<number>((resolve) => {
    const s = netCreateServer((c) => {
      c.on('error', () => {});
      c.once('data', () => c.end('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close'));
    });
    s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port));
    t.teardown(() => { s.close(); });
  });
  const c = await rawConnect(local.port);
  c.socket.write(`GET http://127.0.0.1:${port}/ HTTP/1.1\r\nHost: x\r\n\r\n`);
  t.equal(await c.closed, 'end');
  const text = c.received().toString();
  t.match(text, /^HTTP\/1\.0 200 OK\r\n/);
  t.match(text, /\r\nConnection: close\r\n\r\nuntil close$/);
});

t.test('answers 502 when the server cannot be reached', async (t) => {
  const local = await startLocalUnderTest({ server: '127.0.0.1', serverPort: await closedPort(), method, password });
  t.teardown(local.close);
  const s = await rawConnect(local.port);
  s.socket.write(Buffer.from([5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0, 80]));
  t.same([...(await s.waitBytes(12)).subarray(0, 4)], [5, 0, 5, 5], 'SOCKS5 reply 0x05 connection refused');
  t.equal(await s.closed, 'end');
  const h = await rawConnect(local.port);
  h.socket.write('CONNECT 127.0.0.1:80 HTTP/1.1\r\n\r\n');
  await h.closed;
  t.match(h.received().toString(), /^HTTP\/1\.1 502 Bad Gateway\r\n/);
  const g = await rawConnect(local.port);
  g.socket.write('GET http://127.0.0.1/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await g.closed;
  t.match(g.received().toString(), /^HTTP\/1\.1 502 Bad Gateway\r\n/);
  const stats = await local.waitClosed(3);
  t.same(stats.map((x) => x.status), ['ERR_SS_SERVER_UNREACHABLE', 'ERR_SS_SERVER_UNREACHABLE', 'ERR_SS_SERVER_UNREACHABLE']);
  t.equal(local.local.connections, 0);
});

t.test('times out a server that never answers (wrong password)', async (t) => {
  const { server, local } = await startPair(t, { password: 'not-the-password', idleTimeoutMs: 300 });
  const port = await echo(t);
  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port }, timeout: 5000 });
  socket.on('error', () => {});
  socket.write('hello');
  await once(socket, 'close');
  const [stats] = await local.waitClosed(1);
  t.equal(stats!.status, 'ERR_SS_IDLE_TIMEOUT');
  t.equal(stats!.bytesDown, 0);
  const g = await rawConnect(local.port);
  g.socket.write(`GET http://127.0.0.1:${port}/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  await g.closed;
  t.match(g.received().toString(), /^HTTP\/1\.1 504 Gateway Timeout\r\n/);
  const [, s2] = await local.waitClosed(2);
  t.equal(s2!.status, 'ERR_SS_IDLE_TIMEOUT');
  const probes = await server.waitClosed(2);
  t.same(probes.map((p) => p.status), ['ERR_SS_DECRYPT', 'ERR_SS_DECRYPT'], 'the server saw garbage');
});

t.test('forwards to a fixed target in tunnel mode', async (t) => {
  const port = await echo(t);
  const { local } = await startPair(t, { tunnel: `127.0.0.1:${port}` });
  const c = await rawConnect(local.port);
  const payload = randomBytes(50_000);
  c.socket.write(payload);
  t.ok((await c.waitBytes(payload.length)).equals(payload));
  c.socket.end();
  const [stats] = await local.waitClosed(1);
  t.match(stats, { status: 'OK', frontEnd: 'tunnel', target: { host: '127.0.0.1', port } });
});

t.test('a throwing onConnectionClose hook is logged, and the proxy goes on', async (t) => {
  const errors: string[] = [];
  const logger = { debug() {}, info() {}, warn() {}, error: (message: string) => errors.push(message) };
  const { local } = await startPair(t, { logger, onConnectionClose: () => { throw new Error('hook bug'); } });
  const port = await echo(t);
  const payload = randomBytes(1000);
  for (let i = 0; i < 2; i++) t.ok((await socksRoundTrip(local.port, '127.0.0.1', port, payload)).equals(payload), `round trip ${i + 1}`);
  await local.waitClosed(2);
  await new Promise((r) => setImmediate(r));
  t.same(errors, ['connectionClose hook threw', 'connectionClose hook threw']);
  await local.local.close(100);
  t.equal(local.local.connections, 0);
});

t.test('close() ends open connections after the grace period', async (t) => {
  const { local } = await startPair(t);
  const port = await echo(t);
  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port }, timeout: 5000 });
  socket.on('error', () => {});
  await local.local.close(50);
  const [stats] = await local.waitClosed(1);
  t.equal(stats!.status, 'ERR_SS_SHUTDOWN');
  t.equal(local.local.connections, 0);
});

t.test('stops dialling when the client leaves, and times out a server that does not accept', async (t) => {
  const pending: Socket[] = [];
  // A dialer whose sockets never connect: a server that does not answer SYNs.
  const connect = (): Socket => {
    const s = new Socket({ allowHalfOpen: true });
    pending.push(s);
    return s;
  };
  const local = await startLocalUnderTest({ server: '127.0.0.1', serverPort: 9, method, password, connect, connectTimeoutMs: 300 });
  t.teardown(local.close);
  const a = await rawConnect(local.port);
  a.socket.write(Buffer.from([5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0, 80]));
  await a.waitBytes(2);
  await new Promise((r) => setTimeout(r, 20));
  a.socket.destroy();
  const [first] = await local.waitClosed(1);
  t.equal(first!.status, 'ERR_SS_RELAY_CLIENT');
  t.ok(pending[0]!.destroyed, 'the dial was abandoned');
  const b = await rawConnect(local.port);
  b.socket.write(Buffer.from([5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0, 80]));
  t.same([...(await b.waitBytes(12)).subarray(0, 4)], [5, 0, 5, 4], 'SOCKS5 reply 0x04 after the connect timeout');
  const [, second] = await local.waitClosed(2);
  t.equal(second!.status, 'ERR_SS_SERVER_UNREACHABLE');
  t.equal(local.local.connections, 0);
});

t.test('switchServer() answers false for the server in use, and refuses bad settings and another plugin without changing anything', async (t) => {
  const local = createLocal({ host: '127.0.0.1', port: 0, server: '127.0.0.1', serverPort: 8388, method: 'aes-128-gcm', password: 'pw' });
  t.equal(await local.switchServer({ server: '127.0.0.1', serverPort: 8388, method: 'aes-128-gcm', password: 'pw' }), false);
  await t.rejects(local.switchServer({ server: '127.0.0.1', serverPort: 8388, method: 'rc5' as never, password: 'pw' }), { code: 'ERR_SS_CONFIG', message: /method/ });
  await t.rejects(local.switchServer({ server: '127.0.0.1', serverPort: 8388, method: 'aes-128-gcm', password: 'pw', plugin: 'obfs-local' }), { code: 'ERR_SS_CONFIG', message: /plugin: cannot change on a running local/ });
  t.equal(local.method, 'aes-128-gcm', 'still the first method');
  t.equal(await local.switchServer({ server: '127.0.0.1', serverPort: 8388, method: 'aes-128-gcm', password: 'new' }), true, 'a new password alone is a switch');
});
