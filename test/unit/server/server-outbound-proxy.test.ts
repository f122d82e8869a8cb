/**
 * The server's targets through an upstream proxy (issue 17): SOCKS5 and HTTP
 * CONNECT (our own ss-stream-local as the proxy), with and without RFC 1929
 * credentials, per user, with the forbidden-target rules still applied, and
 * the failures (wrong password, dead proxy) reported with their own codes.
 */
import { randomBytes } from 'node:crypto';
import t, { type Test } from 'tap';
import type { HandshakeFailure, UdpDropReason } from '../../../lib/observer.js';
import type { ConnectionStats } from '../../../lib/server/connection-info.js';
import type { ServerOptions } from '../../../lib/server/server-options.js';
import { createServer } from '../../../lib/server/server.js';
import { closeRecorder } from '../../fixtures/close-recorder.js';
import { fakeLookup, firstDifference } from '../../fixtures/interop.js';
import { closedPort } from '../../fixtures/local.js';
import { howItEnds, readBytes, startEchoServer, startTcpServer } from '../../fixtures/net.js';
import { keysFor, ssConnect } from '../../fixtures/ss-client.js';
import { SsUdpClient } from '../../fixtures/ss-udp.js';
import { startUdpEcho } from '../../fixtures/udp.js';
import { startTestUpstreamProxy } from '../../fixtures/upstream-proxy.js';
import type { LookupAddress } from 'node:dns';

const method = 'chacha20-ietf-poly1305';
const password = 'entry-pw';
const MiB = 1024 * 1024;

// Names for the entry server's resolver: `private.test` is in a forbidden range.
function lookup(hostname: string, options: { all: true }, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void): void {
  if (hostname === 'private.test') process.nextTick(() => callback(null, [{ address: '10.9.8.7', family: 4 }]));
  else fakeLookup(hostname, options, callback);
}

async function startEntry(t: Test, options: Partial<ServerOptions>) {
  const recorder = closeRecorder<ConnectionStats>();
  const failures: HandshakeFailure[] = [];
  const drops: { reason: UdpDropReason; error: string | undefined }[] = [];
  const logs: string[] = [];
  const log = (message: string, fields?: Record<string, unknown>): void => {
    logs.push(`${message} ${JSON.stringify(fields ?? {})}`);
  };
  const server = createServer({
    host: '127.0.0.1', port: 0, method, password, lookup, forbiddenIp: ['10.0.0.0/8'], connectTimeoutMs: 5000,
    logger: { debug: log, info: log, warn: log, error: log },
    observer: { connectionClosed: recorder.record, handshakeFailed: (f) => failures.push(f), udpDropped: (reason, _from, error) => drops.push({ reason, error }) },
    ...options,
  });
  await server.listen();
  t.teardown(() => server.close(0));
  return { server, port: server.address().port, recorder, failures, drops, logs };
}

// Sends `size` random bytes to the echo target through the entry server and reads them all back.
async function echoThrough(port: number, target: { host: string; port: number }, size: number, pw = password): Promise<{ sent: Buffer; got: Buffer }> {
  const sent = randomBytes(size);
  const c = await ssConnect(port, { method, password: pw, target });
  c.encrypt.end(sent);
  const got = await readBytes(c.decrypt, size, 60_000);
  c.socket.destroy();
  return { sent, got };
}

t.test('relays 1 MiB each way byte for byte through a SOCKS5 upstream proxy, asking it for the resolved address', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const proxy = await startTestUpstreamProxy(t);
  const entry = await startEntry(t, { outboundProxy: proxy.socksUrl, forbiddenIp: ['10.0.0.0/8'] });
  const { sent, got } = await echoThrough(entry.port, { host: 'echo.test', port: echo.port }, MiB);
  t.equal(firstDifference(got, sent), undefined, 'the echo is the same bytes');
  const [exitStats] = await proxy.exit.waitClosed(1);
  t.equal(exitStats!.target?.host, '127.0.0.1', 'the proxy was asked for the address we resolved, not the name');
  const [entryStats] = await entry.recorder.waitClosed(1);
  t.equal(entryStats!.status, 'OK');
  t.equal(entryStats!.targetAddress, '127.0.0.1');
});

t.test('relays 1 MiB each way byte for byte through an HTTP CONNECT upstream proxy', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const proxy = await startTestUpstreamProxy(t);
  const entry = await startEntry(t, { outboundProxy: proxy.httpUrl });
  const { sent, got } = await echoThrough(entry.port, { host: '127.0.0.1', port: echo.port }, MiB);
  t.equal(firstDifference(got, sent), undefined, 'the echo is the same bytes');
  t.equal((await proxy.local.waitClosed(1))[0]!.frontEnd, 'http', 'the proxy saw an HTTP CONNECT');
});

t.test('passes names to the proxy unresolved with outboundProxyRemoteDns', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const proxy = await startTestUpstreamProxy(t);
  const entry = await startEntry(t, { outboundProxy: proxy.socksUrl, outboundProxyRemoteDns: true });
  const { sent, got } = await echoThrough(entry.port, { host: 'echo.test', port: echo.port }, 1000);
  t.ok(got.equals(sent));
  t.equal((await proxy.exit.waitClosed(1))[0]!.target?.host, 'echo.test', 'the exit got the name');
});

t.test('still refuses forbidden targets, resolved or literal, and never asks the proxy for them', async (t) => {
  const proxy = await startTestUpstreamProxy(t);
  for (const remoteDns of [false, true]) {
    const entry = await startEntry(t, { outboundProxy: proxy.socksUrl, outboundProxyRemoteDns: remoteDns });
    const targets = remoteDns ? [{ host: '10.1.2.3', port: 80 }] : [{ host: 'private.test', port: 80 }, { host: '10.1.2.3', port: 80 }];
    for (const target of targets) {
      const c = await ssConnect(entry.port, { method, password, target, payload: Buffer.from('x') });
      await howItEnds(c.socket, 10_000);
    }
    const stats = await entry.recorder.waitClosed(targets.length);
    t.same(stats.map((s) => s.status), targets.map(() => 'ERR_SS_FORBIDDEN_TARGET'), `refused (remote DNS ${remoteDns})`);
  }
  t.equal(proxy.local.closed.length, 0, 'the proxy saw no connection');
});

t.test('sends each user through its own proxy, and users without one through the server\'s (or direct)', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const socks = await startTestUpstreamProxy(t);
  const http = await startTestUpstreamProxy(t);
  const users = [{ name: 'alice', password: 'pa', outboundProxy: socks.socksUrl }, { name: 'bob', password: 'pb', outboundProxy: http.httpUrl }, { name: 'carol', password: 'pc' }];
  const direct = await startEntry(t, { password: undefined, users, forbiddenIp: [] });
  const target = { host: '127.0.0.1', port: echo.port };
  for (const pw of ['pa', 'pb', 'pc']) t.ok((await echoThrough(direct.port, target, 5000, pw)).got.length === 5000, `user with ${pw} relayed`);
  await direct.recorder.waitClosed(3);
  t.same(socks.local.closed.map((s) => s.frontEnd), ['socks5'], 'alice went through the SOCKS5 proxy');
  t.same(http.local.closed.map((s) => s.frontEnd), ['http'], 'bob through the HTTP one');
  const viaServer = await startEntry(t, { password: undefined, users: users.slice(1), outboundProxy: socks.socksUrl, forbiddenIp: [] });
  await echoThrough(viaServer.port, target, 100, 'pc');
  await socks.local.waitClosed(2);
  t.equal(socks.local.closed.length, 2, "carol took the server's proxy");
});

t.test('a proxy that wants credentials: the right ones relay, wrong or missing ones fail with ERR_SS_UPSTREAM_AUTH', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const proxy = await startTestUpstreamProxy(t, { username: 'me', password: 'right-s3cret' });
  const target = { host: '127.0.0.1', port: echo.port };
  const good = await startEntry(t, { outboundProxy: proxy.socksUrl });
  const { sent, got } = await echoThrough(good.port, target, MiB);
  t.equal(firstDifference(got, sent), undefined, '1 MiB each way with RFC 1929 credentials');
  const cases = [
    ['socks5, wrong password', `socks5://me:wrong-s3cret@127.0.0.1:${proxy.port}`],
    ['socks5, no credentials', `socks5://127.0.0.1:${proxy.port}`],
    ['http, wrong password', `http://me:wrong-s3cret@127.0.0.1:${proxy.port}`],
  ] as const;
  for (const [what, url] of cases) {
    const entry = await startEntry(t, { outboundProxy: url });
    const c = await ssConnect(entry.port, { method, password, target, payload: Buffer.from('hello') });
    const ended = await howItEnds(c.socket, 20_000);
    t.equal(ended.data.length, 0, `${what}: nothing comes back`);
    const [stats] = await entry.recorder.waitClosed(1);
    t.equal(stats!.status, 'ERR_SS_UPSTREAM_AUTH', `${what}: ERR_SS_UPSTREAM_AUTH`);
    t.match(entry.failures, [{ kind: 'upstream', code: 'ERR_SS_UPSTREAM_AUTH' }], `${what}: counted as an upstream handshake failure`);
    t.notOk(entry.logs.some((l) => l.includes('s3cret')), `${what}: no log line holds the password`);
    if (url.includes('@')) t.ok(entry.logs.some((l) => l.includes(`***@127.0.0.1:${proxy.port}`)), `${what}: the proxy is logged redacted`);
  }
});

t.test('a dead proxy fails the connection with ERR_SS_UPSTREAM_FAILED', async (t) => {
  const port = await closedPort();
  for (const scheme of ['socks5', 'http']) {
    const entry = await startEntry(t, { outboundProxy: `${scheme}://127.0.0.1:${port}` });
    const c = await ssConnect(entry.port, { method, password, target: { host: '127.0.0.1', port: 9 }, payload: Buffer.from('x') });
    await howItEnds(c.socket, 20_000);
    const [stats] = await entry.recorder.waitClosed(1);
    t.equal(stats!.status, 'ERR_SS_UPSTREAM_FAILED', scheme);
    t.match(entry.failures, [{ kind: 'upstream', code: 'ERR_SS_UPSTREAM_FAILED' }]);
  }
});

// A fake proxy that answers every request with `reply` (after the SOCKS5 greeting's, for SOCKS5).
async function startFakeProxy(t: Test, reply: Buffer | undefined, greeting?: Buffer): Promise<number> {
  const server = await startTcpServer((socket) => {
    socket.on('error', () => {});
    let first = true;
    socket.on('data', () => {
      if (first && greeting !== undefined) socket.write(greeting);
      else if (reply !== undefined) socket.write(reply);
      first = false;
    });
  });
  t.teardown(server.close);
  return server.port;
}

t.test('a proxy that refuses the target, answers malformed or says nothing: its own code, never a hang', async (t) => {
  const socksRefusal = Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0]);
  const cases = [
    ['http 403', 'http', await startFakeProxy(t, Buffer.from('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n')), 'ERR_SS_UPSTREAM_REFUSED'],
    ['socks5 not allowed', 'socks5', await startFakeProxy(t, socksRefusal, Buffer.from([5, 0])), 'ERR_SS_UPSTREAM_REFUSED'],
    ['http garbage', 'http', await startFakeProxy(t, Buffer.from('SSH-2.0-nope\r\n\r\n')), 'ERR_SS_UPSTREAM_FAILED'],
    ['socks5 silent', 'socks5', await startFakeProxy(t, undefined), 'ERR_SS_CONNECT_TIMEOUT'],
    ['http silent', 'http', await startFakeProxy(t, undefined), 'ERR_SS_CONNECT_TIMEOUT'],
  ] as const;
  for (const [what, scheme, port, code] of cases) {
    const entry = await startEntry(t, { outboundProxy: `${scheme}://127.0.0.1:${port}`, connectTimeoutMs: 300 });
    const c = await ssConnect(entry.port, { method, password, target: { host: '127.0.0.1', port: 80 }, payload: Buffer.from('x') });
    await howItEnds(c.socket, 20_000);
    t.equal((await entry.recorder.waitClosed(1))[0]!.status, code, what);
  }
});

t.test('bytes that arrive in the same read as the proxy\'s reply reach the client first', async (t) => {
  const banner = Buffer.from('220 banner from a server-first target\r\n');
  const socksOk = Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 80]);
  const cases = [
    ['socks5', await startFakeProxy(t, Buffer.concat([socksOk, banner]), Buffer.from([5, 0]))],
    ['http', await startFakeProxy(t, Buffer.concat([Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n'), banner]))],
  ] as const;
  for (const [scheme, port] of cases) {
    const entry = await startEntry(t, { outboundProxy: `${scheme}://127.0.0.1:${port}` });
    const c = await ssConnect(entry.port, { method, password, target: { host: '127.0.0.1', port: 80 } });
    t.ok((await readBytes(c.decrypt, banner.length, 10_000)).equals(banner), `${scheme}: the banner is relayed`);
    c.socket.destroy();
  }
});

t.test('UDP goes through a SOCKS5 proxy\'s UDP ASSOCIATE, with credentials, and comes back', async (t) => {
  const udpEcho = await startUdpEcho();
  t.teardown(udpEcho.close);
  const proxy = await startTestUpstreamProxy(t, { username: 'me', password: 'udp-s3cret' }, { udp: true });
  const entry = await startEntry(t, { outboundProxy: proxy.socksUrl, forbiddenIp: ['10.0.0.0/8'] });
  const { spec, masterKey } = keysFor(method, password);
  const client = await SsUdpClient.open(spec, masterKey, { host: '127.0.0.1', port: entry.port });
  t.teardown(() => client.close());
  for (const size of [1, 1000, 8000]) {
    const payload = randomBytes(size);
    const reply = await client.echo({ host: 'echo.test', port: udpEcho.port }, payload);
    t.ok(reply.payload.equals(payload), `${size} bytes echoed`);
    t.equal(reply.source.port, udpEcho.port, 'the reply names the target');
  }
  t.ok((proxy.exit.server.udpStats?.packetsToRemote ?? 0) >= 3, 'the exit server sent them');
  t.equal(udpEcho.sources.size, 1, 'one association');
  client.send({ host: 'private.test', port: udpEcho.port }, Buffer.from('no'));
  for (let i = 0; i < 100 && !entry.drops.some((d) => d.reason === 'forbidden'); i++) await new Promise((r) => setTimeout(r, 20));
  t.match(entry.drops, [{ reason: 'forbidden' }], 'a forbidden target is still dropped');
});

t.test('UDP through a SOCKS5 proxy that refuses UDP ASSOCIATE is dropped as upstream', async (t) => {
  const udpEcho = await startUdpEcho();
  t.teardown(udpEcho.close);
  const proxy = await startTestUpstreamProxy(t);
  const entry = await startEntry(t, { outboundProxy: proxy.socksUrl, forbiddenIp: [] });
  const { spec, masterKey } = keysFor(method, password);
  const client = await SsUdpClient.open(spec, masterKey, { host: '127.0.0.1', port: entry.port });
  t.teardown(() => client.close());
  client.send({ host: '127.0.0.1', port: udpEcho.port }, Buffer.from('ping'));
  for (let i = 0; i < 250 && entry.drops.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.match(entry.drops, [{ reason: 'upstream' }], 'dropped as upstream');
  t.equal(entry.server.udpStats?.dropped.upstream, 1, 'counted');
  t.equal(udpEcho.received, 0, 'the target got nothing');
});

t.test('UDP of a user behind an HTTP proxy is dropped, counted and logged as upstream, never sent direct', async (t) => {
  const udpEcho = await startUdpEcho();
  t.teardown(udpEcho.close);
  const proxy = await startTestUpstreamProxy(t);
  const entry = await startEntry(t, { outboundProxy: proxy.httpUrl, forbiddenIp: [] });
  const { spec, masterKey } = keysFor(method, password);
  const client = await SsUdpClient.open(spec, masterKey, { host: '127.0.0.1', port: entry.port });
  t.teardown(() => client.close());
  client.send({ host: '127.0.0.1', port: udpEcho.port }, Buffer.from('ping'));
  for (let i = 0; i < 100 && entry.drops.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.match(entry.drops, [{ reason: 'upstream' }], 'dropped as upstream');
  t.equal(entry.server.udpStats?.dropped.upstream, 1, 'counted');
  t.ok(entry.logs.some((l) => l.startsWith('udp refused')), 'logged');
  t.equal(udpEcho.received, 0, 'the target got nothing');
});
