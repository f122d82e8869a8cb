/**
 * Interop: SOCKS5 client (`socks` package) → shadowsocks-libev `ss-local` →
 * our server → echo server. ss-local (no ACL) passes the SOCKS5 destination
 * through as the address header, so a host name reaches our server
 * unresolved and our fake lookup maps it to loopback; nothing touches DNS.
 */
import t, { type Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { SocksClient } from 'socks';
import { AEAD_METHODS, libevMissing, startSsLocal, type LibevPeer } from '../fixtures/libev.js';
import { echoRoundTrip, firstDifference, ipv6LoopbackAvailable, startCountingEchoServer, startServerUnderTest, type ServerUnderTest } from '../fixtures/interop.js';

const skip = libevMissing('ss-local');
const skipV6 = skip || ((await ipv6LoopbackAvailable()) ? false : 'IPv6 loopback (::1) is not available on this machine');
const PASSWORD = 'interop-test-password';
const MiB = 1 << 20;

/** Opens a SOCKS5 CONNECT through `local` to host:port, echoes `size` bytes, checks them and the server's report. */
async function checkEcho(t: Test, ss: ServerUnderTest, local: LibevPeer, host: string, port: number, size: number, target: object): Promise<void> {
  const before = ss.closed.length;
  const payload = randomBytes(size);
  const back = await SocksClient.createConnection({
    proxy: { host: '127.0.0.1', port: local.port, type: 5 },
    command: 'connect',
    destination: { host, port },
    timeout: 5000,
  })
    .then(({ socket }) => echoRoundTrip(socket, payload))
    .catch((err: Error) => {
      t.fail(`SOCKS5 round trip failed: ${err.message}`, { peerLog: local.log() });
      return Buffer.alloc(0);
    });
  t.equal(firstDifference(back, payload), undefined, `echoes ${size} random bytes byte for byte`, { peerLog: local.log() });
  const stats = (await ss.waitClosed(before + 1)).at(-1);
  t.match(stats, { status: 'OK', target, bytesUp: size, bytesDown: size }, 'the server reports OK, the target and the byte counts');
}

for (const method of AEAD_METHODS) {
  t.test(`SOCKS5 → ss-local ${method} → our server`, { skip }, async (t) => {
    const ss = await startServerUnderTest({ method, password: PASSWORD, forbiddenIp: [] });
    t.teardown(() => ss.close());
    const echo = await startCountingEchoServer('127.0.0.1');
    t.teardown(() => echo.close());
    const local = await startSsLocal({ serverPort: ss.port, method, password: PASSWORD });
    t.teardown(() => local.stop());

    await t.test('relays a 4 MiB payload to IPv4 target 127.0.0.1', async (t) => {
      await checkEcho(t, ss, local, '127.0.0.1', echo.port, 4 * MiB, { type: 'ipv4', host: '127.0.0.1', port: echo.port });
    });

    await t.test('relays a 2 MiB payload to IPv6 target ::1', { skip: skipV6 }, async (t) => {
      const echo6 = await startCountingEchoServer('::1');
      t.teardown(() => echo6.close());
      await checkEcho(t, ss, local, '::1', echo6.port, 2 * MiB, { type: 'ipv6', host: '::1', port: echo6.port });
    });

    await t.test('relays a 4 MiB payload to host name echo.test, resolved by our lookup', async (t) => {
      await checkEcho(t, ss, local, 'echo.test', echo.port, 4 * MiB, { type: 'domain', host: 'echo.test', port: echo.port });
      t.equal(ss.closed.at(-1)?.targetAddress, '127.0.0.1', 'dials the address the fake lookup gave');
    });
  });
}
