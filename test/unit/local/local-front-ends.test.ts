/**
 * The SOCKS5 and HTTP front ends of the local proxy, driven with raw bytes:
 * malformed and unsupported input gets the right answer, and every
 * connection is closed and reported.
 */
import { SocksClient } from 'socks';
import t, { type Test } from 'tap';
import { startServerUnderTest } from '../../fixtures/interop.js';
import { rawConnect, startLocalUnderTest, startOrigin, type LocalUnderTest } from '../../fixtures/local.js';
import { readBytes, startEchoServer } from '../../fixtures/net.js';
import type { LocalOptions } from '../../../lib/local/local-options.js';
import type { UdpAssociateRequest } from '../../../lib/local/udp-associate.js';

const method = 'chacha20-ietf-poly1305';
const password = 'front-end-password';
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');

async function startLocal(t: Test, options: Partial<LocalOptions> = {}): Promise<LocalUnderTest> {
  const server = await startServerUnderTest({ method, password, forbiddenIp: [] });
  t.teardown(server.close);
  const local = await startLocalUnderTest({ server: '127.0.0.1', serverPort: server.port, method, password, handshakeTimeoutMs: 2000, ...options });
  t.teardown(local.close);
  return local;
}

async function exchange(local: LocalUnderTest, input: Buffer | string): Promise<{ reply: Buffer; how: 'end' | 'reset' }> {
  const c = await rawConnect(local.port);
  c.socket.write(input);
  const how = await c.closed;
  return { reply: c.received(), how };
}

t.test('SOCKS5: closes on a greeting without methods, with no reply', async (t) => {
  const local = await startLocal(t);
  t.same(await exchange(local, hex('05 00')), { reply: Buffer.alloc(0), how: 'end' });
  const [stats] = await local.waitClosed(1);
  t.match(stats, { status: 'ERR_SS_SOCKS_PROTOCOL', frontEnd: 'socks5' });
});

t.test('SOCKS5: reports a client that leaves inside the handshake', async (t) => {
  const local = await startLocal(t);
  for (const partial of [hex('05'), hex('05 02 00'), hex('05 01 00 05 01 00 03 09 65 63')]) {
    const c = await rawConnect(local.port);
    c.socket.write(partial);
    await new Promise((r) => setTimeout(r, 20));
    c.socket.destroy();
  }
  const stats = await local.waitClosed(3);
  t.same(stats.map((s) => s.status), ['ERR_SS_TRUNCATED', 'ERR_SS_TRUNCATED', 'ERR_SS_TRUNCATED']);
  t.equal(local.local.connections, 0, 'nothing left open');
});

t.test('SOCKS5: answers 0x07 to BIND and unknown commands, 0x08 to unknown address types', async (t) => {
  const local = await startLocal(t, { mode: 'tcp_only' });
  const cases: [Buffer, number][] = [
    [hex('05 02 00 01 7f000001 0050'), 0x07],
    [hex('05 03 00 01 00000000 0000'), 0x07], // UDP ASSOCIATE in mode tcp_only
    [hex('05 7f 00 01 7f000001 0050'), 0x07],
    [hex('05 01 00 02 7f000001 0050'), 0x08],
    [hex('05 01 00 09 7f000001 0050'), 0x08],
  ];
  for (const [request, code] of cases) {
    const { reply, how } = await exchange(local, Buffer.concat([hex('05 01 00'), request]));
    t.same(reply, Buffer.concat([hex('05 00'), hex('05'), Buffer.from([code]), hex('00 01 00000000 0000')]), `reply 0x0${code} to ${request.toString('hex')}`);
    t.equal(how, 'end');
  }
  const stats = await local.waitClosed(cases.length);
  t.same(stats.map((s) => s.status), ['ERR_SS_SOCKS_COMMAND', 'ERR_SS_SOCKS_COMMAND', 'ERR_SS_SOCKS_COMMAND', 'ERR_SS_BAD_ADDRESS_TYPE', 'ERR_SS_BAD_ADDRESS_TYPE']);
});

t.test('SOCKS5: answers a bad request version with 0x01', async (t) => {
  const local = await startLocal(t);
  const { reply } = await exchange(local, hex('05 01 00 04 01 00 01 7f000001 0050'));
  t.same(reply, hex('0500 05 01 00 01 00000000 0000'));
});

t.test('SOCKS5: requires username and password when configured', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const local = await startLocal(t, { socksUsername: 'alice', socksPassword: 's3cret' });
  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5, userId: 'alice', password: 's3cret' }, command: 'connect', destination: { host: '127.0.0.1', port: echo.port }, timeout: 5000 });
  socket.write('ping');
  t.equal((await readBytes(socket, 4)).toString(), 'ping');
  socket.destroy();
  const wrong = await exchange(local, Buffer.concat([hex('05 01 02 01 05'), Buffer.from('alice'), hex('05'), Buffer.from('wrong')]));
  t.same(wrong.reply, hex('0502 0101'), 'status 1 for a wrong password');
  const none = await exchange(local, hex('05 01 00'));
  t.same(none.reply, hex('05ff'), 'no acceptable method without credentials');
  const stats = await local.waitClosed(3);
  t.same(stats.map((s) => s.status).sort(), ['ERR_SS_PROXY_AUTH', 'ERR_SS_PROXY_AUTH', 'OK']);
});

t.test('SOCKS5: hands UDP ASSOCIATE to the udpAssociate hook', async (t) => {
  const requests: UdpAssociateRequest[] = [];
  const local = await startLocal(t, {
    udpAssociate: (req) => {
      requests.push(req);
      req.reply(0x00, { host: '127.0.0.1', port: 5353 });
    },
  });
  const c = await rawConnect(local.port);
  c.socket.write(hex('05 01 00 05 03 00 01 00000000 0000'));
  t.same(await c.waitBytes(12), hex('0500 05 00 00 01 7f000001 14e9'), 'the hook\'s reply with the relay address');
  t.equal(requests.length, 1);
  t.same(requests[0]!.address, { type: 'ipv4', host: '0.0.0.0', port: 0 });
  t.equal(requests[0]!.socket.remotePort, c.socket.localPort, 'the hook gets the control connection');
  await new Promise((r) => setTimeout(r, 50));
  t.notOk(c.socket.closed, 'the association stays while the connection is open');
  c.socket.end();
  const [stats] = await local.waitClosed(1);
  t.match(stats, { status: 'OK', requests: 1, target: { host: '0.0.0.0', port: 0 } });
});

t.test('SOCKS5: closes when the udpAssociate hook refuses', async (t) => {
  const local = await startLocal(t, { udpAssociate: (req) => req.reply(0x01) });
  const { reply, how } = await exchange(local, hex('05 01 00 05 03 00 01 00000000 0000'));
  t.same(reply, hex('0500 05 01 00 01 00000000 0000'));
  t.equal(how, 'end');
  const [stats] = await local.waitClosed(1);
  t.equal(stats!.status, 'ERR_SS_SOCKS_COMMAND');
});

t.test('SOCKS5: closes a client that sends nothing after the handshake timeout', async (t) => {
  const local = await startLocal(t, { handshakeTimeoutMs: 100 });
  const c = await rawConnect(local.port);
  const started = Date.now();
  await c.closed;
  t.ok(Date.now() - started >= 90);
  const [stats] = await local.waitClosed(1);
  t.equal(stats!.status, 'ERR_SS_HANDSHAKE_TIMEOUT');
});

t.test('HTTP: answers malformed and unsupported requests with 400', async (t) => {
  const local = await startLocal(t);
  const bad = [
    'GET /origin-form HTTP/1.1\r\nHost: a\r\n\r\n',
    'GET https://a.test/ HTTP/1.1\r\n\r\n',
    'GET http://a.test/ HTTP/3\r\n\r\n',
    'CONNECT a.test HTTP/1.1\r\n\r\n',
    'CONNECT a.test:0 HTTP/1.1\r\n\r\n',
    'POST http://a.test/ HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
    'GET http://a.test/ HTTP/1.1\r\nHost : a\r\n\r\n',
    '\x04\x01\x00\x50\x7f\x00\x00\x01\x00',
  ];
  for (const text of bad) {
    const { reply, how } = await exchange(local, Buffer.from(text, 'latin1'));
    t.match(reply.toString(), /^HTTP\/1\.1 400 Bad Request\r\n[^]*Connection: close\r\n\r\n400 /, JSON.stringify(text));
    t.equal(how, 'end');
  }
  const stats = await local.waitClosed(bad.length);
  t.ok(stats.every((s) => s.status === 'ERR_SS_HTTP_BAD_REQUEST' && s.frontEnd === 'http'), stats.map((s) => s.status).join());
});

t.test('HTTP: answers an oversize head with 431', async (t) => {
  const local = await startLocal(t, { maxHttpHeadBytes: 4096 });
  const c = await rawConnect(local.port);
  c.socket.write(`GET http://a.test/ HTTP/1.1\r\nX-Big: ${'x'.repeat(5000)}`);
  await c.closed;
  t.match(c.received().toString(), /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  const [stats] = await local.waitClosed(1);
  t.equal(stats!.status, 'ERR_SS_HTTP_HEAD_TOO_LARGE');
});

t.test('HTTP: requires Proxy-Authorization when credentials are configured', async (t) => {
  const origin = await startOrigin((_req, res) => res.end('secret page'));
  t.teardown(origin.close);
  const local = await startLocal(t, { socksUsername: 'alice', socksPassword: 's3cret' });
  const denied = await exchange(local, `GET http://127.0.0.1:${origin.port}/ HTTP/1.1\r\nHost: x\r\n\r\n`);
  t.match(denied.reply.toString(), /^HTTP\/1\.1 407 [^]*\r\nProxy-Authenticate: Basic realm="ss-stream-local"\r\n/);
  const auth = Buffer.from('alice:s3cret').toString('base64');
  const c = await rawConnect(local.port);
  c.socket.write(`GET http://127.0.0.1:${origin.port}/ HTTP/1.1\r\nHost: x\r\nProxy-Authorization: Basic ${auth}\r\nConnection: close\r\n\r\n`);
  await c.closed;
  t.match(c.received().toString(), /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nsecret page$/);
});

t.test('HTTP: answers 400 to a client that closes inside a request', async (t) => {
  const local = await startLocal(t);
  const c = await rawConnect(local.port);
  c.socket.end('GET http://a.test/ HTTP/1.1\r\nHost: a');
  await c.closed;
  t.match(c.received().toString(), /^HTTP\/1\.1 400 /);
  const [stats] = await local.waitClosed(1);
  t.equal(stats!.status, 'ERR_SS_TRUNCATED');
});
