/**
 * The local side reaching its server through an upstream proxy (issue 17):
 * SOCKS5 and HTTP CONNECT (another ss-stream-local as the proxy), with RFC
 * 1929 credentials, and the failures (wrong password, dead proxy) reported
 * with their own codes.
 */
import { randomBytes } from 'node:crypto';
import { SocksClient } from 'socks';
import t, { type Test } from 'tap';
import type { LocalOptions } from '../../../lib/local/local-options.js';
import { firstDifference, startServerUnderTest } from '../../fixtures/interop.js';
import { closedPort, startLocalUnderTest } from '../../fixtures/local.js';
import { connectTo, readAll, readBytes, startEchoServer } from '../../fixtures/net.js';
import { startTestUpstreamProxy } from '../../fixtures/upstream-proxy.js';
import { socksUdpAssociate } from '../../fixtures/local-udp.js';
import { startUdpEcho, UdpClient } from '../../fixtures/udp.js';

const method = 'aes-256-gcm';
const password = 'local-proxy-test';
const MiB = 1024 * 1024;

async function start(t: Test, proxy: string, options: Partial<LocalOptions> = {}) {
  const server = await startServerUnderTest({ method, password, forbiddenIp: [] });
  t.teardown(server.close);
  const local = await startLocalUnderTest({ server: '127.0.0.1', serverPort: server.port, method, password, proxy, ...options });
  t.teardown(local.close);
  const echo = await startEchoServer();
  t.teardown(echo.close);
  return { server, local, echoPort: echo.port };
}

async function socksEcho(localPort: number, port: number, size: number): Promise<{ sent: Buffer; got: Buffer }> {
  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: localPort, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port }, timeout: 10_000 });
  const sent = randomBytes(size);
  const reply = readBytes(socket, size, 60_000);
  socket.end(sent);
  const got = await reply;
  socket.destroy();
  return { sent, got };
}

for (const scheme of ['socks5', 'http'] as const) {
  t.test(`relays 1 MiB each way byte for byte to the server through a ${scheme} proxy`, async (t) => {
    const proxy = await startTestUpstreamProxy(t);
    const { server, local, echoPort } = await start(t, scheme === 'socks5' ? proxy.socksUrl : proxy.httpUrl, { mode: 'tcp_only' });
    const { sent, got } = await socksEcho(local.port, echoPort, MiB);
    t.equal(firstDifference(got, sent), undefined, 'the echo is the same bytes');
    t.equal((await local.waitClosed(1))[0]!.status, 'OK');
    const [viaProxy] = await proxy.local.waitClosed(1);
    t.match(viaProxy, { frontEnd: scheme === 'socks5' ? 'socks5' : 'http', target: { host: '127.0.0.1', port: server.port } }, 'the proxy carried the connection to our server');
  });
}

t.test('with RFC 1929 credentials the proxy is used; a wrong password ends with ERR_SS_UPSTREAM_AUTH', async (t) => {
  const proxy = await startTestUpstreamProxy(t, { username: 'me', password: 'right-s3cret' });
  const good = await start(t, proxy.socksUrl, { mode: 'tcp_only' });
  const { sent, got } = await socksEcho(good.local.port, good.echoPort, MiB);
  t.equal(firstDifference(got, sent), undefined, '1 MiB each way');
  for (const scheme of ['socks5', 'http']) {
    const bad = await start(t, `${scheme}://me:wrong-s3cret@127.0.0.1:${proxy.port}`, { mode: 'tcp_only' });
    await t.rejects(socksEcho(bad.local.port, bad.echoPort, 10), `${scheme}: the SOCKS5 client is refused`);
    t.equal((await bad.local.waitClosed(1))[0]!.status, 'ERR_SS_UPSTREAM_AUTH', `${scheme}: ERR_SS_UPSTREAM_AUTH`);
  }
});

t.test('a dead proxy ends the connection with ERR_SS_UPSTREAM_FAILED; HTTP clients get a 502', async (t) => {
  const port = await closedPort();
  const { local, echoPort } = await start(t, `socks5://127.0.0.1:${port}`, { mode: 'tcp_only' });
  await t.rejects(socksEcho(local.port, echoPort, 10));
  t.equal((await local.waitClosed(1))[0]!.status, 'ERR_SS_UPSTREAM_FAILED');
  const client = await connectTo(local.port);
  client.write(`CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\nHost: 127.0.0.1:${echoPort}\r\n\r\n`);
  t.match((await readAll(client)).toString('latin1'), /^HTTP\/1\.1 502 /, 'an HTTP CONNECT gets 502');
  t.equal((await local.waitClosed(2))[1]!.status, 'ERR_SS_UPSTREAM_FAILED');
});

t.test('UDP goes to the server through a SOCKS5 proxy\'s UDP ASSOCIATE: SOCKS5 associations and the tunnel', async (t) => {
  const proxy = await startTestUpstreamProxy(t, { username: 'me', password: 'udp-s3cret' }, { udp: true });
  const udpEcho = await startUdpEcho();
  t.teardown(udpEcho.close);
  const { local } = await start(t, proxy.socksUrl);
  const association = await socksUdpAssociate(local.port);
  t.teardown(() => association.close());
  for (const size of [1, 1200, 8000]) {
    const payload = randomBytes(size);
    const reply = await association.echo({ host: '127.0.0.1', port: udpEcho.port }, payload);
    t.ok(reply.data.equals(payload), `${size} bytes echoed through the association`);
  }
  t.ok((proxy.exit.server.udpStats?.packetsToRemote ?? 0) >= 3, 'the proxy carried them');
  const before = proxy.exit.server.udpStats?.packetsToRemote ?? 0;
  const tunnel = await start(t, proxy.socksUrl, { tunnel: { host: '127.0.0.1', port: udpEcho.port } });
  const app = await UdpClient.open('127.0.0.1');
  t.teardown(() => app.close());
  const payload = randomBytes(500);
  const d = await app.request(() => app.send(payload, tunnel.local.port, '127.0.0.1'), (x) => x.msg.equals(payload));
  t.ok(d.msg.equals(payload), 'the tunnel echoes');
  t.ok((proxy.exit.server.udpStats?.packetsToRemote ?? 0) > before, 'through the proxy');
});

t.test('UDP ASSOCIATE fails with a SOCKS5 failure when the proxy gives no UDP association', async (t) => {
  const proxy = await startTestUpstreamProxy(t);
  const { local } = await start(t, proxy.socksUrl);
  await t.rejects(socksUdpAssociate(local.port), 'the SOCKS5 client is refused');
});

t.test('with an HTTP proxy, UDP is off (it would not go through the proxy) and the start says so', async (t) => {
  const proxy = await startTestUpstreamProxy(t);
  const warnings: string[] = [];
  const logger = { debug: () => {}, info: () => {}, warn: (m: string, f?: Record<string, unknown>) => warnings.push(`${m} ${JSON.stringify(f)}`), error: () => {} };
  const { local } = await start(t, proxy.httpUrl.replace('http://', 'http://u:s3cret@'), { logger });
  t.equal(local.local.udpStats, undefined, 'no UDP relay');
  t.match(warnings, [/^UDP is off/], 'a warning at start');
  t.notOk(warnings.some((w) => w.includes('s3cret')), 'which does not show the password');
  await t.rejects(startLocalUnderTest({ server: '127.0.0.1', serverPort: 1, method, password, proxy: proxy.httpUrl, mode: 'udp_only' }), { code: 'ERR_SS_CONFIG', message: /^proxy: / });
});
