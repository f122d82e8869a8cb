/**
 * libev `ss-local -u` (SOCKS5 UDP ASSOCIATE) -> our server: a SOCKS5 client
 * (the `socks` package) associates through ss-local, and its datagrams reach
 * a loopback echo through our UdpRelay, to IPv4 and IPv6 targets.
 */
import { once } from 'node:events';
import { SocksClient } from 'socks';
import t from 'tap';
import { createServer } from '../../lib/server/server.js';
import { libevMissing, startSsLocal } from '../fixtures/libev.js';
import { DATAGRAM_SIZES, startUdpEcho, taggedPayload, UdpClient } from '../fixtures/udp.js';

const password = 'udp-interop';

for (const method of ['aes-128-gcm', 'chacha20-ietf-poly1305'] as const) {
  t.test(`ss-local -u (SOCKS5 UDP ASSOCIATE) -> our server, ${method}`, { skip: libevMissing('ss-local') }, async (t) => {
    const server = createServer({ host: '127.0.0.1', port: 0, method, password, forbiddenIp: [] });
    await server.listen();
    t.teardown(() => server.close(0));
    const local = await startSsLocal({ method, password, serverPort: server.address().port, args: ['-u'] });
    t.teardown(() => local.stop());
    const app = await UdpClient.open();
    t.teardown(() => app.close());
    const control = new SocksClient({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'associate', destination: { host: '127.0.0.1', port: app.port }, timeout: 5000 });
    control.on('error', () => {});
    control.connect();
    const [info] = (await once(control, 'established')) as [{ socket: { destroy(): void }; remoteHost: { host: string; port: number } }];
    t.teardown(() => info.socket.destroy());
    for (const echoHost of ['127.0.0.1', '::1']) {
      const echo = await startUdpEcho(echoHost);
      t.teardown(echo.close);
      for (const [i, n] of DATAGRAM_SIZES.entries()) {
        const payload = taggedPayload(i, n);
        const frame = SocksClient.createUDPFrame({ remoteHost: { host: echoHost, port: echo.port }, data: payload });
        const d = await app.request(() => app.send(frame, info.remoteHost.port, '127.0.0.1'), (d) => SocksClient.parseUDPFrame(d.msg).data.equals(payload));
        if (i === 0) t.match(SocksClient.parseUDPFrame(d.msg).remoteHost, { port: echo.port }, 'the reply names the echo');
      }
      t.pass(`${echoHost}: ${DATAGRAM_SIZES.length} sizes echoed`);
    }
    t.ok((server.udpStats?.packetsToClient ?? 0) >= 2 * DATAGRAM_SIZES.length);
  });
}
