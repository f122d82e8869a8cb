/**
 * Per-user limits on one port: max_connections refuses one over the limit
 * like a failed handshake and admits again after one closes; rate_limit
 * slows a transfer without losing a byte; traffic is counted by user.
 */
import { randomBytes } from 'node:crypto';
import t, { type Test } from 'tap';
import type { HandshakeFailure } from '../../../lib/observer.js';
import type { ConnectionStats } from '../../../lib/server/connection-info.js';
import type { ServerOptions } from '../../../lib/server/server-options.js';
import { createServer } from '../../../lib/server/server.js';
import { closeRecorder } from '../../fixtures/close-recorder.js';
import { howItEnds, readBytes, startEchoServer } from '../../fixtures/net.js';
import { ssConnect, type SsTestClient } from '../../fixtures/ss-client.js';

const method = 'aes-128-gcm';

async function start(t: Test, users: ServerOptions['users']) {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const recorder = closeRecorder<ConnectionStats>();
  const failures: HandshakeFailure[] = [];
  const server = createServer({
    host: '127.0.0.1', port: 0, method, users, forbiddenIp: [], handshakeTimeoutMs: 300, mode: 'tcp_only',
    observer: { connectionClosed: recorder.record, handshakeFailed: (f) => failures.push(f) },
  });
  await server.listen();
  t.teardown(() => server.close(0));
  const target = { host: '127.0.0.1', port: echo.port };
  const open = async (password: string): Promise<SsTestClient> => {
    const payload = randomBytes(100);
    const c = await ssConnect(server.address().port, { method, password, target, payload });
    return c;
  };
  return { server, recorder, failures, open, target };
}

async function echoes(c: SsTestClient): Promise<boolean> {
  const probe = randomBytes(10);
  c.encrypt.write(probe);
  const got = await readBytes(c.decrypt, 110, 2000).catch(() => undefined);
  return got !== undefined && got.subarray(100).equals(probe);
}

t.test('max_connections refuses the N+1th connection like a failed handshake, and admits again after one closes', async (t) => {
  const { server, recorder, failures, open } = await start(t, [{ name: 'alice', password: 'pa', maxConnections: 2 }, { name: 'bob', password: 'pb' }]);
  const first = await open('pa');
  const second = await open('pa');
  t.ok(await echoes(first), 'the first is relayed');
  t.ok(await echoes(second), 'the second is relayed');
  t.equal(server.userLimitStats('alice')?.open, 2);
  const third = await open('pa');
  const ended = await howItEnds(third.socket, 5000);
  t.equal(ended.data.length, 0, 'the third gets no byte back');
  t.not(ended.how, 'timeout', 'and is closed at the handshake deadline');
  const refused = (await recorder.waitClosed(1))[0]!;
  t.equal(refused.status, 'ERR_SS_USER_LIMIT', 'its close names the limit');
  t.equal(refused.user, 'alice');
  t.match(failures, [{ kind: 'limit', code: 'ERR_SS_USER_LIMIT' }], 'and it is counted as a failed handshake');
  const bob = await open('pb');
  t.ok(await echoes(bob), 'another user is not limited');
  first.encrypt.end();
  first.socket.end();
  await recorder.waitClosed(2);
  t.equal(server.userLimitStats('alice')?.open, 1, 'a closed connection is uncounted');
  const fourth = await open('pa');
  t.ok(await echoes(fourth), 'a new one is admitted after one closed');
  for (const c of [second, bob, fourth]) c.socket.destroy();
  await recorder.waitClosed(5);
  t.equal(server.userLimitStats('alice'), undefined, 'no connections, no rate limit: forgotten');
});

t.test('rate_limit slows a transfer through backpressure and delivers every byte', async (t) => {
  const { server, recorder, target } = await start(t, [{ name: 'alice', password: 'pa', rateLimit: 512 * 1024 }]);
  const payload = randomBytes(512 * 1024);
  const c = await ssConnect(server.address().port, { method, password: 'pa', target, payload });
  const back = await readBytes(c.decrypt, payload.length, 20_000);
  t.ok(back.equals(payload), 'the echo comes back intact');
  const stats = server.userLimitStats('alice')!;
  t.ok(stats.waits > 0, `the bucket made the streams wait (${stats.waits} waits, ${stats.waitedMs.toFixed(0)} ms)`);
  c.encrypt.end();
  await recorder.waitClosed(1);
  t.equal(recorder.closed[0]!.status, 'OK');
  t.equal(recorder.closed[0]!.bytesUp, payload.length);
});

t.test('traffic counts bytes and connections by user, open connections included, and sums a port total', async (t) => {
  const { server, recorder, open } = await start(t, [{ name: 'alice', password: 'pa' }, { name: 'bob', password: 'pb' }]);
  t.same(server.traffic(), {}, 'nothing yet');
  const a = await open('pa');
  t.ok(await echoes(a));
  const live = server.traffic();
  t.same({ ...live['alice'] }, { up: 110, down: 110, connections: 1 }, 'an open connection counts');
  a.encrypt.end();
  await recorder.waitClosed(1);
  const b = await open('pb');
  t.ok(await echoes(b));
  b.socket.destroy();
  await recorder.waitClosed(2);
  const c = await open('pa');
  t.ok(await echoes(c));
  const all = server.traffic();
  t.same({ ...all['alice'] }, { up: 220, down: 220, connections: 2 }, 'a closed and an open connection');
  t.same({ ...all['bob'] }, { up: 110, down: 110, connections: 1 });
  t.equal(Object.getPrototypeOf(all), null, 'safe for any user name');
  t.same(server.trafficTotal(), { up: 330, down: 330, connections: 3 });
  c.socket.destroy();
  await recorder.waitClosed(3);
  t.same(server.trafficTotal(), { up: 330, down: 330, connections: 3 }, 'the same once all are closed');
});
