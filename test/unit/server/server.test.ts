import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, Socket } from 'node:net';
import { Transform } from 'node:stream';
import t, { type Test } from 'tap';
import { createServer, type SsServer } from '../../../lib/server/server.js';
import type { ServerOptions } from '../../../lib/server/server-options.js';
import type { ConnectionStats } from '../../../lib/server/connection-info.js';
import type { LookupFunction } from '../../../lib/transport/dial.js';
import { EncryptTransform } from '../../../lib/stream/encrypt-transform.js';
import { encodeAddress } from '../../../lib/protocol/address.js';
import { connectTo, howItEnds, readBytes, startEchoServer, startTcpServer } from '../../fixtures/net.js';
import { keysFor, ssConnect } from '../../fixtures/ss-client.js';

const method = 'aes-256-gcm';
const password = 'test-password';

async function startServer(t: Test, options: Partial<ServerOptions> = {}): Promise<{ server: SsServer; port: number; closed: ConnectionStats[]; nextClose(): Promise<ConnectionStats> }> {
  const closed: ConnectionStats[] = [];
  const waiters: ((s: ConnectionStats) => void)[] = [];
  const server = createServer({
    host: '127.0.0.1', port: 0, method, password, handshakeTimeoutMs: 2000, ...options,
    onConnectionClose: (s) => {
      closed.push(s);
      waiters.shift()?.(s);
    },
  });
  server.on('error', (err) => t.fail(`server emitted error: ${err.message}`));
  await server.listen();
  t.teardown(() => server.close(0));
  const nextClose = (): Promise<ConnectionStats> => {
    const seen = closed.length;
    return new Promise((resolve) => {
      if (closed.length > seen) resolve(closed[seen]!);
      else waiters.push(resolve);
    });
  };
  return { server, port: server.address().port, closed, nextClose };
}

const fakeLookup = (table: Record<string, string[]>): LookupFunction => (host, _opts, cb) => {
  const list = table[host];
  if (list === undefined) {
    const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    process.nextTick(cb, err, []);
  } else {
    process.nextTick(cb, null, list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  }
};

t.test('relays a round trip to an IPv4 target', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const { port, nextClose } = await startServer(t, { forbiddenIp: [] });
  const payload = randomBytes(300_000);
  const c = await ssConnect(port, { method, password, target: { host: '127.0.0.1', port: echo.port }, payload });
  const closing = nextClose();
  const reply = await readBytes(c.decrypt, payload.length);
  t.ok(reply.equals(payload), 'echoed bytes match');
  c.encrypt.end();
  const stats = await closing;
  t.equal(stats.status, 'OK');
  t.equal(stats.bytesUp, payload.length);
  t.equal(stats.bytesDown, payload.length);
  t.same(stats.target, { type: 'ipv4', host: '127.0.0.1', port: echo.port });
});

t.test('accepts a header sent apart from the payload, split across chunks', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const { port } = await startServer(t, { forbiddenIp: [] });
  const c = await ssConnect(port, { method, password });
  const header = encodeAddress('127.0.0.1', echo.port);
  c.encrypt.write(header.subarray(0, 3));
  c.encrypt.write(header.subarray(3));
  c.encrypt.write(Buffer.from('ping'));
  t.equal((await readBytes(c.decrypt, 4)).toString(), 'ping');
  c.socket.destroy();
});

t.test('resolves host names through the injected lookup', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const { port, nextClose } = await startServer(t, { forbiddenIp: [], lookup: fakeLookup({ 'echo.test': ['127.0.0.1'] }) });
  const c = await ssConnect(port, { method, password, target: { host: 'echo.test', port: echo.port }, payload: Buffer.from('hi') });
  t.equal((await readBytes(c.decrypt, 2)).toString(), 'hi');
  const closing = nextClose();
  c.encrypt.end();
  const stats = await closing;
  t.same(stats.target, { type: 'domain', host: 'echo.test', port: echo.port });
  t.equal(stats.targetAddress, '127.0.0.1');
});

t.test('closes the connection when the name does not resolve', async (t) => {
  const { port, nextClose } = await startServer(t, { forbiddenIp: [], lookup: fakeLookup({}) });
  const closing = nextClose();
  const c = await ssConnect(port, { method, password, target: { host: 'nowhere.test', port: 80 }, payload: Buffer.from('x') });
  const ended = await howItEnds(c.socket, 3000);
  t.not(ended.how, 'timeout', 'closed promptly');
  t.equal((await closing).status, 'ERR_SS_DNS_FAILED');
});

for (const [what, host, lookup] of [
  ['a loopback IPv4 target', '127.0.0.1', undefined],
  ['a loopback IPv6 target', '::1', undefined],
  ['an IPv4-mapped loopback target', '::ffff:127.0.0.1', undefined],
  ['a private target', '10.1.2.3', undefined],
  ['a name that resolves to loopback', 'sneaky.test', fakeLookup({ 'sneaky.test': ['127.0.0.1'] })],
  ['a name whose every address is private', 'lan.test', fakeLookup({ 'lan.test': ['192.168.1.1', 'fd00::1'] })],
] as const) {
  t.test(`refuses ${what} by default`, async (t) => {
    let dialed = false;
    const { port, nextClose } = await startServer(t, {
      lookup,
      connect: () => { dialed = true; return new Socket(); },
    });
    const closing = nextClose();
    const c = await ssConnect(port, { method, password, target: { host, port: 7 }, payload: Buffer.from('x') });
    const ended = await howItEnds(c.socket, 3000);
    t.not(ended.how, 'timeout', 'closed promptly');
    t.equal(ended.data.length, 0, 'nothing sent back');
    t.equal((await closing).status, 'ERR_SS_FORBIDDEN_TARGET');
    t.notOk(dialed, 'never dialed');
  });
}

t.test('applies a custom forbiddenIp list instead of the default', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const { port, nextClose } = await startServer(t, { forbiddenIp: ['10.0.0.0/8', '127.0.0.2'] });
  const ok = await ssConnect(port, { method, password, target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('ok') });
  t.equal((await readBytes(ok.decrypt, 2)).toString(), 'ok', 'loopback allowed when not listed');
  ok.socket.destroy();
  await nextClose();
  const closing = nextClose();
  const bad = await ssConnect(port, { method, password, target: { host: '127.0.0.2', port: echo.port }, payload: Buffer.from('x') });
  await howItEnds(bad.socket, 3000);
  t.equal((await closing).status, 'ERR_SS_FORBIDDEN_TARGET');
});

t.test('half-close: the target gets FIN and its whole reply still reaches the client', async (t) => {
  const reply = randomBytes(2 * 1024 * 1024);
  let gotFin = false;
  const target = await startTcpServer((s) => {
    s.resume();
    s.on('end', () => {
      gotFin = true;
      s.end(reply); // reply only after the client's FIN
    });
  });
  t.teardown(target.close);
  const { port, nextClose } = await startServer(t, { forbiddenIp: [] });
  const closing = nextClose();
  const c = await ssConnect(port, { method, password, target: { host: '127.0.0.1', port: target.port }, payload: Buffer.from('request'), end: true });
  await c.ended;
  t.ok(gotFin, 'target saw FIN');
  t.ok(c.received().equals(reply), 'whole reply arrived after the client FIN');
  t.equal((await closing).status, 'OK');
});

t.test('probe policy: garbage of any length gets no reply and no early close', async (t) => {
  const { port, closed } = await startServer(t, { handshakeTimeoutMs: 1500 });
  const lengths = [1, 8, 16, 33, 49, 50, 51, 64, 221, 1000, 20_000];
  const sockets = await Promise.all(lengths.map(async (n) => {
    const s = await connectTo(port);
    s.write(randomBytes(n));
    return s;
  }));
  const results = await Promise.all(sockets.map((s) => howItEnds(s, 1000)));
  for (const [i, r] of results.entries()) {
    t.equal(r.how, 'timeout', `${lengths[i]} bytes: still open before the deadline`);
    t.equal(r.data.length, 0, `${lengths[i]} bytes: nothing sent`);
  }
  const later = await Promise.all(sockets.map((s) => howItEnds(s, 3000)));
  for (const [i, r] of later.entries()) t.not(r.how, 'timeout', `${lengths[i]} bytes: closed at the deadline`);
  for (const s of sockets) s.destroy();
  await new Promise((r) => setTimeout(r, 50));
  t.ok(closed.every((s) => s.status === 'ERR_SS_DECRYPT' || s.status === 'ERR_SS_HANDSHAKE_TIMEOUT'), 'reported as failed handshakes');
});

t.test('probe policy: a prober that closes first is closed after its FIN, with no reply', async (t) => {
  const { port, nextClose } = await startServer(t);
  const closing = nextClose();
  const s = await connectTo(port);
  s.end(randomBytes(100));
  const r = await howItEnds(s, 3000);
  t.not(r.how, 'timeout');
  t.equal(r.data.length, 0);
  t.equal((await closing).status, 'ERR_SS_DECRYPT');
});

t.test('a replayed client stream is refused like a failed authentication', async (t) => {
  let targetConnections = 0;
  const target = await startTcpServer((s) => { targetConnections++; s.pipe(s); });
  t.teardown(target.close);
  const { port, nextClose } = await startServer(t, { forbiddenIp: [] });
  const { spec, masterKey } = keysFor(method, password);
  const enc = new EncryptTransform({ spec, masterKey });
  const recorded = await new Promise<Buffer>((resolve) => {
    enc.once('data', resolve);
    enc.write(Buffer.concat([encodeAddress('127.0.0.1', target.port), Buffer.from('once')]));
  });
  for (const attempt of ['original', 'replay']) {
    const closing = nextClose();
    const s = await connectTo(port);
    s.write(recorded);
    const r = await howItEnds(s, 800);
    s.destroy();
    const stats = await closing;
    if (attempt === 'original') {
      t.ok(r.data.length > 0, 'original gets a reply');
      t.notOk(stats.status.startsWith('ERR_SS_REPLAY'), 'original is not a replay');
    } else {
      t.equal(r.how, 'timeout', 'replay: no close before the deadline');
      t.equal(r.data.length, 0, 'replay: nothing sent');
      t.equal(stats.status, 'ERR_SS_REPLAY');
    }
  }
  t.equal(targetConnections, 1, 'the target saw only the original');
});

t.test('a reflected server stream (our own salt) is refused as a replay', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const { port, nextClose } = await startServer(t, { forbiddenIp: [] });
  const c = await ssConnect(port, { method, password, target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('reflect me') });
  const raw = await readBytes(c.socket, 32 + 18 + 10 + 16);
  c.socket.destroy();
  await nextClose();
  const closing = nextClose();
  const s = await connectTo(port);
  s.write(raw);
  const r = await howItEnds(s, 500);
  t.equal(r.data.length, 0);
  s.destroy();
  t.equal((await closing).status, 'ERR_SS_REPLAY');
});

t.test('an authenticated stream with a bad address type gets the probe policy', async (t) => {
  const { port, nextClose } = await startServer(t, { handshakeTimeoutMs: 800 });
  const closing = nextClose();
  const c = await ssConnect(port, { method, password });
  c.encrypt.write(Buffer.from([0x05, 1, 2, 3, 4, 0, 80]));
  const early = await howItEnds(c.socket, 500);
  t.equal(early.how, 'timeout', 'not closed early');
  t.equal((await closing).status, 'ERR_SS_BAD_ADDRESS_TYPE');
});

for (const [what, options] of [
  ['a slow lookup that then fails', { lookup: ((_h, _o, cb) => setTimeout(cb, 100, Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), [])) as LookupFunction }],
  ['a dial that never connects', { lookup: fakeLookup({ 'slow.test': ['127.0.0.1'] }), connect: () => new Socket(), connectTimeoutMs: 150 }],
] as const) {
  t.test(`a bad chunk after the header keeps the probe deadline, despite ${what}`, async (t) => {
    const { port, nextClose } = await startServer(t, { forbiddenIp: [], handshakeTimeoutMs: 900, ...options });
    const closing = nextClose();
    const c = await ssConnect(port, { method, password, target: { host: 'slow.test', port: 80 }, payload: Buffer.from('x') });
    await new Promise((r) => setTimeout(r, 30));
    c.socket.write(randomBytes(64)); // not a valid next chunk
    const early = await howItEnds(c.socket, 500);
    t.equal(early.how, 'timeout', 'not closed before the deadline counted from accept');
    t.equal(early.data.length, 0, 'nothing sent back');
    t.equal((await closing).status, 'ERR_SS_DECRYPT');
  });
}

t.test('closes a connection that never completes its header at the handshake deadline', async (t) => {
  const { port, nextClose } = await startServer(t, { handshakeTimeoutMs: 300 });
  const closing = nextClose();
  const c = await ssConnect(port, { method, password });
  c.encrypt.write(Buffer.from([0x03, 20, 0x61])); // a domain header that never finishes
  const r = await howItEnds(c.socket, 3000);
  t.not(r.how, 'timeout');
  t.equal((await closing).status, 'ERR_SS_HANDSHAKE_TIMEOUT');
});

t.test('closes the client when the target refuses the connection', async (t) => {
  const gone = await startTcpServer(() => {});
  const deadPort = gone.port;
  await gone.close();
  const { port, nextClose } = await startServer(t, { forbiddenIp: [] });
  const closing = nextClose();
  const c = await ssConnect(port, { method, password, target: { host: '127.0.0.1', port: deadPort }, payload: Buffer.from('x') });
  const r = await howItEnds(c.socket, 3000);
  t.not(r.how, 'timeout');
  t.equal((await closing).status, 'ERR_SS_CONNECT_FAILED');
});

t.test('honors connectTimeoutMs with a dialer that never connects', async (t) => {
  const { port, nextClose } = await startServer(t, { forbiddenIp: [], connectTimeoutMs: 200, connect: () => new Socket() });
  const closing = nextClose();
  const c = await ssConnect(port, { method, password, target: { host: '127.0.0.1', port: 9 }, payload: Buffer.from('x') });
  await howItEnds(c.socket, 3000);
  t.equal((await closing).status, 'ERR_SS_CONNECT_TIMEOUT');
});

t.test('honors idleTimeoutMs on an established connection', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const { port, nextClose } = await startServer(t, { forbiddenIp: [], idleTimeoutMs: 300 });
  const closing = nextClose();
  const c = await ssConnect(port, { method, password, target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('x') });
  await readBytes(c.decrypt, 1);
  const r = await howItEnds(c.socket, 3000);
  t.not(r.how, 'timeout');
  t.equal((await closing).status, 'ERR_SS_IDLE_TIMEOUT');
});

t.test('a stream truncated after the header tears down both sides', async (t) => {
  let targetClosed = false;
  const target = await startTcpServer((s) => { s.resume(); s.on('end', () => { targetClosed = true; }); s.on('close', () => { targetClosed = true; }); });
  t.teardown(target.close);
  const { port, nextClose } = await startServer(t, { forbiddenIp: [] });
  const closing = nextClose();
  const c = await ssConnect(port, { method, password, target: { host: '127.0.0.1', port: target.port }, payload: Buffer.from('x') });
  await new Promise((r) => setTimeout(r, 100));
  c.encrypt.unpipe(c.socket);
  c.socket.end(Buffer.from([1, 2, 3])); // a partial chunk, then FIN
  t.equal((await closing).status, 'ERR_SS_TRUNCATED');
  await new Promise((r) => setTimeout(r, 50));
  t.ok(targetClosed, 'target connection closed');
});

t.test('passes the relayed plaintext through user transforms', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  let upBytes = 0;
  const { port } = await startServer(t, {
    forbiddenIp: [],
    transforms: () => ({
      upstream: [new Transform({ transform(chunk: Buffer, _e, cb) { upBytes += chunk.length; cb(null, chunk); } })],
      downstream: [new Transform({ transform(chunk: Buffer, _e, cb) { cb(null, Buffer.from(chunk.toString().toUpperCase())); } })],
    }),
  });
  const c = await ssConnect(port, { method, password, target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('shout') });
  t.equal((await readBytes(c.decrypt, 5)).toString(), 'SHOUT');
  t.equal(upBytes, 5);
  c.socket.destroy();
});

t.test('close() stops accepting, lets connections finish, then aborts the rest', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const { server, port, nextClose } = await startServer(t, { forbiddenIp: [] });
  const c = await ssConnect(port, { method, password, target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('a') });
  await readBytes(c.decrypt, 1);
  const closing = nextClose();
  const done = server.close(400);
  await new Promise((r) => setTimeout(r, 50));
  const refused = connect({ port, host: '127.0.0.1' });
  const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
  t.equal(err.code, 'ECONNREFUSED', 'no longer accepting');
  c.encrypt.write(Buffer.from('b'));
  t.equal((await readBytes(c.decrypt, 1)).toString(), 'b', 'open connection still relays during the grace period');
  await done;
  t.equal((await closing).status, 'ERR_SS_SHUTDOWN');
  t.equal(server.connections, 0);
});

t.test('rejects invalid options with ERR_SS_CONFIG naming the option', async (t) => {
  // @ts-expect-error: 'rc5' is no MethodName; plain JavaScript can still pass it
  t.throws(() => createServer({ password: 'x', method: 'rc5' }), { code: 'ERR_SS_CONFIG', message: /method/ });
  t.throws(() => createServer({ method }), { code: 'ERR_SS_CONFIG', message: /password/ });
  t.throws(() => createServer({ password: 'x', port: 70000 }), { code: 'ERR_SS_CONFIG', message: /port/ });
  t.throws(() => createServer({ password: 'x', forbiddenIp: ['bogus'] }), { code: 'ERR_SS_CONFIG', message: /bogus/ });
  t.throws(() => createServer({ password: 'x', idleTimeoutMs: -1 }), { code: 'ERR_SS_CONFIG', message: /idleTimeoutMs/ });
});

t.test('listen() rejects when the port is taken', async (t) => {
  const { port } = await startServer(t);
  const other = createServer({ host: '127.0.0.1', port, password });
  await t.rejects(other.listen(), { code: 'EADDRINUSE' });
});

t.test('a throwing user hook fails only its own connection', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  let calls = 0;
  const { port, nextClose } = await startServer(t, {
    forbiddenIp: [],
    transforms: () => {
      if (calls++ === 0) throw new Error('hook bug');
      return undefined;
    },
  });
  const closing = nextClose();
  const bad = await ssConnect(port, { method, password, target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('x') });
  await howItEnds(bad.socket, 3000);
  t.equal((await closing).status, 'ERR_SS_INTERNAL');
  const good = await ssConnect(port, { method, password, target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('ok') });
  t.equal((await readBytes(good.decrypt, 2)).toString(), 'ok', 'the server still serves');
  good.socket.destroy();
});

t.test('backpressure: a client that reads nothing stalls the target instead of filling memory', async (t) => {
  const total = 100 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 7);
  let accepted = 0;
  let stop = false;
  const target = await startTcpServer((s) => {
    const pump = (): void => {
      while (!stop && accepted < total) {
        accepted += chunk.length;
        if (!s.write(chunk)) {
          s.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
  t.teardown(() => { stop = true; return target.close(); });
  const { port } = await startServer(t, { forbiddenIp: [] });
  const c = await ssConnect(port, { method, password, target: { host: '127.0.0.1', port: target.port }, payload: Buffer.from('go') });
  c.socket.unpipe(c.decrypt);
  c.socket.pause(); // read nothing
  await new Promise((r) => setTimeout(r, 2000));
  t.ok(accepted < 48 * 1024 * 1024, `the target could hand over only ${(accepted / 1048576).toFixed(1)} MiB of 100 MiB`);
  c.socket.destroy();
});

t.test('never echoes a mistyped password or key in the error', async (t) => {
  t.throws(() => createServer({ password: 987654 as unknown as string }), { code: 'ERR_SS_CONFIG', message: /^password: must be a string, got number$/ });
  t.throws(() => createServer({ key: 13579 as unknown as string }), { code: 'ERR_SS_CONFIG', message: /^key: must be a string, got number$/ });
});
