/**
 * Our local UDP pieces -> libev `ss-server -u`: the SOCKS5 UDP association
 * relay (LocalUdpRelay) and the fixed-target tunnel (UdpTunnelRelay), to
 * IPv4 and IPv6 loopback echoes, datagrams of 1 to 1400 bytes.
 */
import t from 'tap';
import { decodeSocks5UdpPacket, encodeSocks5UdpPacket } from '../../lib/protocol/socks5-udp.js';
import { LocalUdpRelay } from '../../lib/local/local-udp-relay.js';
import { UdpTunnelRelay } from '../../lib/local/udp-tunnel-relay.js';
import { AEAD_METHODS, libevMissing, startSsServer } from '../fixtures/libev.js';
import { keysFor } from '../fixtures/ss-client.js';
import { DATAGRAM_SIZES, startUdpEcho, taggedPayload, UdpClient, type Datagram } from '../fixtures/udp.js';

const password = 'udp-interop';
const skip = libevMissing('ss-server');

const socksEcho = (payload: Buffer) => (d: Datagram): boolean => {
  try {
    return decodeSocks5UdpPacket(d.msg).data.equals(payload);
  } catch {
    return false;
  }
};

for (const method of AEAD_METHODS) {
  t.test(`LocalUdpRelay -> ss-server -u, ${method}`, { skip }, async (t) => {
    const { spec, masterKey } = keysFor(method, password);
    const ss = await startSsServer({ method, password, args: ['-u'] });
    t.teardown(() => ss.stop());
    for (const echoHost of ['127.0.0.1', '::1']) {
      const echo = await startUdpEcho(echoHost);
      t.teardown(echo.close);
      const local = await LocalUdpRelay.open({ spec, masterKey, server: { host: '127.0.0.1', port: ss.port }, clientHost: '127.0.0.1' });
      t.teardown(() => local.close());
      const app = await UdpClient.open();
      t.teardown(() => app.close());
      for (const [i, n] of DATAGRAM_SIZES.entries()) {
        const payload = taggedPayload(i, n);
        try {
          const d = await app.request(() => app.send(encodeSocks5UdpPacket(echoHost, echo.port, payload), local.address().port), socksEcho(payload));
          if (i === 0) t.match(decodeSocks5UdpPacket(d.msg).address, { host: echoHost, port: echo.port }, 'ss-server labels replies with their source');
        } catch (err) {
          t.fail(`${echoHost}, ${n} bytes: ${(err as Error).message}\n${ss.log()}`);
          return;
        }
      }
      t.pass(`${echoHost}: ${DATAGRAM_SIZES.length} sizes echoed`);
      t.same(Object.values(local.stats.dropped).reduce((a, b) => a + b, 0), 0, 'nothing dropped');
    }
  });
}

for (const method of ['aes-256-gcm', 'chacha20-ietf-poly1305'] as const) {
  t.test(`UdpTunnelRelay -> ss-server -u, ${method}`, { skip }, async (t) => {
    const { spec, masterKey } = keysFor(method, password);
    const ss = await startSsServer({ method, password, args: ['-u'] });
    t.teardown(() => ss.stop());
    for (const echoHost of ['127.0.0.1', '::1']) {
      const echo = await startUdpEcho(echoHost);
      t.teardown(echo.close);
      const tunnel = await UdpTunnelRelay.open({ spec, masterKey, server: { host: '127.0.0.1', port: ss.port }, target: { host: echoHost, port: echo.port } });
      t.teardown(() => tunnel.close());
      const app = await UdpClient.open();
      t.teardown(() => app.close());
      for (const [i, n] of DATAGRAM_SIZES.entries()) {
        const payload = taggedPayload(i, n);
        await app.request(() => app.send(payload, tunnel.address().port), (d) => d.msg.equals(payload));
      }
      t.pass(`${echoHost}: ${DATAGRAM_SIZES.length} sizes echoed`);
    }
  });
}
