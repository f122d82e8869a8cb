import { connect as netConnect, Socket } from 'node:net';
import t, { type Test } from 'tap';
import type { ServerOptions } from '../../../lib/server/server-options.js';
import { createServer } from '../../../lib/server/server.js';
import type { ConnectionStats } from '../../../lib/server/connection-info.js';
import { FakeDnsServer, type FakeRecord } from '../../fixtures/fake-dns-server.js';
import { howItEnds, readBytes, startEchoServer } from '../../fixtures/net.js';
import { keysFor, ssConnect } from '../../fixtures/ss-client.js';
import { SsUdpClient } from '../../fixtures/ss-udp.js';
import { startUdpEcho } from '../../fixtures/udp.js';

// Target names go to a fake name server on 127.0.0.1 through the server's
// own resolver (no injected lookup): never a real name, never another host.

const method = 'aes-128-gcm';
const password = 'server-dns';

async function startDns(t: Test, records: Record<string, FakeRecord>): Promise<FakeDnsServer> {
  const dns = await FakeDnsServer.start(records);
  t.teardown(() => dns.close());
  return dns;
}

async function startServer(t: Test, dns: FakeDnsServer, options: Partial<ServerOptions> = {}): Promise<{ port: number; closed: ConnectionStats[] }> {
  const closed: ConnectionStats[] = [];
  const server = createServer({
    host: '127.0.0.1', port: 0, method, password, mode: 'tcp_only', nameservers: [dns.address], ...options,
    onConnectionClose: (s) => closed.push(s),
  });
  server.on('error', (err) => t.fail(`server error: ${err.message}`));
  await server.listen();
  t.teardown(() => server.close(0));
  return { port: server.address().port, closed };
}

/** Opens one connection per name at once, checks each echoes, and closes them. */
async function echoThrough(port: number, names: string[], echoPort: number): Promise<void> {
  await Promise.all(names.map(async (host, i) => {
    const payload = Buffer.from(`hello ${i} `);
    const c = await ssConnect(port, { method, password, target: { host, port: echoPort }, payload });
    const reply = await readBytes(c.decrypt, payload.length);
    if (!reply.equals(payload)) throw new Error(`${host}: echo mismatch`);
    c.socket.destroy();
  }));
}

t.test('60 connections to 60 names through a slow name server are resolved in parallel, and the next 60 hit the cache', async (t) => {
  const names = Array.from({ length: 60 }, (_, i) => `host${i}.test`);
  const dns = await startDns(t, Object.fromEntries(names.map((n) => [n, { a: ['127.0.0.1'], ttl: 300 }])));
  dns.delayMs = 500;
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const { port } = await startServer(t, dns, { forbiddenIp: [] });

  const started = performance.now();
  await echoThrough(port, names, echo.port);
  const firstMs = Math.round(performance.now() - started);
  t.equal(dns.namesAsked, 60, 'every name was asked for once');
  t.equal(dns.questions.length, 120, 'one A and one AAAA per name');
  // dns.lookup's getaddrinfo runs on libuv's 4 threads: at most 4 names (8 questions) in flight.
  t.ok(dns.peakPending > 8, `questions waiting at once: ${dns.peakPending} (more than 4 threads could ask); the 60 took ${firstMs} ms`);

  await echoThrough(port, names, echo.port);
  t.equal(dns.questions.length, 120, 'the second 60 asked nothing: answered from the cache');
});

t.test('refuses forbidden addresses after resolution, and dials the first allowed one', async (t) => {
  const dns = await startDns(t, {
    'loop.test': { a: ['127.0.0.1'], aaaa: ['::1'] },
    'lan.test': { a: ['10.1.2.3', '192.168.1.1'], aaaa: ['fd00::1', '::ffff:127.0.0.1'] },
    'mixed.test': { a: ['127.0.0.2', '127.0.0.1'] },
  });
  const dialed: string[] = [];
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const connect = (o: { host: string; port: number; allowHalfOpen: true }): Socket => {
    dialed.push(o.host);
    return netConnect({ ...o, host: '127.0.0.1', port: echo.port });
  };
  const byDefault = await startServer(t, dns, { connect });
  for (const host of ['loop.test', 'lan.test']) {
    const c = await ssConnect(byDefault.port, { method, password, target: { host, port: 7 }, payload: Buffer.from('x') });
    const ended = await howItEnds(c.socket, 3000);
    t.equal(ended.data.length, 0, `${host}: nothing sent back`);
  }
  t.same(byDefault.closed.map((s) => s.status), ['ERR_SS_FORBIDDEN_TARGET', 'ERR_SS_FORBIDDEN_TARGET']);
  t.same(dialed, [], 'never dialed');

  const custom = await startServer(t, dns, { connect, forbiddenIp: ['127.0.0.2'] });
  const c = await ssConnect(custom.port, { method, password, target: { host: 'mixed.test', port: 7 }, payload: Buffer.from('ok') });
  t.equal((await readBytes(c.decrypt, 2)).toString(), 'ok');
  c.socket.destroy();
  t.same(dialed, ['127.0.0.1'], 'the first address the list allows');
});

t.test('dials the IPv4 answer first by default, the IPv6 one with ipv6First', async (t) => {
  const dns = await startDns(t, { 'dual.test': { a: ['127.0.0.1'], aaaa: ['::1'] } });
  const echo = await startEchoServer();
  t.teardown(echo.close);
  for (const [ipv6First, expected] of [[false, '127.0.0.1'], [true, '::1']] as const) {
    const dialed: string[] = [];
    const connect = (o: { host: string; port: number; allowHalfOpen: true }): Socket => {
      dialed.push(o.host);
      return netConnect({ ...o, host: '127.0.0.1', port: echo.port });
    };
    const { port } = await startServer(t, dns, { connect, forbiddenIp: [], ipv6First });
    const c = await ssConnect(port, { method, password, target: { host: 'dual.test', port: 7 }, payload: Buffer.from('v') });
    await readBytes(c.decrypt, 1);
    c.socket.destroy();
    t.same(dialed, [expected], `ipv6First: ${ipv6First}`);
  }
});

t.test('resolves UDP targets through the same resolver', async (t) => {
  const dns = await startDns(t, { 'udp.test': { a: ['127.0.0.1'] } });
  const echo = await startUdpEcho();
  t.teardown(echo.close);
  const server = createServer({ host: '127.0.0.1', port: 0, method, password, mode: 'udp_only', forbiddenIp: [], nameservers: [dns.address] });
  await server.listen();
  t.teardown(() => server.close(0));
  const { spec, masterKey } = keysFor(method, password);
  const client = await SsUdpClient.open(spec, masterKey, { host: '127.0.0.1', port: server.address().port });
  t.teardown(() => client.close());
  const reply = await client.echo({ host: 'udp.test', port: echo.port }, Buffer.from('by name'));
  t.equal(reply.payload.toString(), 'by name');
  t.same(dns.questions.sort(), ['A udp.test', 'AAAA udp.test']);
});

t.test('refuses bad nameservers and ipv6First with ERR_SS_CONFIG naming the option', async (t) => {
  t.throws(() => createServer({ password: 'x', nameservers: ['dns.test'] }), { code: 'ERR_SS_CONFIG', message: /^nameservers: 'dns.test'/ });
  t.throws(() => createServer({ password: 'x', nameservers: '1.1.1.1' as unknown as string[] }), { code: 'ERR_SS_CONFIG', message: /^nameservers: / });
  t.throws(() => createServer({ password: 'x', ipv6First: 'yes' as unknown as boolean }), { code: 'ERR_SS_CONFIG', message: /^ipv6First: must be a boolean/ });
});
