/**
 * SIP023 identity headers end to end: an AES 2022 server with an identity
 * PSK and three users, and locals configured with `iPSK:uPSK`.
 */
import { randomBytes } from 'node:crypto';
import { SocksClient } from 'socks';
import t, { type Test } from 'tap';
import type { LocalOptions } from '../../../lib/local/local-options.js';
import type { MethodName } from '../../../lib/crypto/methods.js';
import { startLocalUnderTest } from '../../fixtures/local.js';
import { startServerUnderTest } from '../../fixtures/interop.js';
import { socksUdpAssociate } from '../../fixtures/local-udp.js';
import { readBytes, startEchoServer } from '../../fixtures/net.js';
import { psk2022 } from '../../fixtures/ss2022-client.js';
import { startUdpEcho } from '../../fixtures/udp.js';

async function startServer(t: Test, method: MethodName) {
  const iPsk = psk2022(method);
  const users = ['alice', 'bob', 'carol'].map((name) => ({ name, password: psk2022(method) }));
  const udpUsers: (string | undefined)[] = [];
  const server = await startServerUnderTest({ method, password: iPsk, users, forbiddenIp: [], handshakeTimeoutMs: 300, observer: { udpPacket: (hop, _n, user) => { if (hop === 'toClient') udpUsers.push(user); } } });
  t.teardown(server.close);
  const pskOf = (name: string): string => users.find((u) => u.name === name)!.password;
  return { server, iPsk, pskOf, udpUsers };
}

async function startLocal(t: Test, method: MethodName, serverPort: number, password: string, o: Partial<LocalOptions> = {}) {
  const local = await startLocalUnderTest({ server: '127.0.0.1', serverPort, method, password, ...o });
  t.teardown(local.close);
  return local;
}

async function socksEcho(localPort: number, echoPort: number, payload: Buffer): Promise<Buffer> {
  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: localPort, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port: echoPort }, timeout: 5000 });
  const reply = readBytes(socket, payload.length);
  socket.write(payload);
  const got = await reply;
  socket.end();
  return got;
}

for (const method of ['2022-blake3-aes-128-gcm', '2022-blake3-aes-256-gcm'] as const) {
  t.test(`${method}: each user connects over TCP with iPSK:uPSK and is named in the server's stats`, async (t) => {
    const echo = await startEchoServer();
    t.teardown(echo.close);
    const { server, iPsk, pskOf } = await startServer(t, method);
    t.same(server.server.users.names(), ['alice', 'bob', 'carol'], 'the identity PSK is no user');
    for (const [i, name] of ['bob', 'carol', 'alice'].entries()) {
      const local = await startLocal(t, method, server.port, `${iPsk}:${pskOf(name)}`, { mode: 'tcp_only' });
      const payload = randomBytes(70_000);
      t.ok((await socksEcho(local.port, echo.port, payload)).equals(payload), `${name}'s bytes come back`);
      const stats = (await server.waitClosed(i + 1))[i]!;
      t.match(stats, { user: name, status: 'OK' }, `the connection is ${name}'s`);
    }
  });

  t.test(`${method}: each user relays UDP with iPSK:uPSK, its session found by the identity header`, async (t) => {
    const echo = await startUdpEcho();
    t.teardown(echo.close);
    const { server, iPsk, pskOf, udpUsers } = await startServer(t, method);
    for (const name of ['carol', 'alice', 'bob']) {
      const local = await startLocal(t, method, server.port, `${iPsk}:${pskOf(name)}`);
      const a = await socksUdpAssociate(local.port);
      t.teardown(a.close);
      const payload = Buffer.from(`udp from ${name}`);
      t.ok((await a.echo({ host: '127.0.0.1', port: echo.port }, payload)).data.equals(payload), `${name}'s datagram comes back`);
    }
    t.same([...new Set(udpUsers)], ['carol', 'alice', 'bob'], 'each reply is counted for its user');
    t.equal(server.server.udpStats?.associations, 3);
  });
}

t.test('an unknown user PSK is a failed handshake: nothing reaches the target, the connection is reset', async (t) => {
  const method = '2022-blake3-aes-128-gcm';
  let reached = 0;
  const echo = await startEchoServer();
  echo.server.on('connection', () => reached++);
  t.teardown(echo.close);
  const { server, iPsk } = await startServer(t, method);
  const local = await startLocal(t, method, server.port, `${iPsk}:${psk2022(method)}`, { mode: 'tcp_only' });
  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port: echo.port }, timeout: 5000 });
  socket.on('error', () => {});
  socket.write('hello');
  const [stats] = await server.waitClosed(1);
  socket.destroy();
  t.equal(stats!.status, 'ERR_SS_DECRYPT');
  t.equal(stats!.user, undefined);
  t.equal(reached, 0, 'the target was never dialled');
});

t.test('a client without identity headers (the bare iPSK or a user PSK) is refused', async (t) => {
  const method = '2022-blake3-aes-256-gcm';
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const { server, iPsk, pskOf } = await startServer(t, method);
  for (const [i, password] of [iPsk, pskOf('alice')].entries()) {
    const local = await startLocal(t, method, server.port, password, { mode: 'tcp_only' });
    const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port: echo.port }, timeout: 5000 });
    socket.on('error', () => {});
    socket.write('hello');
    t.equal((await server.waitClosed(i + 1))[i]!.status, 'ERR_SS_DECRYPT');
    socket.destroy();
  }
});

t.test('an unknown user\'s datagrams are dropped as undecryptable', async (t) => {
  const method = '2022-blake3-aes-128-gcm';
  const echo = await startUdpEcho();
  t.teardown(echo.close);
  const { server, iPsk } = await startServer(t, method);
  const local = await startLocal(t, method, server.port, `${iPsk}:${psk2022(method)}`);
  const a = await socksUdpAssociate(local.port);
  t.teardown(a.close);
  await t.rejects(a.echo({ host: '127.0.0.1', port: echo.port }, Buffer.from('x'), { ms: 200, attempts: 2 }));
  t.equal(server.server.udpStats?.associations, 0);
  t.ok((server.server.udpStats?.dropped.decrypt ?? 0) >= 1);
});
