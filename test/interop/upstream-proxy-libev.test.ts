/**
 * Upstream proxy chains through libev (issue 17): libev `ss-local -u` (a
 * SOCKS5 server with UDP ASSOCIATE) in front of a libev `ss-server`, used as
 *
 * - our server's `outboundProxy`:  client ─▶ our server ─▶ ss-local ─▶ ss-server ─▶ echo (TCP and UDP)
 * - our local's `proxy`:           app ─▶ our local ─▶ ss-local ─▶ ss-server ─▶ our server ─▶ echo (TCP and UDP)
 *
 * Transfers are checked byte for byte. Everything runs on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { SocksClient } from 'socks';
import t, { type Test } from 'tap';
import { createServer } from '../../lib/server/server.js';
import { firstDifference, startServerUnderTest } from '../fixtures/interop.js';
import { libevMissing, startSsLocal, startSsServer } from '../fixtures/libev.js';
import { startLocalUnderTest } from '../fixtures/local.js';
import { socksUdpAssociate } from '../fixtures/local-udp.js';
import { readBytes, startEchoServer } from '../fixtures/net.js';
import { keysFor, ssConnect } from '../fixtures/ss-client.js';
import { SsUdpClient } from '../fixtures/ss-udp.js';
import { startUdpEcho } from '../fixtures/udp.js';

const method = 'aes-256-gcm';
const password = 'upstream-interop';
const MiB = 1024 * 1024;
const skip = libevMissing('ss-local', 'ss-server');

// libev ss-local (SOCKS5, -u) relaying through libev ss-server, closed when `t` ends.
async function startLibevProxy(t: Test): Promise<number> {
  const server = await startSsServer({ method: 'chacha20-ietf-poly1305', password: 'libev-exit', args: ['-u'] });
  t.teardown(() => server.stop());
  const local = await startSsLocal({ method: 'chacha20-ietf-poly1305', password: 'libev-exit', serverPort: server.port, args: ['-u'] });
  t.teardown(() => local.stop());
  return local.port;
}

t.test('our server dials its targets through libev ss-local -> ss-server: 1 MiB each way, and UDP', { skip }, async (t) => {
  const proxyPort = await startLibevProxy(t);
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const udpEcho = await startUdpEcho();
  t.teardown(udpEcho.close);
  const server = createServer({ host: '127.0.0.1', port: 0, method, password, forbiddenIp: [], outboundProxy: `socks5://127.0.0.1:${proxyPort}` });
  await server.listen();
  t.teardown(() => server.close(0));
  const sent = randomBytes(MiB);
  const c = await ssConnect(server.address().port, { method, password, target: { host: '127.0.0.1', port: echo.port } });
  const reply = readBytes(c.decrypt, MiB, 60_000);
  c.encrypt.write(sent);
  const got = await reply;
  c.socket.destroy();
  t.equal(firstDifference(got, sent), undefined, 'the echo is the same bytes');
  const { spec, masterKey } = keysFor(method, password);
  const udp = await SsUdpClient.open(spec, masterKey, { host: '127.0.0.1', port: server.address().port });
  t.teardown(() => udp.close());
  for (const size of [1, 1000, 1400]) {
    const payload = randomBytes(size);
    t.ok((await udp.echo({ host: '127.0.0.1', port: udpEcho.port }, payload)).payload.equals(payload), `UDP: ${size} bytes echoed through UDP ASSOCIATE`);
  }
});

t.test('our local reaches our server through libev ss-local -> ss-server: 1 MiB each way, and UDP', { skip }, async (t) => {
  const proxyPort = await startLibevProxy(t);
  const server = await startServerUnderTest({ method, password, forbiddenIp: [] });
  t.teardown(server.close);
  const local = await startLocalUnderTest({ server: '127.0.0.1', serverPort: server.port, method, password, proxy: `socks5://127.0.0.1:${proxyPort}` });
  t.teardown(local.close);
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const udpEcho = await startUdpEcho();
  t.teardown(udpEcho.close);
  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port: echo.port }, timeout: 10_000 });
  const sent = randomBytes(MiB);
  const reply = readBytes(socket, MiB, 60_000);
  socket.write(sent);
  const got = await reply;
  socket.destroy();
  t.equal(firstDifference(got, sent), undefined, 'the echo is the same bytes');
  const association = await socksUdpAssociate(local.port);
  t.teardown(() => association.close());
  for (const size of [1, 1000, 1400]) {
    const payload = randomBytes(size);
    t.ok((await association.echo({ host: '127.0.0.1', port: udpEcho.port }, payload)).data.equals(payload), `UDP: ${size} bytes echoed`);
  }
});
