/**
 * Interop: UDP through our local client (createLocal) → shadowsocks-libev
 * `ss-server -u` → loopback UDP echoes, for every AEAD method: SOCKS5 UDP
 * ASSOCIATE made with the `socks` package, and tunnel mode (-L) with UDP.
 * Datagrams of 1 to 1400 bytes to IPv4 and IPv6 echoes, each one checked
 * (retried per datagram on loss).
 */
import t, { type Test } from 'tap';
import { ipv6LoopbackAvailable } from '../fixtures/interop.js';
import { AEAD_METHODS, libevMissing, startSsServer, type LibevPeer } from '../fixtures/libev.js';
import { startLocalUnderTest } from '../fixtures/local.js';
import { socksUdpAssociate } from '../fixtures/local-udp.js';
import { DATAGRAM_SIZES, startUdpEcho, taggedPayload, UdpClient } from '../fixtures/udp.js';
import type { MethodName } from '../../lib/crypto/methods.js';

const skip = libevMissing('ss-server');
const password = 'local-udp-interop';
const echoHosts = (await ipv6LoopbackAvailable()) ? ['127.0.0.1', '::1'] : ['127.0.0.1'];

async function socksThrough(t: Test, ss: LibevPeer, method: MethodName): Promise<void> {
  const local = await startLocalUnderTest({ server: '127.0.0.1', serverPort: ss.port, method, password });
  t.teardown(local.close);
  for (const echoHost of echoHosts) {
    const echo = await startUdpEcho(echoHost);
    t.teardown(echo.close);
    const a = await socksUdpAssociate(local.port);
    t.teardown(a.close);
    for (const [i, n] of DATAGRAM_SIZES.entries()) {
      const payload = taggedPayload(i, n);
      try {
        const reply = await a.echo({ host: echoHost, port: echo.port }, payload);
        if (i === 0) t.equal(reply.source.port, echo.port, `${echoHost}: replies labelled with the echo's port`);
      } catch (err) {
        t.fail(`SOCKS5 UDP to ${echoHost}, ${n} bytes: ${(err as Error).message}\n${ss.log()}`);
        return;
      }
    }
    t.pass(`SOCKS5 UDP to ${echoHost}: ${DATAGRAM_SIZES.length} sizes echoed, 1 to 1400 bytes`);
    await a.close();
  }
  t.same(Object.values(local.local.udpStats!.dropped).reduce((x, y) => x + y, 0), 0, 'nothing dropped');
}

async function tunnelThrough(t: Test, ss: LibevPeer, method: MethodName): Promise<void> {
  for (const echoHost of echoHosts) {
    const echo = await startUdpEcho(echoHost);
    t.teardown(echo.close);
    const tunnel = await startLocalUnderTest({ server: '127.0.0.1', serverPort: ss.port, method, password, mode: 'udp_only', tunnel: { host: echoHost, port: echo.port } });
    t.teardown(tunnel.close);
    const app = await UdpClient.open();
    t.teardown(() => app.close());
    for (const [i, n] of DATAGRAM_SIZES.entries()) {
      const payload = taggedPayload(i, n);
      try {
        await app.request(() => app.send(payload, tunnel.port), (d) => d.msg.equals(payload));
      } catch (err) {
        t.fail(`tunnel to ${echoHost}, ${n} bytes: ${(err as Error).message}\n${ss.log()}`);
        return;
      }
    }
    t.pass(`-L ${echoHost} -U: ${DATAGRAM_SIZES.length} sizes echoed`);
  }
}

for (const method of AEAD_METHODS) {
  t.test(`our local UDP → ss-server -u ${method}`, { skip }, async (t) => {
    const ss = await startSsServer({ method, password, args: ['-u'] });
    t.teardown(() => ss.stop());
    await socksThrough(t, ss, method);
    await tunnelThrough(t, ss, method);
  });
}
