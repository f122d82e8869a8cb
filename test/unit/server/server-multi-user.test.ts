/**
 * Several users on one port, from the `users` setting: each connects with
 * its own password over TCP and UDP, and every view of the observer names
 * the right user.
 */
import { randomBytes } from 'node:crypto';
import t, { type Test } from 'tap';
import { evpBytesToKey } from '../../../lib/crypto/kdf.js';
import { getMethod } from '../../../lib/crypto/methods.js';
import type { ConnectionInfo, ConnectionStats } from '../../../lib/server/connection-info.js';
import type { ServerOptions } from '../../../lib/server/server-options.js';
import { createServer } from '../../../lib/server/server.js';
import { closeRecorder } from '../../fixtures/close-recorder.js';
import { howItEnds, readBytes, startEchoServer } from '../../fixtures/net.js';
import { ssConnect } from '../../fixtures/ss-client.js';
import { SsUdpClient } from '../../fixtures/ss-udp.js';
import { startUdpEcho } from '../../fixtures/udp.js';

const method = 'aes-128-gcm';
const spec = getMethod(method)!;
const USERS = [{ name: 'alice', password: 'alice-pw' }, { name: 'bob', password: 'bob-pw' }, { name: 'carol', key: evpBytesToKey('carol-pw', 16).toString('base64') }];
const passwordOf: Record<string, string> = { alice: 'alice-pw', bob: 'bob-pw', carol: 'carol-pw' };

async function start(t: Test, options: Partial<ServerOptions> = {}) {
  const recorder = closeRecorder<ConnectionStats>();
  const opened: ConnectionInfo[] = [];
  const packets: [string, string | undefined][] = [];
  const server = createServer({
    host: '127.0.0.1', port: 0, method, users: USERS, forbiddenIp: [], handshakeTimeoutMs: 500, ...options,
    observer: { connectionOpened: (i) => opened.push({ ...i }), connectionClosed: recorder.record, udpPacket: (hop, _n, user) => packets.push([hop, user]) },
  });
  await server.listen();
  t.teardown(() => server.close(0));
  return { server, port: server.address().port, recorder, opened, packets };
}

t.test('three users on one AEAD port each connect over TCP with their own password, and are named', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const { server, port, recorder, opened } = await start(t);
  t.same(server.users.names(), ['alice', 'bob', 'carol'], 'no top-level password: no default user');
  const closedBy: string[] = [];
  server.on('connectionClose', (s) => closedBy.push(s.user ?? '?'));
  for (const [i, name] of ['carol', 'alice', 'bob'].entries()) {
    const payload = randomBytes(3000);
    const c = await ssConnect(port, { method, password: passwordOf[name]!, target: { host: '127.0.0.1', port: echo.port }, payload });
    t.same(await readBytes(c.decrypt, payload.length), payload, `${name} is relayed, and the reply opens with ${name}'s key`);
    c.encrypt.end();
    const stats = (await recorder.waitClosed(i + 1))[i]!;
    t.equal(stats.user, name, `the close hook names ${name}`);
    t.equal(stats.status, 'OK');
    t.equal(opened[i]?.user, name, `the open hook names ${name}`);
  }
  t.same(closedBy, ['carol', 'alice', 'bob'], 'the connectionClose events name them too');
});

t.test('a password that is no user\'s gets nothing back', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const { port, recorder } = await start(t, { mode: 'tcp_only' });
  const c = await ssConnect(port, { method, password: 'mallory', target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('x') });
  t.equal((await howItEnds(c.socket, 5000)).data.length, 0);
  t.equal((await recorder.waitClosed(1))[0]!.status, 'ERR_SS_DECRYPT');
});

t.test('a top-level password beside users is one more user, named default', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const { server, port, recorder } = await start(t, { password: 'top', mode: 'tcp_only' });
  t.same(server.users.names(), ['default', 'alice', 'bob', 'carol']);
  const c = await ssConnect(port, { method, password: 'top', target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('hi') });
  t.same(await readBytes(c.decrypt, 2), Buffer.from('hi'));
  c.encrypt.end();
  t.equal((await recorder.waitClosed(1))[0]!.user, 'default');
});

t.test('three users on one AEAD port each relay UDP with their own key, and the packets are counted for them', async (t) => {
  const echo = await startUdpEcho();
  t.teardown(echo.close);
  const { port, packets } = await start(t, { mode: 'udp_only' });
  for (const name of ['bob', 'carol', 'alice']) {
    const c = await SsUdpClient.open(spec, evpBytesToKey(passwordOf[name]!, spec.keyLength), { host: '127.0.0.1', port });
    t.teardown(() => c.close());
    const reply = await c.echo({ host: '127.0.0.1', port: echo.port }, Buffer.from(`from ${name}`));
    t.same(reply.payload, Buffer.from(`from ${name}`), `${name}'s reply opens with ${name}'s key`);
  }
  const toClient = packets.filter(([hop]) => hop === 'toClient').map(([, user]) => user);
  t.same([...new Set(toClient)], ['bob', 'carol', 'alice'], 'each reply is counted for its user');
  const toRemote = packets.filter(([hop]) => hop === 'toRemote').map(([, user]) => user);
  t.same([...new Set(toRemote)], ['bob', 'carol', 'alice'], 'each request too');
});

t.test('the users of a port_password entry and of the top level reach their ports', async (t) => {
  const { parseConfigFile } = await import('../../../lib/config/server-config-file.js');
  const file = parseConfigFile({ method, users: [{ name: 'zed', password: 'z' }], port_password: { '8381': 'p1', '8382': { users: [{ name: 'yan', password: 'y' }] } } });
  const [a, b] = file.servers.map((s) => createServer({ ...s, port: 0, host: '127.0.0.1' }));
  t.same(a!.users.names(), ['default', 'zed'], 'port 8381: its password as default, and the top-level users');
  t.same(b!.users.names(), ['yan'], 'port 8382: its own users only');
});

t.test('2022 ChaCha has no identity headers: its users are found by trial, over TCP and UDP', async (t) => {
  const { startServerUnderTest } = await import('../../fixtures/interop.js');
  const { startLocalUnderTest } = await import('../../fixtures/local.js');
  const { socksUdpAssociate } = await import('../../fixtures/local-udp.js');
  const { SocksClient } = await import('socks');
  const m = '2022-blake3-chacha20-poly1305';
  const users = ['ann', 'ben'].map((name, i) => ({ name, password: Buffer.alloc(32, i + 1).toString('base64') }));
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const udpEcho = await startUdpEcho();
  t.teardown(udpEcho.close);
  const server = await startServerUnderTest({ method: m, users, forbiddenIp: [] });
  t.teardown(server.close);
  for (const [i, u] of [...users].reverse().entries()) {
    const local = await startLocalUnderTest({ server: '127.0.0.1', serverPort: server.port, method: m, password: u.password });
    t.teardown(local.close);
    const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port: echo.port }, timeout: 5000 });
    socket.write('tcp');
    t.same(await readBytes(socket, 3), Buffer.from('tcp'));
    socket.end();
    t.equal((await server.waitClosed(i + 1))[i]!.user, u.name, `TCP: ${u.name}`);
    const a = await socksUdpAssociate(local.port);
    t.teardown(a.close);
    t.same((await a.echo({ host: '127.0.0.1', port: udpEcho.port }, Buffer.from(u.name))).data, Buffer.from(u.name), `UDP: ${u.name}`);
  }
});
