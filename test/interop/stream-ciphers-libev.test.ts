/**
 * Interop of the legacy stream ciphers with shadowsocks-libev 3.3.5, both
 * directions, TCP and UDP, for every stream method libev can run here
 * (mbedTLS build: no cast5, des, idea, rc2, seed, ofb, cfb1/8 or table).
 *
 *   ss-tunnel (TCP and -u) ──▶ our server ──▶ loopback echo
 *   ss-local (SOCKS5)      ──▶ our server ──▶ loopback echo
 *   our local (SOCKS5)     ──▶ ss-server  ──▶ loopback blob server
 *   our LocalUdpRelay      ──▶ ss-server -u ──▶ loopback UDP echo
 *
 * libev's UDP relay cannot carry rc4 (no IV: its replay filter refuses
 * every datagram after the first), so rc4 is tested on TCP only.
 *
 * bf-cfb needs OpenSSL's legacy provider on our side: it runs here only when
 * the test process has it (NODE_OPTIONS=--openssl-legacy-provider), and is
 * skipped with a visible reason otherwise.
 */
import { randomBytes } from 'node:crypto';
import { SocksClient } from 'socks';
import t, { type Test } from 'tap';
import { getMethod, methodUnavailable } from '../../lib/crypto/methods.js';
import { LocalUdpRelay } from '../../lib/local/local-udp-relay.js';
import { decodeSocks5UdpPacket, encodeSocks5UdpPacket } from '../../lib/protocol/socks5-udp.js';
import { echoRoundTrip, firstDifference, startCountingEchoServer, startServerUnderTest, type ServerUnderTest } from '../fixtures/interop.js';
import { libevMissing, startSsLocal, startSsServer, startSsTunnel, type LibevPeer } from '../fixtures/libev.js';
import { startBlobServer, startLocalUnderTest } from '../fixtures/local.js';
import { connectTo, readAll } from '../fixtures/net.js';
import { keysFor } from '../fixtures/ss-client.js';
import { DATAGRAM_SIZES, startUdpEcho, taggedPayload, UdpClient } from '../fixtures/udp.js';

/** The stream methods libev 3.3.5 (mbedTLS) and we both have. */
const METHODS = ['aes-128-cfb', 'aes-192-cfb', 'aes-256-cfb', 'aes-128-ctr', 'aes-192-ctr', 'aes-256-ctr', 'camellia-128-cfb', 'camellia-256-cfb', 'chacha20-ietf', 'chacha20', 'salsa20', 'rc4-md5', 'rc4', 'bf-cfb'] as const;
const PASSWORD = 'stream-interop-password';
const MiB = 1 << 20;
const skipPeers = libevMissing('ss-tunnel', 'ss-local', 'ss-server');

function skipFor(method: string): string | false {
  return skipPeers || (methodUnavailable(getMethod(method)!) ?? false);
}

// libev's UDP refuses every rc4 datagram after the first as "repeat IV detected"
// (its replay filter sees the same empty IV each time), so rc4 is tested on TCP only.
function skipUdp(method: string): string | false {
  return getMethod(method)!.saltLength === 0 ? 'libev refuses repeated empty IVs on UDP' : false;
}

async function tunnelEcho(t: Test, ss: ServerUnderTest, peer: LibevPeer, size: number): Promise<void> {
  const before = ss.closed.length;
  const payload = randomBytes(size);
  const back = await echoRoundTrip(await connectTo(peer.port), payload).catch((err: Error) => {
    t.fail(`round trip failed: ${err.message}`, { peerLog: peer.log() });
    return Buffer.alloc(0);
  });
  t.equal(firstDifference(back, payload), undefined, `echoes ${size} random bytes byte for byte`, { peerLog: peer.log() });
  t.match((await ss.waitClosed(before + 1)).at(-1), { status: 'OK', bytesUp: size, bytesDown: size }, 'the server reports OK and the byte counts');
}

for (const method of METHODS) {
  t.test(`${method}: libev clients → our server`, { skip: skipFor(method) }, async (t) => {
    const ss = await startServerUnderTest({ method, password: PASSWORD, forbiddenIp: [] });
    t.teardown(() => ss.close());
    t.ok(ss.logs.some((l) => /legacy stream cipher: no integrity/.test(l.message)), 'the server warns at start');
    const echo = await startCountingEchoServer('127.0.0.1');
    t.teardown(() => echo.close());

    await t.test('ss-tunnel over TCP, 2 MiB', async (t) => {
      const tunnel = await startSsTunnel({ serverPort: ss.port, target: `127.0.0.1:${echo.port}`, method, password: PASSWORD });
      t.teardown(() => tunnel.stop());
      await tunnelEcho(t, ss, tunnel, 2 * MiB);
    });

    await t.test('ss-local SOCKS5 to a host name, 1 MiB', async (t) => {
      const local = await startSsLocal({ serverPort: ss.port, method, password: PASSWORD });
      t.teardown(() => local.stop());
      const before = ss.closed.length;
      const payload = randomBytes(MiB);
      const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'connect', destination: { host: 'echo.test', port: echo.port }, timeout: 5000 });
      t.equal(firstDifference(await echoRoundTrip(socket, payload), payload), undefined, 'echoes byte for byte', { peerLog: local.log() });
      t.match((await ss.waitClosed(before + 1)).at(-1), { status: 'OK', target: { type: 'domain', host: 'echo.test' } });
    });

    await t.test('ss-tunnel -u, datagrams of every size', { skip: skipUdp(method) }, async (t) => {
      const udpEcho = await startUdpEcho();
      t.teardown(udpEcho.close);
      const tunnel = await startSsTunnel({ serverPort: ss.port, target: `127.0.0.1:${udpEcho.port}`, method, password: PASSWORD, args: ['-u'] });
      t.teardown(() => tunnel.stop());
      const app = await UdpClient.open();
      t.teardown(() => app.close());
      for (const [i, n] of DATAGRAM_SIZES.entries()) {
        const payload = taggedPayload(i, n);
        await app.request(() => app.send(payload, tunnel.port), (d) => d.msg.equals(payload), { ms: 1000, attempts: 5 }).catch((err: Error) => t.fail(`${n} bytes: ${err.message}\n${tunnel.log()}`));
      }
      t.pass(`${DATAGRAM_SIZES.length} datagrams echoed`);
    });
  });

  t.test(`${method}: our local → libev ss-server`, { skip: skipFor(method) }, async (t) => {
    const ss = await startSsServer({ method, password: PASSWORD, args: ['-u'] });
    t.teardown(() => ss.stop());

    await t.test('SOCKS5 download of 2 MiB', async (t) => {
      const blob = randomBytes(2 * MiB);
      const blobServer = await startBlobServer(blob);
      t.teardown(blobServer.close);
      const local = await startLocalUnderTest({ server: '127.0.0.1', serverPort: ss.port, method, password: PASSWORD });
      t.teardown(local.close);
      const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port: blobServer.port }, timeout: 10_000 });
      const all = readAll(socket);
      socket.write('?');
      const got = await all;
      socket.end();
      t.equal(firstDifference(got, blob), undefined, 'byte for byte', { peerLog: ss.log() });
    });

    await t.test('UDP through LocalUdpRelay, datagrams of every size', { skip: skipUdp(method) }, async (t) => {
      const { spec, masterKey } = keysFor(method, PASSWORD);
      const echo = await startUdpEcho();
      t.teardown(echo.close);
      const relay = await LocalUdpRelay.open({ spec, masterKey, server: { host: '127.0.0.1', port: ss.port }, clientHost: '127.0.0.1' });
      t.teardown(() => relay.close());
      const app = await UdpClient.open();
      t.teardown(() => app.close());
      for (const [i, n] of DATAGRAM_SIZES.entries()) {
        const payload = taggedPayload(i, n);
        const matches = (d: { msg: Buffer }): boolean => {
          try {
            return decodeSocks5UdpPacket(d.msg).data.equals(payload);
          } catch {
            return false;
          }
        };
        await app.request(() => app.send(encodeSocks5UdpPacket('127.0.0.1', echo.port, payload), relay.address().port), matches).catch((err: Error) => t.fail(`${n} bytes: ${err.message}\n${ss.log()}`));
      }
      t.pass(`${DATAGRAM_SIZES.length} datagrams echoed`);
    });
  });
}
