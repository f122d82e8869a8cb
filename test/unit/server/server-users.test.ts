/**
 * The server's user table and observer, end to end: users added, re-keyed
 * and removed while it runs, and what the observer hears.
 */
import { randomBytes } from 'node:crypto';
import t, { type Test } from 'tap';
import { evpBytesToKey } from '../../../lib/crypto/kdf.js';
import { getMethod } from '../../../lib/crypto/methods.js';
import type { HandshakeFailure } from '../../../lib/observer.js';
import type { ConnectionInfo, ConnectionStats } from '../../../lib/server/connection-info.js';
import { createServer } from '../../../lib/server/server.js';
import { closeRecorder } from '../../fixtures/close-recorder.js';
import { howItEnds, readBytes, startEchoServer } from '../../fixtures/net.js';
import { ssConnect } from '../../fixtures/ss-client.js';

const method = 'chacha20-ietf-poly1305';
const spec = getMethod(method)!;

async function start(t: Test) {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const recorder = closeRecorder<ConnectionStats>();
  const opened: ConnectionInfo[] = [];
  const failures: HandshakeFailure[] = [];
  const server = createServer({
    host: '127.0.0.1', port: 0, method, password: 'first', forbiddenIp: [], handshakeTimeoutMs: 500, mode: 'tcp_only',
    observer: { connectionOpened: (i) => opened.push({ ...i }), connectionClosed: recorder.record, handshakeFailed: (f) => failures.push(f) },
  });
  await server.listen();
  t.teardown(() => server.close(0));
  return { server, port: server.address().port, echo, recorder, opened, failures };
}

t.test('a server starts with one user, named default', async (t) => {
  const { server } = await start(t);
  t.same(server.users.names(), ['default']);
});

t.test('a user added at runtime can connect, and connections carry its name', async (t) => {
  const { server, port, echo, recorder, opened } = await start(t);
  server.users.set({ name: 'bob', key: evpBytesToKey('bob-pw', spec.keyLength) });
  const payload = randomBytes(1000);
  const c = await ssConnect(port, { method, password: 'bob-pw', target: { host: '127.0.0.1', port: echo.port }, payload });
  t.same(await readBytes(c.decrypt, payload.length), payload, 'bob is relayed, and the reply is sealed with his key');
  c.encrypt.end();
  const [stats] = await recorder.waitClosed(1);
  t.equal(stats!.user, 'bob');
  t.equal(stats!.status, 'OK');
  t.equal(opened[0]?.user, 'bob', 'the observer hears the open with the user');
  const d = await ssConnect(port, { method, password: 'first', target: { host: '127.0.0.1', port: echo.port }, payload });
  t.same(await readBytes(d.decrypt, payload.length), payload, 'the first user still works');
  d.encrypt.end();
  t.equal((await recorder.waitClosed(2))[1]!.user, 'default');
});

t.test('a removed user cannot open new connections, but its live one goes on', async (t) => {
  const { server, port, echo, recorder, failures } = await start(t);
  server.users.set({ name: 'bob', key: evpBytesToKey('bob-pw', spec.keyLength) });
  const live = await ssConnect(port, { method, password: 'bob-pw', target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('one') });
  t.same(await readBytes(live.decrypt, 3), Buffer.from('one'));
  t.equal(server.users.delete('bob'), true);
  const refused = await ssConnect(port, { method, password: 'bob-pw', target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('x') });
  const ending = await howItEnds(refused.socket, 5000);
  t.equal(ending.data.length, 0, 'the removed key gets nothing back');
  live.encrypt.write(Buffer.from('two'));
  t.same(await readBytes(live.decrypt, 3), Buffer.from('two'), 'the live connection still relays');
  live.encrypt.end();
  const all = await recorder.waitClosed(2);
  t.same(all.map((s) => s.status).sort(), ['ERR_SS_DECRYPT', 'OK']);
  t.equal(failures.length, 1, 'one handshake failure is reported');
  t.equal(failures[0]?.kind, 'auth');
  t.ok((failures[0]?.bytes ?? 0) > spec.saltLength, 'with the bytes the client sent');
});

t.test('a re-keyed user connects with the new key only', async (t) => {
  const { server, port, echo, recorder } = await start(t);
  server.users.set({ name: 'default', key: evpBytesToKey('second', spec.keyLength) });
  const ok = await ssConnect(port, { method, password: 'second', target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('hi') });
  t.same(await readBytes(ok.decrypt, 2), Buffer.from('hi'));
  ok.encrypt.end();
  const old = await ssConnect(port, { method, password: 'first', target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('hi') });
  t.equal((await howItEnds(old.socket, 5000)).data.length, 0);
  t.same((await recorder.waitClosed(2)).map((s) => s.status).sort(), ['ERR_SS_DECRYPT', 'OK']);
});
