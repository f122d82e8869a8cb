import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import t, { type Test } from 'tap';
import type { ServerOptions } from '../../../lib/server/server-options.js';
import { createServer, type SsServer } from '../../../lib/server/server.js';
import { keysFor } from '../../fixtures/ss-client.js';
import { SsUdpClient } from '../../fixtures/ss-udp.js';
import { startUdpEcho } from '../../fixtures/udp.js';
import { encryptPacket } from '../../../lib/crypto/aead-packet.js';
import { encodeAddress } from '../../../lib/protocol/address.js';

const method = 'aes-128-gcm';
const password = 'server-udp';
const { spec, masterKey } = keysFor(method, password);

async function start(t: Test, options: Partial<ServerOptions> = {}): Promise<SsServer> {
  const server = createServer({ host: '127.0.0.1', port: 0, method, password, forbiddenIp: [], ...options });
  server.on('error', (err) => t.fail(`server error: ${err.message}`));
  await server.listen();
  t.teardown(() => server.close(0));
  return server;
}

async function client(t: Test, host: string, port: number): Promise<SsUdpClient> {
  const c = await SsUdpClient.open(spec, masterKey, { host, port });
  t.teardown(() => c.close());
  return c;
}

const canConnect = (port: number): Promise<boolean> => new Promise((resolve) => {
  const s = connect({ host: '127.0.0.1', port });
  s.once('connect', () => { s.destroy(); resolve(true); });
  s.once('error', () => resolve(false));
});

t.test('serves UDP on the TCP port by default (tcp_and_udp)', async (t) => {
  const echo = await startUdpEcho();
  t.teardown(echo.close);
  const server = await start(t);
  const { port } = server.address();
  t.ok(await canConnect(port), 'TCP listens');
  const c = await client(t, '127.0.0.1', port);
  const reply = await c.echo({ host: '127.0.0.1', port: echo.port }, Buffer.from('same port'));
  t.match(reply.source, { host: '127.0.0.1', port: echo.port });
  t.match(server.udpStats, { associations: 1, dropped: { decrypt: 0 } });
  t.ok(server.udpStats!.packetsFromClient >= 1);
});

t.test('serves UDP on every host, all on one port', async (t) => {
  const echo = await startUdpEcho('::1');
  t.teardown(echo.close);
  const server = await start(t, { host: ['127.0.0.1', '::1'] });
  const ports = new Set(server.addresses().map((a) => a.port));
  t.equal(ports.size, 1);
  for (const host of ['127.0.0.1', '::1']) {
    const c = await client(t, host, server.address().port);
    await c.echo({ host: '::1', port: echo.port }, Buffer.from(host));
  }
  t.equal(server.udpStats?.associations, 2);
});

t.test('applies forbiddenIp to UDP targets (the default refuses loopback)', async (t) => {
  const echo = await startUdpEcho();
  t.teardown(echo.close);
  const server = await start(t, { forbiddenIp: undefined });
  const c = await client(t, '127.0.0.1', server.address().port);
  c.send({ host: '127.0.0.1', port: echo.port }, Buffer.from('x'));
  t.same(await c.collect(300), []);
  t.equal(echo.received, 0);
  t.equal(server.udpStats?.dropped.forbidden, 1);
});

t.test('uses the lookup option for UDP host names', async (t) => {
  const echo = await startUdpEcho();
  t.teardown(echo.close);
  const server = await start(t, { lookup: (host, _o, cb) => cb(null, host === 'echo.test' ? [{ address: '127.0.0.1', family: 4 }] : []) });
  const c = await client(t, '127.0.0.1', server.address().port);
  await c.echo({ host: 'echo.test', port: echo.port }, Buffer.from('named'));
  t.pass('resolved through the injected lookup');
});

t.test('tcp_only runs no UDP relay', async (t) => {
  const server = await start(t, { mode: 'tcp_only' });
  t.equal(server.udpStats, undefined);
  const { port } = server.address();
  const probe = createSocket('udp4');
  await new Promise<void>((resolve, reject) => probe.once('error', reject).bind(port, '127.0.0.1', () => resolve()));
  probe.close();
  t.pass('the UDP port is free');
});

t.test('udp_only runs no TCP listener', async (t) => {
  const echo = await startUdpEcho();
  t.teardown(echo.close);
  const server = await start(t, { mode: 'udp_only' });
  const { port } = server.address();
  t.equal(server.addresses().length, 1);
  t.notOk(await canConnect(port), 'no TCP');
  const c = await client(t, '127.0.0.1', port);
  await c.echo({ host: '127.0.0.1', port: echo.port }, Buffer.from('udp only'));
  t.equal(server.connections, 0);
});

t.test('close() releases the UDP port', async (t) => {
  const server = createServer({ host: '127.0.0.1', port: 0, method, password });
  await server.listen();
  const { port } = server.address();
  await server.close(0);
  const probe = createSocket('udp4');
  await new Promise<void>((resolve, reject) => probe.once('error', reject).bind(port, '127.0.0.1', () => resolve()));
  probe.close();
  t.pass('rebound after close');
});

t.test('validates mode, natTimeoutMs and natCapacity', async (t) => {
  const base = { password: 'x' };
  t.throws(() => createServer({ ...base, mode: 'both' as never }), { code: 'ERR_SS_CONFIG', message: /^mode: / });
  t.throws(() => createServer({ ...base, natTimeoutMs: 0 }), { code: 'ERR_SS_CONFIG', message: /^natTimeoutMs: / });
  t.throws(() => createServer({ ...base, natCapacity: 0 }), { code: 'ERR_SS_CONFIG', message: /^natCapacity: / });
  t.throws(() => createServer({ ...base, natCapacity: 1.5 }), { code: 'ERR_SS_CONFIG', message: /^natCapacity: / });
  for (const mode of ['tcp_and_udp', 'tcp_only', 'udp_only'] as const) t.doesNotThrow(() => createServer({ ...base, mode }));
});

t.test('drops a replayed datagram and a reflected reply, and counts them', async (t) => {
  const echo = await startUdpEcho();
  t.teardown(echo.close);
  const server = await start(t);
  const { port } = server.address();
  const c = await client(t, '127.0.0.1', port);
  const packet = encryptPacket(spec, masterKey, Buffer.concat([encodeAddress('127.0.0.1', echo.port), Buffer.from('once')]));
  const replies: Buffer[] = [];
  c.udp.socket.on('message', (m: Buffer) => replies.push(m));
  c.sendRaw(packet);
  for (let i = 0; i < 100 && replies.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(replies.length, 1, 'the original is answered');
  c.sendRaw(packet); // the same datagram again
  c.sendRaw(replies[0]!); // our own reply sent back to us
  await new Promise((r) => setTimeout(r, 300));
  t.equal(replies.length, 1, 'no answer to the replay or the reflection');
  t.equal(server.udpStats!.dropped.replay, 2);
});
