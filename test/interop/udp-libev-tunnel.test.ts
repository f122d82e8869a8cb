/**
 * libev `ss-tunnel -u` -> our server (UDP): datagrams of 1 to 1400 bytes go
 * from a local app through ss-tunnel's UDP port and our UdpRelay to a
 * loopback echo, and back, each one checked, for every AEAD method.
 */
import t from 'tap';
import { createServer } from '../../lib/server/server.js';
import { AEAD_METHODS, libevMissing, startSsTunnel } from '../fixtures/libev.js';
import { DATAGRAM_SIZES, startUdpEcho, taggedPayload, UdpClient } from '../fixtures/udp.js';

const password = 'udp-interop';

for (const method of AEAD_METHODS) {
  t.test(`ss-tunnel -u -> our server, ${method}`, { skip: libevMissing('ss-tunnel') }, async (t) => {
    const echo = await startUdpEcho();
    t.teardown(echo.close);
    const server = createServer({ host: '127.0.0.1', port: 0, method, password, forbiddenIp: [] });
    await server.listen();
    t.teardown(() => server.close(0));
    const tunnel = await startSsTunnel({ method, password, serverPort: server.address().port, target: `127.0.0.1:${echo.port}`, args: ['-u'] });
    t.teardown(() => tunnel.stop());
    const app = await UdpClient.open();
    t.teardown(() => app.close());
    for (const [i, n] of DATAGRAM_SIZES.entries()) {
      const payload = taggedPayload(i, n);
      try {
        await app.request(() => app.send(payload, tunnel.port), (d) => d.msg.equals(payload), { ms: 1000, attempts: 5 });
      } catch (err) {
        t.fail(`${n} bytes: ${(err as Error).message}\n${tunnel.log()}`);
        return;
      }
    }
    t.pass(`${DATAGRAM_SIZES.length} datagrams of ${DATAGRAM_SIZES[0]}..${DATAGRAM_SIZES.at(-1)} bytes echoed`);
    t.equal(server.udpStats?.associations, 1, 'one association for ss-tunnel\'s one source');
    t.same(Object.values(server.udpStats!.dropped).reduce((a, b) => a + b, 0), 0, 'nothing dropped');
  });
}
