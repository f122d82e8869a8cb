/**
 * Interop: shadowsocks-libev `ss-tunnel` (client) → our server → echo server.
 * ss-tunnel forwards a local port to a fixed target (`-L host:port`) and sends
 * that target in the address header: an IPv4 literal as ATYP 1, `[::1]` as
 * ATYP 4 (the brackets are required: `-L ::1:port` exits with "tunnel port is
 * not defined"), and a name as ATYP 3 without resolving it.
 */
import t, { type Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AEAD_METHODS, libevMissing, startSsTunnel, type LibevPeer } from '../fixtures/libev.js';
import { connectTo, howItEnds } from '../fixtures/net.js';
import { useNativeCrypto } from '../../lib/crypto/sodium-aead.js';
import { echoRoundTrip, firstDifference, ipv6LoopbackAvailable, startCountingEchoServer, startServerUnderTest, type ServerUnderTest } from '../fixtures/interop.js';

const skip = libevMissing('ss-tunnel');
const skipV6 = skip || ((await ipv6LoopbackAvailable()) ? false : 'IPv6 loopback (::1) is not available on this machine');
const PASSWORD = 'interop-test-password';
const MiB = 1 << 20;

/** Echoes `size` random bytes through `port` and checks them and the server's report. */
async function checkEcho(t: Test, ss: ServerUnderTest, peer: LibevPeer, size: number, target: object): Promise<void> {
  const before = ss.closed.length;
  const payload = randomBytes(size);
  const back = await echoRoundTrip(await connectTo(peer.port), payload).catch((err: Error) => {
    t.fail(`round trip failed: ${err.message}`, { peerLog: peer.log() });
    return Buffer.alloc(0);
  });
  t.equal(firstDifference(back, payload), undefined, `echoes ${size} random bytes byte for byte`, { peerLog: peer.log() });
  const stats = (await ss.waitClosed(before + 1)).at(-1);
  t.match(stats, { status: 'OK', target, bytesUp: size, bytesDown: size }, 'the server reports OK, the target and the byte counts');
}

for (const method of AEAD_METHODS) {
  t.test(`ss-tunnel ${method} → our server`, { skip }, async (t) => {
    const ss = await startServerUnderTest({ method, password: PASSWORD, forbiddenIp: [] });
    t.teardown(() => ss.close());
    const echo = await startCountingEchoServer('127.0.0.1');
    t.teardown(() => echo.close());
    const tunnel = await startSsTunnel({ serverPort: ss.port, target: `127.0.0.1:${echo.port}`, method, password: PASSWORD });
    t.teardown(() => tunnel.stop());

    await t.test('relays a 4 MiB payload to an IPv4 target', async (t) => {
      await checkEcho(t, ss, tunnel, 4 * MiB, { type: 'ipv4', host: '127.0.0.1', port: echo.port });
    });

    await t.test('relays to an IPv6 target given as -L [::1]:port', { skip: skipV6 }, async (t) => {
      const echo6 = await startCountingEchoServer('::1');
      t.teardown(() => echo6.close());
      const tunnel6 = await startSsTunnel({ serverPort: ss.port, target: `[::1]:${echo6.port}`, method, password: PASSWORD });
      t.teardown(() => tunnel6.stop());
      await checkEcho(t, ss, tunnel6, 2 * MiB, { type: 'ipv6', host: '::1', port: echo6.port });
    });

    await t.test('relays to a host name, resolved by our lookup', async (t) => {
      const tunnelName = await startSsTunnel({ serverPort: ss.port, target: `echo.test:${echo.port}`, method, password: PASSWORD });
      t.teardown(() => tunnelName.stop());
      await checkEcho(t, ss, tunnelName, 1 * MiB, { type: 'domain', host: 'echo.test', port: echo.port });
      t.equal(ss.closed.at(-1)?.targetAddress, '127.0.0.1', 'dials the address the fake lookup gave');
    });

    await t.test('relays 4 connections in parallel', async (t) => {
      const before = ss.closed.length;
      const payloads = Array.from({ length: 4 }, () => randomBytes(1 * MiB));
      const sockets = await Promise.all(payloads.map(() => connectTo(tunnel.port)));
      const backs = await Promise.all(sockets.map((s, i) => echoRoundTrip(s, payloads[i]!)));
      backs.forEach((back, i) => t.equal(firstDifference(back, payloads[i]!), undefined, `connection ${i} echoes byte for byte`, { peerLog: tunnel.log() }));
      const stats = (await ss.waitClosed(before + 4)).slice(before);
      t.same(stats.map((s) => [s.status, s.bytesUp, s.bytesDown]), payloads.map((p) => ['OK', p.length, p.length]), 'every connection closes OK with its byte counts');
    });
  });
}

t.test('a loopback target is refused by default (no forbiddenIp option)', { skip }, async (t) => {
  const ss = await startServerUnderTest({ method: 'chacha20-ietf-poly1305', password: PASSWORD });
  t.teardown(() => ss.close());
  const echo = await startCountingEchoServer('127.0.0.1');
  t.teardown(() => echo.close());
  for (const [target, expect] of [
    [`127.0.0.1:${echo.port}`, { type: 'ipv4', host: '127.0.0.1' }],
    [`echo.test:${echo.port}`, { type: 'domain', host: 'echo.test' }],
  ] as const) {
    const tunnel = await startSsTunnel({ serverPort: ss.port, target, method: 'chacha20-ietf-poly1305', password: PASSWORD });
    t.teardown(() => tunnel.stop());
    const before = ss.closed.length;
    const s = await connectTo(tunnel.port);
    s.write(randomBytes(1024));
    const { how, data } = await howItEnds(s, 5000);
    s.destroy();
    t.equal(data.length, 0, `${target}: the client gets no echo`);
    t.not(how, 'timeout', `${target}: the client connection is closed`);
    const stats = (await ss.waitClosed(before + 1)).at(-1);
    t.match(stats, { status: 'ERR_SS_FORBIDDEN_TARGET', target: expect, bytesUp: 0, bytesDown: 0 }, `${target}: reported as ERR_SS_FORBIDDEN_TARGET`);
  }
  t.equal(echo.accepted(), 0, 'the echo server was never dialed');
});

t.test('a wrong password on the libev side', { skip }, async (t) => {
  const method = 'aes-256-gcm';
  const ss = await startServerUnderTest({ method, password: PASSWORD, forbiddenIp: [], handshakeTimeoutMs: 1000 });
  t.teardown(() => ss.close());
  const echo = await startCountingEchoServer('127.0.0.1');
  t.teardown(() => echo.close());
  const tunnel = await startSsTunnel({ serverPort: ss.port, target: `127.0.0.1:${echo.port}`, method, password: 'not-the-password' });
  t.teardown(() => tunnel.stop());
  const failures = (): number => ss.logs.filter((l) => l.message === 'handshake failed' && l.fields?.['code'] === 'ERR_SS_DECRYPT').length;

  await t.test('gets no data, and ERR_SS_DECRYPT is reported only when the handshake deadline ends the drain', async (t) => {
    const started = Date.now();
    const s = await connectTo(tunnel.port);
    s.write(randomBytes(4096));
    const ending = howItEnds(s, 5000);
    await sleep(500);
    t.equal(failures(), 1, 'the server has already failed to decrypt');
    t.equal(ss.closed.length, 0, 'but it keeps draining and reports nothing yet');
    s.write(randomBytes(4096)); // more bytes are read and discarded, not answered
    const stats = (await ss.waitClosed(1, 5000))[0]!;
    t.equal(stats.status, 'ERR_SS_DECRYPT', 'the status is the decrypt failure, not the timeout');
    t.ok(stats.durationMs >= 900, `closed after the 1000 ms handshake deadline (${stats.durationMs} ms)`);
    const { how, data } = await ending;
    s.destroy();
    t.equal(data.length, 0, 'the client got no bytes back');
    t.not(how, 'timeout', 'the client connection closed');
    t.ok(Date.now() - started >= 900, 'not before the deadline');
  });

  await t.test('reports ERR_SS_DECRYPT as soon as the client gives up', async (t) => {
    const before = ss.closed.length;
    const s = await connectTo(tunnel.port);
    s.write(randomBytes(4096));
    await sleep(200);
    s.destroy();
    const stats = (await ss.waitClosed(before + 1, 5000)).at(-1)!;
    t.equal(stats.status, 'ERR_SS_DECRYPT', 'the status is the decrypt failure');
    t.ok(stats.durationMs < 900, `closed with the client, before the deadline (${stats.durationMs} ms)`);
  });
  t.equal(echo.accepted(), 0, 'the target was never dialed');
});

// The ChaCha methods go through libsodium by default (sodium-native); the node:crypto path must interoperate too.
for (const native of [false, true]) {
  t.test(`ss-tunnel chacha20-ietf-poly1305 → our server on the ${native ? 'libsodium' : 'node:crypto'} path`, { skip }, async (t) => {
    t.equal(useNativeCrypto(native), native);
    t.teardown(() => useNativeCrypto(true));
    const ss = await startServerUnderTest({ method: 'chacha20-ietf-poly1305', password: PASSWORD, forbiddenIp: [] });
    t.teardown(() => ss.close());
    const echo = await startCountingEchoServer('127.0.0.1');
    t.teardown(() => echo.close());
    const tunnel = await startSsTunnel({ serverPort: ss.port, target: `127.0.0.1:${echo.port}`, method: 'chacha20-ietf-poly1305', password: PASSWORD });
    t.teardown(() => tunnel.stop());
    await checkEcho(t, ss, tunnel, 4 * MiB, { type: 'ipv4', host: '127.0.0.1', port: echo.port });
  });
}
