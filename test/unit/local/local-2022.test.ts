import { randomBytes } from 'node:crypto';
import { SocksClient } from 'socks';
import t from 'tap';
import { METHODS } from '../../../lib/crypto/methods.js';
import { startLocalPair } from '../../fixtures/local.js';
import { readBytes, startEchoServer } from '../../fixtures/net.js';
import { psk2022 } from '../../fixtures/ss2022-client.js';
import { socksUdpAssociate } from '../../fixtures/local-udp.js';
import { startUdpEcho, taggedPayload } from '../../fixtures/udp.js';

const METHODS_2022 = [...METHODS.values()].filter((s) => s.kind === 'aead-2022').map((s) => s.name);

for (const method of METHODS_2022) {
  t.test(`${method}: ours to ours, SOCKS5 CONNECT through createLocal and createServer`, async (t) => {
    const echo = await startEchoServer();
    t.teardown(echo.close);
    const { server, local } = await startLocalPair(t, method, psk2022(method));
    const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port: echo.port }, timeout: 5000 });
    const payload = randomBytes(100_000);
    const reply = readBytes(socket, payload.length);
    socket.write(payload);
    t.ok((await reply).equals(payload));
    socket.end();
    const [stats] = await local.waitClosed(1);
    t.match(stats, { status: 'OK', bytesUp: payload.length, bytesDown: payload.length });
    t.equal((await server.waitClosed(1))[0]!.status, 'OK');
  });
}

t.test('a server-first target: the local sends the header alone (padded) and the reply comes back', async (t) => {
  const method = '2022-blake3-aes-256-gcm';
  const banner = await startEchoServer();
  t.teardown(banner.close);
  const { local } = await startLocalPair(t, method, psk2022(method), { firstPacketDelayMs: 0 });
  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port: banner.port }, timeout: 5000 });
  await new Promise((r) => setTimeout(r, 50));
  socket.write('ping');
  t.equal((await readBytes(socket, 4)).toString(), 'ping');
  socket.destroy();
});

t.test('a local with the wrong PSK gets nothing through; the server counts a failed handshake', async (t) => {
  const method = '2022-blake3-aes-128-gcm';
  let reached = 0;
  const echo = await startEchoServer();
  echo.server.on('connection', () => reached++);
  t.teardown(echo.close);
  const { server, local } = await startLocalPair(t, method, psk2022(method, 1), { password: psk2022(method, 2) });
  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port: echo.port }, timeout: 5000 });
  socket.on('error', () => {});
  socket.write('hello');
  await new Promise((r) => setTimeout(r, 200));
  socket.destroy();
  const [stats] = await server.waitClosed(1);
  t.equal(stats!.status, 'ERR_SS_DECRYPT');
  t.equal(reached, 0, 'the target was never dialled');
});

for (const method of METHODS_2022) {
  t.test(`${method}: ours to ours, SOCKS5 UDP through createLocal and createServer`, async (t) => {
    const { local } = await startLocalPair(t, method, psk2022(method));
    const echo = await startUdpEcho();
    t.teardown(echo.close);
    const a = await socksUdpAssociate(local.port);
    t.teardown(a.close);
    for (const [i, n] of [1, 100, 1400].entries()) {
      const payload = taggedPayload(i, n);
      const reply = await a.echo({ host: '127.0.0.1', port: echo.port }, payload);
      t.ok(reply.data.equals(payload), `${n} bytes echoed`);
      t.equal(reply.source.port, echo.port);
    }
  });
}
