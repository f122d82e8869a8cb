/**
 * ServerPool.apply (the reload) and SsServer.reconfigure: users and
 * passwords change in place, listeners stay, and a bad change changes
 * nothing.
 */
import { createServer as createNetServer } from 'node:net';
import t, { type Test } from 'tap';
import { ServerPool } from '../../../lib/server/server-pool.js';
import { createServer } from '../../../lib/server/server.js';
import { freePort, howItEnds, readBytes, startEchoServer } from '../../fixtures/net.js';
import { ssConnect } from '../../fixtures/ss-client.js';
import { SsUdpClient } from '../../fixtures/ss-udp.js';
import { startUdpEcho } from '../../fixtures/udp.js';
import { getMethod, type MethodName } from '../../../lib/crypto/methods.js';
import { evpBytesToKey } from '../../../lib/crypto/kdf.js';

const method: MethodName = 'aes-256-gcm';
const base = { host: '127.0.0.1', method, forbiddenIp: [], handshakeTimeoutMs: 300, shutdownGraceMs: 200, mode: 'tcp_only' as const };

async function echoOf(t: Test) {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  return { host: '127.0.0.1', port: echo.port };
}

async function relays(port: number, password: string, target: { host: string; port: number }): Promise<boolean> {
  const c = await ssConnect(port, { method, password, target, payload: Buffer.from('ping') });
  const ending = await Promise.race([readBytes(c.decrypt, 4, 2000).then(() => true, () => false), howItEnds(c.socket, 2000).then(() => false)]);
  c.socket.destroy();
  return ending;
}

t.test('reconfigure changes the users in place and refuses a new method', async (t) => {
  const target = await echoOf(t);
  const server = createServer({ ...base, port: 0, password: 'one' });
  await server.listen();
  t.teardown(() => server.close(0));
  const port = server.address().port;
  server.reconfigure({ ...base, users: [{ name: 'alice', password: 'a' }] });
  t.same(server.users.names(), ['alice']);
  t.equal(await relays(port, 'a', target), true, 'the new user connects');
  t.equal(await relays(port, 'one', target), false, 'the old password does not');
  t.throws(() => server.reconfigure({ ...base, method: 'aes-128-gcm', password: 'x' }), { code: 'ERR_SS_CONFIG', message: /^method: cannot change on a running server/ });
  t.throws(() => server.reconfigure({ ...base, password: 'x', idleTimeoutMs: 5 }), { message: /^idleTimeoutMs: cannot change/ });
  t.throws(() => server.reconfigure({ ...base, users: [] }), { message: /^users: must list at least one user/ });
  t.same(server.users.names(), ['alice'], 'a refused change changes nothing');
});

t.test('reconfigure keeps a user whose key did not change as the same object (its place in the order too)', async (t) => {
  const server = createServer({ ...base, port: 0, users: [{ name: 'a', password: '1' }, { name: 'b', password: '2' }] });
  const a = server.users.get('a');
  server.reconfigure({ ...base, users: [{ name: 'a', password: '1' }, { name: 'b', password: '3' }] });
  t.equal(server.users.get('a'), a);
  t.not(server.users.get('b')?.key.toString('hex'), undefined);
});

t.test('apply adds, keeps and removes ports; listeners of kept ports stay the same', async (t) => {
  const target = await echoOf(t);
  const pool = new ServerPool();
  t.teardown(() => pool.close());
  const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
  t.same(await pool.apply([{ ...base, port: p1, password: 'one' }, { ...base, port: p2, password: 'two' }]), { added: [p1, p2], changed: [], removed: [] });
  const kept = pool.get(p1);
  const live = await ssConnect(p1, { method, password: 'one', target, payload: Buffer.from('abc') });
  t.same(await readBytes(live.decrypt, 3), Buffer.from('abc'));
  const result = await pool.apply([{ ...base, port: p1, password: 'uno' }, { ...base, port: p3, password: 'three' }]);
  t.same(result, { added: [p3], changed: [p1], removed: [p2] });
  t.equal(pool.get(p1), kept, 'the same server on the kept port');
  t.same(pool.ports().sort(), [p1, p3].sort());
  live.encrypt.write(Buffer.from('def'));
  t.same(await readBytes(live.decrypt, 3), Buffer.from('def'), 'a live connection of the old password goes on');
  live.encrypt.end();
  t.equal(await relays(p1, 'uno', target), true);
  t.equal(await relays(p1, 'one', target), false);
  t.equal(await relays(p3, 'three', target), true);
});

t.test('apply with a bad entry or a port in use changes nothing', async (t) => {
  const target = await echoOf(t);
  const pool = new ServerPool();
  t.teardown(() => pool.close());
  const [p1, p2] = [await freePort(), await freePort()];
  await pool.apply([{ ...base, port: p1, password: 'one' }]);
  const busy = await startEchoServer();
  t.teardown(busy.close);
  await t.rejects(pool.apply([{ ...base, port: p1, password: 'uno' }, { ...base, port: p2, password: 'two' }, { ...base, port: busy.port, password: 'x' }]), { code: 'EADDRINUSE' });
  t.same(pool.ports(), [p1]);
  t.equal(await relays(p1, 'one', target), true, 'the old password still works');
  await t.rejects(pool.apply([{ ...base, port: p1, password: 'uno', method: 'aes-128-gcm' }]), { message: /^method: cannot change/ });
  await t.rejects(pool.apply([{ ...base, port: p2, password: '' }]), { message: /^password: must not be empty/ });
  t.same(pool.ports(), [p1]);
  t.equal(await relays(p1, 'one', target), true);
  t.equal(pool.get(p2), undefined);
  const probe = createNetServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(p2, '127.0.0.1', resolve));
  probe.close();
  t.pass('the port that could listen was closed again');
});

t.test('apply leaves ports added by the manager alone', async (t) => {
  const pool = new ServerPool();
  t.teardown(() => pool.close());
  const [p1, p2] = [await freePort(), await freePort()];
  await pool.apply([{ ...base, port: p1, password: 'one' }]);
  t.equal(await pool.add({ ...base, port: p2, password: 'm' }), 'added');
  t.same(await pool.apply([]), { added: [], changed: [], removed: [p1] });
  t.same(pool.ports(), [p2]);
});

t.test('takeTraffic counts payload bytes per port, TCP on close and UDP per datagram, and starts again from zero', async (t) => {
  const target = await echoOf(t);
  const udpEcho = await startUdpEcho();
  t.teardown(udpEcho.close);
  const pool = new ServerPool();
  t.teardown(() => pool.close());
  const port = await freePort();
  await pool.add({ ...base, mode: 'tcp_and_udp', port, password: 'pw' });
  const c = await ssConnect(port, { method, password: 'pw', target, payload: Buffer.from('12345') });
  t.same(await readBytes(c.decrypt, 5), Buffer.from('12345'));
  c.encrypt.end();
  await c.ended;
  const udp = await SsUdpClient.open(getMethod(method)!, evpBytesToKey('pw', 32), { host: '127.0.0.1', port });
  t.teardown(() => udp.close());
  await udp.echo({ host: '127.0.0.1', port: udpEcho.port }, Buffer.from('abc'));
  let traffic = pool.takeTraffic().get(port)!;
  for (let i = 0; i < 100 && traffic.up < 8; i++) {
    await new Promise((r) => setTimeout(r, 20));
    const more = pool.takeTraffic().get(port)!;
    traffic = { up: traffic.up + more.up, down: traffic.down + more.down };
  }
  t.same(traffic, { up: 8, down: 8 }, '5 bytes each way over TCP, 3 over UDP');
  t.same(pool.takeTraffic().get(port), { up: 0, down: 0 });
});
