import t, { type Test } from 'tap';
import { evpBytesToKey } from '../../../lib/crypto/kdf.js';
import { getMethod } from '../../../lib/crypto/methods.js';
import { UdpRelay } from '../../../lib/server/udp-relay.js';
import { UdpTunnelRelay, type UdpTunnelRelayOptions } from '../../../lib/local/udp-tunnel-relay.js';
import { FakeClock } from '../../fixtures/fake-clock.js';
import { DATAGRAM_SIZES, startUdpEcho, taggedPayload, UdpClient } from '../../fixtures/udp.js';

const spec = getMethod('xchacha20-ietf-poly1305')!;
const masterKey = evpBytesToKey('tunnel-udp', spec.keyLength);

async function setup(t: Test, echoHost: string, options: Partial<UdpTunnelRelayOptions> = {}) {
  const echo = await startUdpEcho(echoHost);
  const server = new UdpRelay({ spec, masterKey });
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  const tunnel = await UdpTunnelRelay.open({ spec, masterKey, server: { host: '127.0.0.1', port }, target: { host: echoHost, port: echo.port }, ...options });
  t.teardown(async () => {
    await tunnel.close();
    await server.close();
    await echo.close();
  });
  const app = async (): Promise<UdpClient> => {
    const c = await UdpClient.open();
    t.teardown(() => c.close());
    return c;
  };
  return { echo, server, tunnel, app, port: tunnel.address().port };
}

for (const echoHost of ['127.0.0.1', '::1']) {
  t.test(`forwards datagrams of every size to a fixed target on ${echoHost} and back`, async (t) => {
    const { tunnel, app, port } = await setup(t, echoHost);
    const c = await app();
    for (const [i, n] of DATAGRAM_SIZES.entries()) {
      const payload = taggedPayload(i, n);
      await c.request(() => c.send(payload, port), (d) => d.msg.equals(payload));
    }
    t.pass(`${DATAGRAM_SIZES.length} sizes echoed`);
    t.equal(tunnel.stats.associations, 1);
  });
}

t.test('gives each local source its own association', async (t) => {
  const { echo, server, tunnel, app, port } = await setup(t, '127.0.0.1');
  const a = await app();
  const b = await app();
  await a.request(() => a.send(Buffer.from('from a'), port), (d) => d.msg.toString() === 'from a');
  await b.request(() => b.send(Buffer.from('from b'), port), (d) => d.msg.toString() === 'from b');
  t.same(await a.collect(100), [], 'a does not get b\'s reply');
  t.equal(tunnel.stats.associations, 2);
  t.equal(server.stats.associations, 2);
  t.equal(echo.sources.size, 2);
});

t.test('expires idle associations', async (t) => {
  const clock = new FakeClock();
  const { tunnel, app, port } = await setup(t, '127.0.0.1', { clock, natTimeoutMs: 10_000 });
  const c = await app();
  await c.request(() => c.send(Buffer.from('x'), port), (d) => d.msg.toString() === 'x');
  clock.advance(10_000);
  t.equal(tunnel.stats.associations, 0);
  await c.request(() => c.send(Buffer.from('y'), port), (d) => d.msg.toString() === 'y');
  t.equal(tunnel.stats.associations, 1);
});

t.test('needs an IP literal for the server and a valid target', async (t) => {
  await t.rejects(UdpTunnelRelay.open({ spec, masterKey, server: { host: 'ss.example', port: 1 }, target: { host: '127.0.0.1', port: 1 } }), { code: 'ERR_SS_CONFIG' });
  await t.rejects(UdpTunnelRelay.open({ spec, masterKey, server: { host: '127.0.0.1', port: 1 }, target: { host: '127.0.0.1', port: 70000 } }), { code: 'ERR_SS_BAD_ADDRESS' });
});
