/**
 * The HTTP forwarding front end against origins that do awkward things:
 * pipelining, bodiless responses, interim responses, early responses,
 * truncated responses, slow clients.
 */
import { randomBytes } from 'node:crypto';
import { createServer as netCreateServer, type AddressInfo, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { startServerUnderTest } from '../../fixtures/interop.js';
import { rawConnect, startLocalUnderTest, startOrigin, type LocalUnderTest } from '../../fixtures/local.js';
import type { LocalOptions } from '../../../lib/local/local-options.js';

const method = 'aes-128-gcm';
const password = 'http-front-end';

async function startLocal(t: Test, options: Partial<LocalOptions> = {}): Promise<LocalUnderTest> {
  const server = await startServerUnderTest({ method, password, forbiddenIp: [] });
  t.teardown(server.close);
  const local = await startLocalUnderTest({ server: '127.0.0.1', serverPort: server.port, method, password, ...options });
  t.teardown(local.close);
  return local;
}

/** A raw TCP origin: `respond` gets each connection's first data. */
async function rawOrigin(t: Test, respond: (s: Socket, request: string) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const s = netCreateServer((c) => {
    sockets.add(c);
    c.on('error', () => {});
    c.once('data', (d: Buffer) => respond(c, d.toString('latin1')));
  });
  s.listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  t.teardown(() => { for (const c of sockets) c.destroy(); s.close(); });
  return (s.address() as AddressInfo).port;
}

t.test('answers pipelined requests in order', async (t) => {
  const local = await startLocal(t);
  const origin = await startOrigin((req, res) => res.end(`you asked for ${req.url}`));
  t.teardown(origin.close);
  const c = await rawConnect(local.port);
  const get = (path: string, extra = ''): string => `GET http://127.0.0.1:${origin.port}${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
  c.socket.write(get('/1') + get('/2') + get('/3', 'Connection: close\r\n'));
  await c.closed;
  const bodies = [...c.received().toString().matchAll(/you asked for (\/\d)/g)].map((m) => m[1]);
  t.same(bodies, ['/1', '/2', '/3']);
  const [stats] = await local.waitClosed(1);
  t.match(stats, { status: 'OK', requests: 3 });
});

t.test('passes bodiless responses (HEAD, 204, 304) and keeps the connection', async (t) => {
  const local = await startLocal(t);
  const origin = await startOrigin((req, res) => {
    if (req.url === '/204') res.writeHead(204).end();
    else if (req.url === '/304') res.writeHead(304, { 'Content-Length': '99' }).end();
    else res.writeHead(200, { 'Content-Length': '5' }).end(req.method === 'HEAD' ? undefined : 'hello');
  });
  t.teardown(origin.close);
  const c = await rawConnect(local.port);
  const base = `http://127.0.0.1:${origin.port}`;
  c.socket.write(`HEAD ${base}/ HTTP/1.1\r\nHost: x\r\n\r\nGET ${base}/204 HTTP/1.1\r\nHost: x\r\n\r\nGET ${base}/304 HTTP/1.1\r\nHost: x\r\n\r\nGET ${base}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  await c.closed;
  const text = c.received().toString();
  t.same([...text.matchAll(/^HTTP\/1\.1 (\d+)/gm)].map((m) => m[1]), ['200', '204', '304', '200']);
  t.ok(text.endsWith('\r\n\r\nhello'), 'only the last response has a body');
});

t.test('passes interim 100 Continue responses to HTTP/1.1 clients', async (t) => {
  const local = await startLocal(t);
  const origin = await startOrigin((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => res.end(`got ${Buffer.concat(chunks).length}`));
  });
  t.teardown(origin.close);
  const c = await rawConnect(local.port);
  c.socket.write(`POST http://127.0.0.1:${origin.port}/ HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n`);
  await c.waitBytes(20);
  t.match(c.received().toString(), /^HTTP\/1\.1 100 Continue\r\n/);
  c.socket.write('body');
  await c.waitBytes(c.received().length + 40);
  t.match(c.received().toString(), /HTTP\/1\.1 200 OK\r\n[^]*got 4$/);
  c.socket.destroy();
});

t.test('closes the client after a response that came before the whole request body', async (t) => {
  const local = await startLocal(t);
  const port = await rawOrigin(t, (s) => s.end('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n'));
  const c = await rawConnect(local.port);
  c.socket.write(`POST http://127.0.0.1:${port}/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n${'x'.repeat(1000)}`);
  t.equal(await c.closed, 'end');
  t.match(c.received().toString(), /^HTTP\/1\.1 413 Payload Too Large\r\n/);
});

t.test('resets the client when the origin cuts a response short', async (t) => {
  const local = await startLocal(t);
  const port = await rawOrigin(t, (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part'));
  const c = await rawConnect(local.port);
  c.socket.write(`GET http://127.0.0.1:${port}/ HTTP/1.1\r\nHost: x\r\n\r\n`);
  t.equal(await c.closed, 'reset', 'no clean FIN after a truncated body');
  t.match(c.received().toString(), /\r\n\r\nonly part$/);
  const [stats] = await local.waitClosed(1);
  t.equal(stats!.status, 'ERR_SS_HTTP_BAD_RESPONSE');
});

t.test('answers 502 to an origin that closes without a response or sends garbage', async (t) => {
  const local = await startLocal(t);
  const silent = await rawOrigin(t, (s) => s.end());
  const garbage = await rawOrigin(t, (s) => s.end('SSH-2.0-OpenSSH\r\n\r\n'));
  for (const port of [silent, garbage]) {
    const c = await rawConnect(local.port);
    c.socket.write(`GET http://127.0.0.1:${port}/ HTTP/1.1\r\nHost: x\r\n\r\n`);
    await c.closed;
    t.match(c.received().toString(), /^HTTP\/1\.1 502 Bad Gateway\r\n/);
  }
  const stats = await local.waitClosed(2);
  t.same(stats.map((s) => s.status), ['ERR_SS_HTTP_BAD_RESPONSE', 'ERR_SS_HTTP_BAD_RESPONSE']);
});

t.test('answers 408 to a client that sends no complete request in time', async (t) => {
  const local = await startLocal(t, { handshakeTimeoutMs: 100 });
  const c = await rawConnect(local.port);
  c.socket.write('GET http://a.test/ HTTP/1.1\r\n');
  await c.closed;
  t.match(c.received().toString(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
  const [stats] = await local.waitClosed(1);
  t.equal(stats!.status, 'ERR_SS_HANDSHAKE_TIMEOUT');
});

t.test('delivers a large response to a slow reader (backpressure)', async (t) => {
  const local = await startLocal(t);
  const blob = randomBytes(16 << 20);
  const origin = await startOrigin((_req, res) => res.end(blob));
  t.teardown(origin.close);
  const c = await rawConnect(local.port);
  c.socket.pause();
  c.socket.write(`GET http://127.0.0.1:${origin.port}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  await new Promise((r) => setTimeout(r, 300));
  c.socket.resume();
  await c.closed;
  const text = c.received();
  const body = text.subarray(text.indexOf('\r\n\r\n') + 4);
  t.ok(body.equals(blob), '16 MiB intact');
});

t.test('closes an idle keep-alive connection without writing anything', async (t) => {
  const local = await startLocal(t, { idleTimeoutMs: 200 });
  const origin = await startOrigin((_req, res) => res.end('ok'));
  t.teardown(origin.close);
  const c = await rawConnect(local.port);
  c.socket.write(`GET http://127.0.0.1:${origin.port}/ HTTP/1.1\r\nHost: x\r\n\r\n`);
  const first = await c.waitBytes(10);
  await new Promise((r) => setTimeout(r, 100));
  const length = c.received().length;
  t.match(first.toString(), /^HTTP\/1\.1 200 OK\r\n/);
  t.equal(await c.closed, 'end');
  t.equal(c.received().length, length, 'no 504 or other bytes after the response');
  const [stats] = await local.waitClosed(1);
  t.match(stats, { status: 'ERR_SS_IDLE_TIMEOUT', requests: 1 });
});
