import t, { type Test } from 'tap';
import { evpBytesToKey } from '../../../lib/crypto/kdf.js';
import { getMethod } from '../../../lib/crypto/methods.js';
import { decodeSocks5UdpPacket, encodeSocks5UdpPacket } from '../../../lib/protocol/socks5-udp.js';
import { LocalUdpRelay, type LocalUdpRelayOptions } from '../../../lib/local/local-udp-relay.js';
import { UdpRelay } from '../../../lib/server/udp-relay.js';
import { startUdpEcho, taggedPayload, UdpClient, type Datagram } from '../../fixtures/udp.js';

const spec = getMethod('aes-256-gcm')!;
const masterKey = evpBytesToKey('local-udp', spec.keyLength);

async function setup(t: Test, options: Partial<LocalUdpRelayOptions> = {}, serverHost = '127.0.0.1') {
  const server = new UdpRelay({ spec, masterKey });
  const { port } = await server.listen({ host: serverHost, port: 0 });
  const local = await LocalUdpRelay.open({ spec, masterKey, server: { host: serverHost, port }, ...options });
  const app = await UdpClient.open();
  t.teardown(async () => {
    await app.close();
    await local.close();
    await server.close();
  });
  return { server, local, app, relayPort: local.address().port };
}

const socksReply = (payload: Buffer) => (d: Datagram): boolean => {
  try {
    return decodeSocks5UdpPacket(d.msg).data.equals(payload);
  } catch {
    return false;
  }
};

for (const echoHost of ['127.0.0.1', '::1']) {
  t.test(`relays SOCKS5 UDP datagrams through our server to an echo on ${echoHost}`, async (t) => {
    const echo = await startUdpEcho(echoHost);
    t.teardown(echo.close);
    const { local, app, relayPort } = await setup(t);
    t.equal(local.address().address, '127.0.0.1');
    for (const [i, n] of [0, 1, 100, 1400, 4000].entries()) {
      const payload = taggedPayload(i, n);
      const d = await app.request(() => app.send(encodeSocks5UdpPacket(echoHost, echo.port, payload), relayPort), socksReply(payload));
      t.match(decodeSocks5UdpPacket(d.msg).address, { host: echoHost, port: echo.port }, `${n} bytes, labelled with the echo's address`);
      t.same(d.msg.subarray(0, 3), Buffer.alloc(3), 'RSV and FRAG are zero');
    }
    t.same(local.client, { address: '127.0.0.1', port: app.port });
    t.ok(local.stats.packetsToClient >= 5);
  });
}

t.test('works with the server on ::1', async (t) => {
  const echo = await startUdpEcho('::1');
  t.teardown(echo.close);
  const { app, relayPort } = await setup(t, {}, '::1');
  const payload = Buffer.from('v6 all the way');
  await app.request(() => app.send(encodeSocks5UdpPacket('::1', echo.port, payload), relayPort), socksReply(payload));
  t.pass('echoed');
});

t.test('serves only the client it learned first', async (t) => {
  const echo = await startUdpEcho();
  t.teardown(echo.close);
  const { local, app, relayPort } = await setup(t);
  await app.request(() => app.send(encodeSocks5UdpPacket('127.0.0.1', echo.port, Buffer.from('me')), relayPort), socksReply(Buffer.from('me')));
  const intruder = await UdpClient.open();
  t.teardown(() => intruder.close());
  intruder.send(encodeSocks5UdpPacket('127.0.0.1', echo.port, Buffer.from('me too')), relayPort);
  t.same(await intruder.collect(300), []);
  t.equal(local.stats.dropped.foreignSource, 1);
  t.equal(echo.received, 1);
});

t.test('honours clientHost (IPv4-mapped spellings match) and clientPort', async (t) => {
  const echo = await startUdpEcho();
  t.teardown(echo.close);
  const other = await setup(t, { clientHost: '::1' });
  other.app.send(encodeSocks5UdpPacket('127.0.0.1', echo.port, Buffer.from('x')), other.relayPort);
  t.same(await other.app.collect(300), [], 'a client that is not the control connection\'s peer is ignored');
  t.equal(other.local.stats.dropped.foreignSource, 1);
  t.equal(other.local.client, undefined, 'and not learned');

  const mapped = await setup(t, { clientHost: '::ffff:127.0.0.1' });
  await mapped.app.request(() => mapped.app.send(encodeSocks5UdpPacket('127.0.0.1', echo.port, Buffer.from('y')), mapped.relayPort), socksReply(Buffer.from('y')));

  const wrongPort = await setup(t, { clientHost: '127.0.0.1', clientPort: 1 });
  wrongPort.app.send(encodeSocks5UdpPacket('127.0.0.1', echo.port, Buffer.from('z')), wrongPort.relayPort);
  t.same(await wrongPort.app.collect(300), []);
  t.equal(wrongPort.local.stats.dropped.foreignSource, 1);
});

t.test('drops fragments and malformed datagrams without learning the sender', async (t) => {
  const { local, app, relayPort } = await setup(t);
  const frag = encodeSocks5UdpPacket('127.0.0.1', 9, Buffer.from('f'));
  frag[2] = 1;
  app.send(frag, relayPort);
  app.send(Buffer.from([0, 0]), relayPort);
  app.send(Buffer.from('000000097f0000010009', 'hex'), relayPort);
  t.same(await app.collect(300), []);
  t.match(local.stats.dropped, { fragmented: 1, tooShort: 1, badHeader: 1 });
  t.equal(local.client, undefined);
  t.equal(local.stats.packetsToRemote, 0);
});

t.test('a server with another key gets nothing through and nothing back', async (t) => {
  const echo = await startUdpEcho();
  t.teardown(echo.close);
  const server = new UdpRelay({ spec, masterKey: evpBytesToKey('other', spec.keyLength) });
  const { port } = await server.listen({ host: '127.0.0.1' });
  const local = await LocalUdpRelay.open({ spec, masterKey, server: { host: '127.0.0.1', port } });
  const app = await UdpClient.open();
  t.teardown(async () => { await app.close(); await local.close(); await server.close(); });
  app.send(encodeSocks5UdpPacket('127.0.0.1', echo.port, Buffer.from('x')), local.address().port);
  t.same(await app.collect(300), []);
  t.equal(server.stats.dropped.decrypt, 1);
  t.equal(echo.received, 0);
});

t.test('needs an IP literal for the server; close is idempotent', async (t) => {
  await t.rejects(LocalUdpRelay.open({ spec, masterKey, server: { host: 'ss.example', port: 1 } }), { code: 'ERR_SS_CONFIG' });
  const local = await LocalUdpRelay.open({ spec, masterKey, server: { host: '[::1]', port: 1 } });
  await local.close();
  await local.close();
  t.pass('closed twice');
});

t.test('binds an IPv4-mapped bindHost (a dual-stack control socket\'s localAddress) as plain IPv4', async (t) => {
  const local = await LocalUdpRelay.open({ spec, masterKey, server: { host: '127.0.0.1', port: 1 }, bindHost: '::ffff:127.0.0.1' });
  t.teardown(() => local.close());
  t.match(local.address(), { address: '127.0.0.1', family: 'IPv4' });
});
