import { randomBytes } from 'node:crypto';
import { createSocket as dgramCreateSocket } from 'node:dgram';
import t, { type Test } from 'tap';
import { evpBytesToKey } from '../../../lib/crypto/kdf.js';
import { getMethod } from '../../../lib/crypto/methods.js';
import { encodeAddress } from '../../../lib/protocol/address.js';
import { TargetFilter } from '../../../lib/server/egress/target-filter.js';
import type { LookupFunction } from '../../../lib/transport/dial.js';
import { encryptPacket, MAX_UDP_PACKET_BYTES, packetOverhead } from '../../../lib/crypto/aead-packet.js';
import { UdpRelay, type UdpRelayOptions } from '../../../lib/server/udp-relay.js';
import { FakeClock } from '../../fixtures/fake-clock.js';
import { SsUdpClient } from '../../fixtures/ss-udp.js';
import { startUdpEcho, UdpClient } from '../../fixtures/udp.js';

const spec = getMethod('chacha20-ietf-poly1305')!;
const masterKey = evpBytesToKey('udp-test', spec.keyLength);

const fakeLookup = (table: Record<string, string[]>): LookupFunction => (host, _opts, cb) => {
  const list = table[host];
  setImmediate(() => (list === undefined
    ? cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), [])
    : cb(null, list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })))));
};

async function startRelay(t: Test, options: Partial<UdpRelayOptions> = {}, host = '127.0.0.1'): Promise<{ relay: UdpRelay; client: SsUdpClient }> {
  const relay = new UdpRelay({ spec, masterKey, lookup: fakeLookup({}), ...options });
  relay.on('error', (err) => t.fail(`relay error: ${err.message}`));
  const { port } = await relay.listen({ host, port: 0 });
  const client = await SsUdpClient.open(spec, masterKey, { host, port });
  t.teardown(async () => {
    await client.close();
    await relay.close();
  });
  return { relay, client };
}

async function startEcho(t: Test, host = '127.0.0.1') {
  const echo = await startUdpEcho(host);
  t.teardown(echo.close);
  return echo;
}

t.test('relays a datagram to an IPv4 target and encrypts the reply, labelled with its source', async (t) => {
  const echo = await startEcho(t);
  const { relay, client } = await startRelay(t);
  for (const n of [0, 1, 100, 1400, 8000]) {
    const payload = randomBytes(n);
    const reply = await client.echo({ host: '127.0.0.1', port: echo.port }, payload);
    t.match(reply.source, { type: 'ipv4', host: '127.0.0.1', port: echo.port }, `${n} bytes`);
  }
  const s = relay.stats;
  t.ok(s.packetsFromClient >= 5 && s.packetsToClient >= 5 && s.packetsToRemote >= 5 && s.packetsFromRemote >= 5);
  t.equal(s.associations, 1, 'one client, one association');
  t.equal(echo.sources.size, 1, 'the target sees one source port for the association');
});

t.test('relays over IPv6: listener, client and target on ::1', async (t) => {
  const echo = await startEcho(t, '::1');
  const { client } = await startRelay(t, {}, '::1');
  const reply = await client.echo({ host: '::1', port: echo.port }, Buffer.from('over v6'));
  t.match(reply.source, { type: 'ipv6', host: '::1', port: echo.port });
});

t.test('one association reaches IPv4 and IPv6 targets (a udp4 and a udp6 socket)', async (t) => {
  const echo4 = await startEcho(t);
  const echo6 = await startEcho(t, '::1');
  const { relay, client } = await startRelay(t);
  t.match((await client.echo({ host: '127.0.0.1', port: echo4.port }, Buffer.from('four'))).source, { host: '127.0.0.1' });
  t.match((await client.echo({ host: '::1', port: echo6.port }, Buffer.from('six'))).source, { host: '::1' });
  t.equal(relay.stats.associations, 1);
});

t.test('resolves host-name targets with the injected lookup', async (t) => {
  const echo = await startEcho(t);
  const { relay, client } = await startRelay(t, { lookup: fakeLookup({ 'echo.test': ['127.0.0.1'] }) });
  const reply = await client.echo({ host: 'echo.test', port: echo.port }, Buffer.from('by name'));
  t.match(reply.source, { host: '127.0.0.1', port: echo.port }, 'the reply names the address it came from');
  client.send({ host: 'nowhere.test', port: echo.port }, Buffer.from('x'));
  t.same(await client.collect(200), []);
  t.equal(relay.stats.dropped.dns, 1);
});

t.test('drops garbage silently, counts it, and opens no association', async (t) => {
  const { relay, client } = await startRelay(t);
  const wrongKey = evpBytesToKey('other', spec.keyLength);
  const good = (plain: Buffer): Buffer => encryptPacket(spec, masterKey, plain);
  for (let n = 0; n <= 100; n += 7) client.sendRaw(randomBytes(n));
  client.sendRaw(encryptPacket(spec, wrongKey, Buffer.concat([encodeAddress('127.0.0.1', 9), Buffer.from('x')])));
  client.sendRaw(good(Buffer.from('05000000000009', 'hex')));
  client.sendRaw(good(Buffer.from('030000', 'hex')));
  client.sendRaw(good(Buffer.alloc(0)));
  client.sendRaw(good(Buffer.from('017f0000', 'hex')));
  t.same(await client.collect(300), [], 'no reply at all');
  const s = relay.stats;
  t.equal(s.packetsFromClient, 15 + 5);
  t.equal(s.dropped.tooShort, 7 + 2, 'shorter than salt + tag (0, 7, ..., 42 < 48), and plaintexts without a full header');
  t.equal(s.dropped.decrypt, 8 + 1, 'random bytes (49, ..., 98) and the wrong key');
  t.equal(s.dropped.badHeader, 2, 'ATYP 5, empty host name');
  t.equal(s.associations, 0);
  t.equal(s.packetsToRemote + s.packetsToClient, 0);
});

t.test('drops forbidden targets by default policy, also after DNS', async (t) => {
  const echo = await startEcho(t);
  const { relay, client } = await startRelay(t, { targetFilter: new TargetFilter(), lookup: fakeLookup({ 'local.test': ['127.0.0.1', '::1'] }) });
  client.send({ host: '127.0.0.1', port: echo.port }, Buffer.from('a'));
  client.send({ host: '::1', port: echo.port }, Buffer.from('b'));
  client.send({ host: '::ffff:127.0.0.1', port: echo.port }, Buffer.from('c'));
  client.send({ host: 'local.test', port: echo.port }, Buffer.from('d'));
  t.same(await client.collect(300), []);
  t.equal(echo.received, 0, 'nothing reached the target');
  t.equal(relay.stats.dropped.forbidden, 4);
  t.equal(relay.stats.associations, 0);
});

t.test('accepts replies from any source (full cone), each labelled with its sender', async (t) => {
  const echo = await startEcho(t);
  const { client } = await startRelay(t);
  await client.echo({ host: '127.0.0.1', port: echo.port }, Buffer.from('open'));
  const outbound = Number([...echo.sources][0]!.split(':').pop());
  const stranger = await UdpClient.open();
  t.teardown(() => stranger.close());
  stranger.send(Buffer.from('unsolicited'), outbound);
  const [reply] = await client.collect(300);
  t.match(reply, { source: { host: '127.0.0.1', port: stranger.port } });
  t.equal(reply?.payload.toString(), 'unsolicited');
});

t.test('an association expires after natTimeoutMs and a new one is made on demand', async (t) => {
  const clock = new FakeClock();
  const echo = await startEcho(t);
  const { relay, client } = await startRelay(t, { clock, natTimeoutMs: 60_000 });
  await client.echo({ host: '127.0.0.1', port: echo.port }, Buffer.from('one'));
  clock.advance(59_999);
  t.equal(relay.stats.associations, 1);
  clock.advance(1);
  t.equal(relay.stats.associations, 0);
  t.equal(relay.stats.expired, 1);
  await client.echo({ host: '127.0.0.1', port: echo.port }, Buffer.from('two'));
  t.equal(echo.sources.size, 2, 'a fresh outbound socket');
});

t.test('natCapacity caps associations, evicting the least recently used', async (t) => {
  const echo = await startEcho(t);
  const { relay, client } = await startRelay(t, { natCapacity: 2 });
  const port = relay.address().port;
  const others = await Promise.all([1, 2].map(() => SsUdpClient.open(spec, masterKey, { host: '127.0.0.1', port })));
  t.teardown(() => Promise.all(others.map((c) => c.close())));
  for (const c of [client, ...others]) await c.echo({ host: '127.0.0.1', port: echo.port }, Buffer.from('hi'));
  t.equal(relay.stats.associations, 2);
  t.equal(relay.stats.evicted, 1);
});

t.test('the association cap fits the limit of open files, evicting beyond it', async (t) => {
  const echo = await startEcho(t);
  // 16 open files: a quarter is 4 sockets, so 2 associations (a udp4 and a udp6 each at most).
  const { relay, client } = await startRelay(t, { openFilesLimit: 16 });
  t.equal(relay.natCapacity, 2, 'the configured 1024 is lowered to 2');
  const port = relay.address().port;
  const others = await Promise.all([1, 2, 3].map(() => SsUdpClient.open(spec, masterKey, { host: '127.0.0.1', port })));
  t.teardown(() => Promise.all(others.map((c) => c.close())));
  for (const c of [client, ...others]) await c.echo({ host: '127.0.0.1', port: echo.port }, Buffer.from('hi'));
  t.equal(relay.stats.associations, 2);
  t.equal(relay.stats.evicted, 2);
});

t.test('an association socket that cannot open for want of descriptors is logged as a warning', async (t) => {
  const echo = await startEcho(t);
  const warnings: [string, Record<string, unknown> | undefined][] = [];
  const noop = (): void => {};
  const logger = { debug: noop, info: noop, error: noop, warn: (m: string, f?: Record<string, unknown>) => warnings.push([m, f]) };
  const createSocket = (type: 'udp4' | 'udp6') => {
    const s = dgramCreateSocket(type);
    process.nextTick(() => s.emit('error', Object.assign(new Error('bind EMFILE 0.0.0.0'), { code: 'EMFILE', syscall: 'bind' })));
    return s;
  };
  const { relay, client } = await startRelay(t, { logger, createSocket, openFilesLimit: 1024 });
  client.send({ host: '127.0.0.1', port: echo.port }, Buffer.from('hi'));
  while (warnings.length === 0) await new Promise((r) => setTimeout(r, 10));
  t.match(warnings, [['out of file descriptors', { on: 'udp', code: 'EMFILE', limit: 1024 }]]);
  t.equal(relay.stats.associations, 0, 'the association went with its socket');
});

t.test('a high limit of open files leaves natCapacity as configured', async (t) => {
  const { relay } = await startRelay(t, { natCapacity: 300, openFilesLimit: 20_000 });
  t.equal(relay.natCapacity, 300);
});

t.test('drops a reply that would not fit in one datagram', async (t) => {
  const echo = await startEcho(t);
  const { relay, client } = await startRelay(t, { lookup: fakeLookup({ e: ['127.0.0.1'] }) });
  // A 5-byte name header in, a 7-byte IPv4 header out: the reply is 2 bytes too big.
  const payload = Buffer.alloc(MAX_UDP_PACKET_BYTES - packetOverhead(spec) - 5);
  client.send({ host: 'e', port: echo.port }, payload);
  t.same(await client.collect(500), []);
  t.equal(echo.received, 1);
  t.equal(relay.stats.dropped.tooLarge, 1);
});

t.test('listen on a taken port rejects; close is idempotent and stops everything', async (t) => {
  const relay = new UdpRelay({ spec, masterKey });
  const { port } = await relay.listen({ host: '127.0.0.1', port: 0 });
  t.equal(relay.address().port, port);
  t.same(relay.addresses().map((a) => a.port), [port]);
  const other = new UdpRelay({ spec, masterKey });
  await t.rejects(other.listen({ host: '127.0.0.1', port }), { code: 'EADDRINUSE' });
  await other.close();
  await relay.close();
  await relay.close();
  t.throws(() => relay.address(), /not listening/);
  await t.rejects(relay.listen({ host: '127.0.0.1' }), /closed/);
  t.throws(() => new UdpRelay({ spec, masterKey, natCapacity: 0 }), TypeError);
});
