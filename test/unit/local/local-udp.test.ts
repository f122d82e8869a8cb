/**
 * UDP through our local proxy and our server: SOCKS5 UDP ASSOCIATE (driven
 * with the `socks` package), the association's life tied to its control
 * connection, FRAG != 0, the `mode` option, and UDP in tunnel mode.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect } from 'node:net';
import { SocksClient } from 'socks';
import t, { type Test } from 'tap';
import { createLocal } from '../../../lib/local/local.js';
import type { LocalOptions } from '../../../lib/local/local-options.js';
import { fakeLookup, ipv6LoopbackAvailable, startServerUnderTest } from '../../fixtures/interop.js';
import { rawConnect, startLocalPair, startLocalUnderTest } from '../../fixtures/local.js';
import { socksUdpAssociate, startTcpUdpEcho, type SocksUdpAssociation } from '../../fixtures/local-udp.js';
import { readBytes, startEchoServer } from '../../fixtures/net.js';
import { DATAGRAM_SIZES, startUdpEcho, taggedPayload, UdpClient } from '../../fixtures/udp.js';

const method = 'aes-128-gcm';
const password = 'local-udp-password';
const skipV6 = (await ipv6LoopbackAvailable()) ? false : 'IPv6 loopback (::1) is not available on this machine';
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');

const startPair = (t: Test, localOptions?: Partial<LocalOptions>) => startLocalPair(t, method, password, localOptions);

async function associate(t: Test, port: number, o?: Parameters<typeof socksUdpAssociate>[1]): Promise<SocksUdpAssociation> {
  const a = await socksUdpAssociate(port, o);
  t.teardown(a.close);
  return a;
}

async function udpEcho(t: Test, host = '127.0.0.1') {
  const e = await startUdpEcho(host);
  t.teardown(e.close);
  return e;
}

/** Polls `cond` every 10 ms for up to `ms`. */
async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/** True if nothing holds UDP `port` on `host` any more (we can bind it). */
async function udpPortFree(host: string, port: number): Promise<boolean> {
  const s = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, host, () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    s.close();
  }
}

for (const echoHost of ['127.0.0.1', '::1']) {
  t.test(`relays SOCKS5 UDP of 1 to 1400 bytes to an echo on ${echoHost}`, { skip: echoHost === '::1' && skipV6 }, async (t) => {
    const { server, local } = await startPair(t);
    const echo = await udpEcho(t, echoHost);
    const a = await associate(t, local.port);
    t.equal(a.relay.host, '127.0.0.1', 'BND.ADDR is the address the control connection arrived on');
    t.not(a.relay.port, local.port, 'a relay socket of its own');
    for (const [i, n] of DATAGRAM_SIZES.entries()) {
      const payload = taggedPayload(i, n);
      const reply = await a.echo({ host: echoHost, port: echo.port }, payload);
      t.ok(reply.data.equals(payload), `${n} bytes echoed`);
      if (i === 0) t.equal(reply.source.port, echo.port, 'the reply is labelled with the echo\'s address');
    }
    const stats = local.local.udpStats!;
    t.match(stats, { associations: 1, associationsTotal: 1 });
    t.ok(stats.packetsToClient >= DATAGRAM_SIZES.length && stats.packetsToRemote >= DATAGRAM_SIZES.length, 'counted both ways');
    t.same(Object.values(stats.dropped).reduce((x, y) => x + y, 0), 0, 'nothing dropped');
    t.ok(server.server.udpStats!.packetsToClient >= DATAGRAM_SIZES.length, 'through our server');
  });
}

t.test('replies with the address of a local listening on ::1', { skip: skipV6 }, async (t) => {
  const server = await startServerUnderTest({ method, password, forbiddenIp: [] });
  t.teardown(server.close);
  const local = createLocal({ server: '127.0.0.1', serverPort: server.port, method, password, host: '::1', port: 0 });
  await local.listen();
  t.teardown(() => local.close(100));
  const echo = await udpEcho(t);
  const a = await associate(t, local.address().port, { proxyHost: '::1', clientHost: '::1' });
  t.equal(a.relay.host.replace(/^0000:.*0001$/, '::1'), '::1', 'BND.ADDR is ::1');
  const payload = Buffer.from('over v6 to a v4 target');
  t.ok((await a.echo({ host: '127.0.0.1', port: echo.port }, payload)).data.equals(payload));
});

t.test('drops datagrams with FRAG != 0', async (t) => {
  const { local } = await startPair(t);
  const echo = await udpEcho(t);
  const a = await associate(t, local.port);
  const target = { host: '127.0.0.1', port: echo.port };
  await a.echo(target, Buffer.from('whole'));
  for (const frag of [1, 0x81]) a.send(target, Buffer.from(`fragment ${frag}`), frag);
  t.same(await a.collect(300), [], 'no reply to fragments');
  t.equal(echo.received, 1, 'fragments never reached the target');
  t.equal(local.local.udpStats!.dropped.fragmented, 2);
  t.ok((await a.echo(target, Buffer.from('whole again'))).data.equals(Buffer.from('whole again')), 'the association still works');
});

t.test('the association dies with its control connection', async (t) => {
  const { local } = await startPair(t);
  const echo = await udpEcho(t);
  const a = await associate(t, local.port);
  const target = { host: '127.0.0.1', port: echo.port };
  await a.echo(target, Buffer.from('before'));
  a.control.end();
  const [stats] = await local.waitClosed(1);
  t.match(stats, { status: 'OK', frontEnd: 'socks5', requests: 1 });
  // The relay closes on the control socket's 'close', just after the report.
  await until(() => local.local.udpStats!.associations === 0);
  t.equal(local.local.udpStats!.associations, 0, 'no association left');
  t.equal(local.local.udpStats!.associationsTotal, 1);
  const received = echo.received;
  a.send(target, Buffer.from('after'));
  t.same(await a.collect(300), [], 'no reply after the control connection closed');
  t.equal(echo.received, received, 'nothing reached the target');
  t.ok(await udpPortFree(a.relay.host, a.relay.port), 'the relay port is closed');
});

t.test('close() ends associations at once and cleanly', async (t) => {
  const { local } = await startPair(t, { shutdownGraceMs: 10_000 });
  const echo = await udpEcho(t);
  const a = await associate(t, local.port);
  await a.echo({ host: '127.0.0.1', port: echo.port }, Buffer.from('x'));
  const ended = once(a.control, 'end');
  const started = Date.now();
  await local.local.close();
  await ended;
  t.ok(Date.now() - started < 3000, 'without waiting for the grace period');
  t.match(local.closed, [{ status: 'OK' }], 'reported OK');
  t.ok(await udpPortFree(a.relay.host, a.relay.port), 'the relay port is closed');
});

t.test('mode tcp_only refuses UDP ASSOCIATE with 0x07', async (t) => {
  const { local } = await startPair(t, { mode: 'tcp_only' });
  t.equal(local.local.udpStats, undefined);
  await t.rejects(socksUdpAssociate(local.port), /Socks5 proxy rejected connection - CommandNotSupported|CommandNotSupported/);
});

t.test('mode udp_only serves UDP ASSOCIATE only', async (t) => {
  const { local } = await startPair(t, { mode: 'udp_only' });
  const echo = await udpEcho(t);
  const a = await associate(t, local.port);
  t.ok((await a.echo({ host: '127.0.0.1', port: echo.port }, Buffer.from('udp'))).data.equals(Buffer.from('udp')));
  const c = await rawConnect(local.port);
  c.socket.write(hex('05 01 00 05 01 00 01 7f000001 0050'));
  await c.closed;
  t.same(c.received(), hex('0500 05 07 00 01 00000000 0000'), 'CONNECT gets 0x07');
  const h = await rawConnect(local.port);
  h.socket.write('GET http://127.0.0.1:1/ HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n');
  await h.closed;
  t.match(h.received().toString(), /^HTTP\/1\.1 400 /, 'HTTP gets 400');
});

t.test('resolves a server given by name for UDP (lookup option), and refuses when it cannot', async (t) => {
  const server = await startServerUnderTest({ method, password, forbiddenIp: [] });
  t.teardown(server.close);
  const echo = await udpEcho(t);
  const local = await startLocalUnderTest({ server: 'echo.test', serverPort: server.port, method, password, lookup: fakeLookup });
  t.teardown(local.close);
  const a = await associate(t, local.port);
  t.ok((await a.echo({ host: '127.0.0.1', port: echo.port }, Buffer.from('named'))).data.equals(Buffer.from('named')));
  const bad = await startLocalUnderTest({ server: 'nowhere.test', serverPort: server.port, method, password, lookup: fakeLookup });
  t.teardown(bad.close);
  await t.rejects(socksUdpAssociate(bad.port), /rejected connection - Failure/, 'reply 0x01');
});

t.test('tunnel mode forwards UDP and TCP on the same port', async (t) => {
  const echo = await startTcpUdpEcho();
  t.teardown(echo.close);
  const { local } = await startPair(t, { tunnel: { host: '127.0.0.1', port: echo.port } });
  const app = await UdpClient.open();
  t.teardown(() => app.close());
  for (const [i, n] of DATAGRAM_SIZES.entries()) {
    const payload = taggedPayload(i, n);
    await app.request(() => app.send(payload, local.port), (d) => d.msg.equals(payload));
  }
  t.pass(`${DATAGRAM_SIZES.length} sizes echoed over UDP`);
  t.ok(local.local.udpStats!.packetsToClient >= DATAGRAM_SIZES.length);
  t.equal(local.local.udpStats!.tunnelSources, 1);
  const s = connect({ host: '127.0.0.1', port: local.port });
  await once(s, 'connect');
  s.write('tcp too');
  t.equal((await readBytes(s, 7)).toString(), 'tcp too');
  s.destroy();
});

t.test('tunnel mode with udp_only binds UDP only', async (t) => {
  const echo = await udpEcho(t);
  const tcp = await startEchoServer();
  t.teardown(tcp.close);
  const { local } = await startPair(t, { mode: 'udp_only', tunnel: `127.0.0.1:${echo.port}` });
  const app = await UdpClient.open();
  t.teardown(() => app.close());
  const payload = Buffer.from('only udp');
  await app.request(() => app.send(payload, local.port), (d) => d.msg.equals(payload));
  const s = connect({ host: '127.0.0.1', port: local.port });
  const [err] = (await once(s, 'error')) as [NodeJS.ErrnoException];
  t.equal(err.code, 'ECONNREFUSED', 'no TCP listener');
});

t.test('tunnel mode with tcp_only binds TCP only', async (t) => {
  const { local } = await startPair(t, { mode: 'tcp_only', tunnel: '127.0.0.1:9' });
  t.ok(await udpPortFree('127.0.0.1', local.port), 'the UDP port is free');
});

t.test('a custom udpAssociate hook replaces the built-in relay', async (t) => {
  const { local } = await startPair(t, { udpAssociate: (req) => req.reply(0x00, { host: '127.0.0.1', port: 5353 }) });
  const client = new SocksClient({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'associate', destination: { host: '0.0.0.0', port: 0 }, timeout: 5000 });
  client.connect();
  const [info] = (await once(client, 'established')) as [{ socket: import('node:net').Socket; remoteHost: { port: number } }];
  t.equal(info.remoteHost.port, 5353);
  info.socket.destroy();
});

t.test('switchServer() reopens the UDP tunnel towards the new server and keys; TCP follows too', async (t) => {
  const echo = await startTcpUdpEcho();
  t.teardown(echo.close);
  const { local, server: first } = await startPair(t, { tunnel: { host: '127.0.0.1', port: echo.port } });
  const other = await startServerUnderTest({ method: 'chacha20-ietf-poly1305', password: 'other-password', forbiddenIp: [] });
  t.teardown(other.close);
  const app = await UdpClient.open();
  t.teardown(() => app.close());
  const before = taggedPayload(1, 100);
  await app.request(() => app.send(before, local.port), (d) => d.msg.equals(before));
  t.equal(await local.local.switchServer({ server: '127.0.0.1', serverPort: other.port, method: 'chacha20-ietf-poly1305', password: 'other-password' }), true);
  t.equal(local.local.method, 'chacha20-ietf-poly1305');
  await first.close(); // from here on, only the new server can answer
  const after = taggedPayload(2, 100);
  await app.request(() => app.send(after, local.port), (d) => d.msg.equals(after));
  t.pass('a datagram after the switch is echoed, through the new server');
  const s = connect({ host: '127.0.0.1', port: local.port });
  await once(s, 'connect');
  s.write('tcp to the new one');
  t.equal((await readBytes(s, 18)).toString(), 'tcp to the new one');
  s.destroy();
  t.equal((await other.waitClosed(1)).length, 1, 'the new server relayed the TCP connection');
});
