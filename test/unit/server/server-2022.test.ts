import { randomBytes } from 'node:crypto';
import t, { type Test } from 'tap';
import { getMethod, METHODS } from '../../../lib/crypto/methods.js';
import { encodeAddress } from '../../../lib/protocol/address.js';
import { Udp2022ClientCodec } from '../../../lib/stream/udp-2022-client-codec.js';
import { startUdpEcho, UdpClient } from '../../fixtures/udp.js';
import { createServer, type SsServer } from '../../../lib/server/server.js';
import type { ServerOptions } from '../../../lib/server/server-options.js';
import type { ConnectionStats } from '../../../lib/server/connection-info.js';
import { connectTo, howItEnds, readBytes, startEchoServer, startTcpServer } from '../../fixtures/net.js';
import { firstFlight2022, psk2022, ss2022Connect } from '../../fixtures/ss2022-client.js';

const METHODS_2022 = [...METHODS.values()].filter((s) => s.kind === 'aead-2022').map((s) => s.name);
const method = '2022-blake3-aes-128-gcm';

async function startServer(t: Test, options: Partial<ServerOptions> & { password: string }): Promise<{ server: SsServer; port: number; closed: ConnectionStats[]; nextClose(): Promise<ConnectionStats> }> {
  const closed: ConnectionStats[] = [];
  const waiters: ((s: ConnectionStats) => void)[] = [];
  const server = createServer({
    host: '127.0.0.1', port: 0, method, forbiddenIp: [], mode: 'tcp_only', handshakeTimeoutMs: 1500, ...options,
    onConnectionClose: (s) => {
      closed.push(s);
      waiters.shift()?.(s);
    },
  });
  await server.listen();
  t.teardown(() => server.close(0));
  const nextClose = (): Promise<ConnectionStats> => new Promise((resolve) => waiters.push(resolve));
  return { server, port: server.address().port, closed, nextClose };
}

for (const m of METHODS_2022) {
  t.test(`${m}: relays a round trip, with and without initial payload`, async (t) => {
    const echo = await startEchoServer();
    t.teardown(echo.close);
    const password = psk2022(m);
    const { port, nextClose } = await startServer(t, { method: m, password });
    const payload = randomBytes(150_000);
    const c = await ss2022Connect(port, { method: m, psk: password, target: { host: '127.0.0.1', port: echo.port }, payload });
    const closing = nextClose();
    t.ok((await readBytes(c.decrypt, payload.length)).equals(payload), 'echoed');
    c.encrypt.end();
    const stats = await closing;
    t.equal(stats.status, 'OK');
    t.equal(stats.bytesUp, payload.length);

    const bare = await ss2022Connect(port, { method: m, psk: password, target: { host: '127.0.0.1', port: echo.port } });
    bare.encrypt.write(Buffer.from('later'));
    t.equal((await readBytes(bare.decrypt, 5)).toString(), 'later', 'a header sent alone (padded) then payload');
    bare.socket.destroy();
  });
}

t.test('probe policy (2022): garbage of any length gets no reply, then an RST at the deadline', async (t) => {
  const { port, closed } = await startServer(t, { password: psk2022(method), handshakeTimeoutMs: 1200 });
  const lengths = [1, 16, 42, 43, 59, 60, 221, 1000, 20_000];
  const sockets = await Promise.all(lengths.map(async (n) => {
    const s = await connectTo(port);
    s.write(randomBytes(n));
    return s;
  }));
  const early = await Promise.all(sockets.map((s) => howItEnds(s, 800)));
  for (const [i, r] of early.entries()) t.same(r, { how: 'timeout', data: Buffer.alloc(0) }, `${lengths[i]} bytes: silent and open before the deadline`);
  const later = await Promise.all(sockets.map((s) => howItEnds(s, 3000)));
  for (const [i, r] of later.entries()) t.equal(r.how, 'error', `${lengths[i]} bytes: reset at the deadline`);
  for (const s of sockets) s.destroy();
  await new Promise((r) => setTimeout(r, 50));
  t.ok(closed.every((s) => s.status === 'ERR_SS_DECRYPT' || s.status === 'ERR_SS_HANDSHAKE_TIMEOUT'), 'reported as failed handshakes');
});

t.test('probe policy (2022): a prober that closes first gets an RST, not a FIN', async (t) => {
  const { port, nextClose } = await startServer(t, { password: psk2022(method) });
  const closing = nextClose();
  const s = await connectTo(port);
  s.end(randomBytes(100));
  const r = await howItEnds(s, 3000);
  t.equal(r.how, 'error');
  t.equal(r.data.length, 0);
  t.equal((await closing).status, 'ERR_SS_DECRYPT');
});

t.test('a replayed first flight never reaches the target and is reset', async (t) => {
  let targetConnections = 0;
  const target = await startTcpServer((s) => { targetConnections++; s.pipe(s); });
  t.teardown(target.close);
  const password = psk2022(method);
  const { port, nextClose } = await startServer(t, { password });
  const flight = await firstFlight2022(method, password, { host: '127.0.0.1', port: target.port }, Buffer.from('once'));
  const first = await connectTo(port);
  first.write(flight);
  t.equal((await readBytes(first, 1)).length, 1, 'the original is answered');
  first.destroy();
  await nextClose();
  const replayClosed = nextClose();
  const replay = await connectTo(port);
  replay.write(flight);
  const r = await howItEnds(replay, 4000);
  t.equal(r.how, 'error', 'reset');
  t.equal(r.data.length, 0, 'no reply');
  t.equal((await replayClosed).status, 'ERR_SS_REPLAY');
  t.equal(targetConnections, 1, 'the target saw only the original');
});

t.test('a stale request never reaches the target and is reset', async (t) => {
  let targetConnections = 0;
  const target = await startTcpServer((s) => { targetConnections++; s.pipe(s); });
  t.teardown(target.close);
  const password = psk2022(method);
  const { port, nextClose } = await startServer(t, { password });
  const closing = nextClose();
  const flight = await firstFlight2022(method, password, { host: '127.0.0.1', port: target.port }, Buffer.from('old'), () => Date.now() - 45_000);
  const s = await connectTo(port);
  s.write(flight);
  const r = await howItEnds(s, 4000);
  t.equal(r.how, 'error');
  t.equal((await closing).status, 'ERR_SS_BAD_TIMESTAMP');
  t.equal(targetConnections, 0);
});

t.test('a first flight under another key is reset like garbage', async (t) => {
  const { port, nextClose } = await startServer(t, { password: psk2022(method, 1) });
  const closing = nextClose();
  const s = await connectTo(port);
  s.write(await firstFlight2022(method, psk2022(method, 2), { host: '127.0.0.1', port: 9 }, Buffer.from('x')));
  t.equal((await howItEnds(s, 4000)).how, 'error');
  t.equal((await closing).status, 'ERR_SS_DECRYPT');
});

t.test('a first flight written one byte at a time is accepted', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const password = psk2022(method);
  const { port } = await startServer(t, { password });
  const flight = await firstFlight2022(method, password, { host: '127.0.0.1', port: echo.port }, Buffer.from('slow'));
  const s = await connectTo(port);
  s.setNoDelay(true);
  for (const byte of flight) {
    s.write(Buffer.from([byte]));
    await new Promise((r) => setImmediate(r));
  }
  const reply = await readBytes(s, 16);
  t.equal(reply.length, 16, 'the response salt arrives');
  s.destroy();
});

t.test('UDP (2022): datagrams are routed by client session: a client that moves keeps its association, replays are dropped', async (t) => {
  const echo = await startUdpEcho();
  t.teardown(echo.close);
  const password = psk2022(method);
  const { server, port } = await startServer(t, { password, mode: 'udp_only' });
  const codec = new Udp2022ClientCodec(getMethod(method)!, Buffer.from(password, 'base64'));
  const first = await UdpClient.open();
  const second = await UdpClient.open();
  t.teardown(() => Promise.all([first.close(), second.close()]));
  const ask = async (c: UdpClient, text: string): Promise<Buffer> => {
    const packet = codec.seal(Buffer.concat([encodeAddress('127.0.0.1', echo.port), Buffer.from(text)]));
    c.send(packet, port);
    const d = await c.next(() => true, 2000);
    if (d === undefined) throw new Error('no reply');
    return codec.open(d.msg).subarray(7);
  };
  t.equal((await ask(first, 'from here')).toString(), 'from here');
  t.equal((await ask(second, 'from there')).toString(), 'from there', 'the reply goes to the new address');
  t.match(server.udpStats, { associations: 1, evicted: 0, expired: 0 }, 'one association for both addresses');
  const packet = codec.seal(Buffer.concat([encodeAddress('127.0.0.1', echo.port), Buffer.from('once')]));
  second.send(packet, port);
  await second.next(() => true, 2000);
  second.send(packet, port);
  t.equal(await second.next(() => true, 300), undefined, 'a replayed packet gets no answer');
  t.equal(server.udpStats?.dropped.replay, 1);
});
