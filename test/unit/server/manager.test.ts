/**
 * The ss-manager API over UDP on 127.0.0.1: every command, its answers and
 * errors, and the stat reports (with a short interval).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { Manager } from '../../../lib/server/manager.js';
import { ServerPool } from '../../../lib/server/server-pool.js';
import type { MethodName } from '../../../lib/crypto/methods.js';
import { freePort, readBytes, startEchoServer } from '../../fixtures/net.js';
import { ssConnect } from '../../fixtures/ss-client.js';
import { FAKE_PLUGIN, isAlive, waitFor } from '../../fixtures/plugin.js';
import { openManagerClient } from '../../fixtures/manager-client.js';

const method: MethodName = 'aes-128-gcm';
const base = { host: '127.0.0.1', method, forbiddenIp: [], handshakeTimeoutMs: 500, shutdownGraceMs: 200 };


async function start(t: Test, statIntervalMs = 60_000) {
  const pool = new ServerPool();
  const manager = new Manager({ host: '127.0.0.1', port: 0, pool, base, statIntervalMs });
  const { port } = await manager.listen();
  t.teardown(async () => {
    await manager.close();
    await pool.close();
  });
  const client = await openManagerClient(t, port);
  return { pool, manager, client };
}

t.test('ping answers pong, then a stat of every port', async (t) => {
  const { client } = await start(t);
  t.equal(await client.ask('ping'), 'pong');
  t.equal(await client.next(), 'stat: {}');
  t.equal(await client.next(), 'stat_ext: {}');
});

t.test('add starts a port that relays with that password; list shows it; remove stops it', async (t) => {
  const { pool, client } = await start(t);
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const port = await freePort();
  t.equal(await client.ask(`add: {"server_port": ${port}, "password": "pw-1"}`), 'ok');
  t.same(pool.ports(), [port]);
  t.equal(pool.get(port)!.address().port, port);
  const c = await ssConnect(port, { method, password: 'pw-1', target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('hello') });
  t.same(await readBytes(c.decrypt, 5), Buffer.from('hello'));
  c.encrypt.end();
  await c.ended;
  const list = await client.ask('list');
  t.ok(list.startsWith('[\n\t'));
  t.same(JSON.parse(list), [{ server_port: String(port), method }]);
  t.notMatch(list, /pw-1/, 'the list holds no password');
  t.equal(await client.ask(`remove: {"server_port": ${port}}`), 'ok');
  t.same(pool.ports(), []);
  t.same(JSON.parse(await client.ask('list')), []);
  t.match(await client.ask(`remove: {"server_port": ${port}}`), /^err: port \d+ is not served/);
});

t.test('add takes a method, mode and users; a second add on the port changes its password in place', async (t) => {
  const { pool, client } = await start(t);
  const port = await freePort();
  t.equal(await client.ask(`add: {"server_port": "${port}", "method": "chacha20-ietf-poly1305", "mode": "tcp_only", "users": [{"name": "alice", "password": "a"}]}`), 'ok');
  t.equal(pool.get(port)!.method, 'chacha20-ietf-poly1305');
  t.same(pool.get(port)!.users.names(), ['alice']);
  t.same(JSON.parse(await client.ask('list')), [{ server_port: String(port), method: 'chacha20-ietf-poly1305', mode: 'tcp_only', users: ['alice'] }]);
  const server = pool.get(port);
  t.equal(await client.ask(`add: {"server_port": ${port}, "users": [{"name": "bob", "password": "b"}]}`), 'ok');
  t.equal(pool.get(port), server, 'the same listener');
  t.same(server!.users.names(), ['bob']);
  t.match(await client.ask(`add: {"server_port": ${port}, "password": "x", "method": "aes-256-gcm"}`), /^err: method: cannot change on a running server/);
  t.equal(server!.method, 'chacha20-ietf-poly1305', 'nothing changed');
});

t.test('bad requests get an error answer and change nothing', async (t) => {
  const { pool, client } = await start(t);
  const cases: [string | Buffer, RegExp][] = [
    ['add: {"server_port": 8001, "password": "x", "method": "rc5"}', /^err: method: unknown method 'rc5'/],
    ['add: {"server_port": 70000, "password": "x"}', /^err: server_port: must be between 0 and 65535/],
    ['add: {"server_port": 0, "password": "x"}', /^err: server_port: must be between 1 and 65535/],
    ['add: {"server_port": "80; rm -rf /", "password": "x"}', /^err: server_port: must be a port number/],
    ['add: {"password": "x"}', /^err: server_port: is required/],
    ['add: {"server_port": 8001}', /^err: password: is required/],
    ['add: {"server_port": 8001, "password": "x", "plugin": "obfs", "plugin_mode": "udp"}', /^err: plugin_mode: must be one of tcp_only, tcp_and_udp/],
    ['add: {"server_port": 8001, "password": "x", "plugin_opts": "obfs=http"}', /^err: pluginOpts: needs a plugin/],
    ['add: {"server_port": 8001, "password": "x", "acl": "/etc/x"}', /^err: acl: unknown key/],
    ['add: {"server_port": 8001, "password": "secret-pw", "mode": "both"}', /^err: mode: must be one of/],
    ['add: {"server_port": 8001, "password": ', /^err: add: is followed by malformed JSON/],
    ['remove: {"server_port": "x"}', /^err: server_port: must be a port number/],
    ['remove: {"server_port": 8001, "password": "x"}', /^err: password: unknown key/],
    ['frobnicate', /^err: command: is unknown/],
    [Buffer.alloc(40_000, 0x61), /^err: request: is 40000 bytes/],
  ];
  for (const [input, re] of cases) {
    const answer = await client.ask(input);
    t.match(answer, re, `${String(input).slice(0, 50)} → ${answer}`);
    t.notMatch(answer, /secret-pw/);
  }
  t.same(pool.ports(), [], 'no port was added');
});

t.test('an add on a port in use answers an error', async (t) => {
  const { pool, client } = await start(t);
  const busy = await startEchoServer();
  t.teardown(busy.close);
  t.equal(await client.ask(`add: {"server_port": ${busy.port}, "password": "x", "mode": "tcp_only"}`), 'err: port is not available');
  t.same(pool.ports(), []);
});

t.test('stat goes to the last client every interval, with the bytes since the last report', async (t) => {
  const { client } = await start(t, 100);
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const port = await freePort();
  t.equal(await client.ask(`add: {"server_port": ${port}, "password": "pw", "mode": "tcp_only"}`), 'ok');
  const c = await ssConnect(port, { method, password: 'pw', target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('0123456789') });
  t.same(await readBytes(c.decrypt, 10), Buffer.from('0123456789'));
  c.encrypt.end();
  await c.ended;
  // Wait for the report with this connection's 10 up + 10 down.
  let stat: string;
  let ext: string;
  do {
    stat = await client.next();
    ext = await client.next();
  } while (stat === `stat: {"${port}":0}`);
  t.equal(stat, `stat: {"${port}":20}`);
  t.equal(ext, `stat_ext: {"${port}":{"up":10,"down":10}}`);
  t.equal(await client.next(), `stat: {"${port}":0}`, 'the next report starts from zero (deltas, as Python)');
});

t.test('nothing is bound before listen(), and close() releases the address', async (t) => {
  const pool = new ServerPool();
  const port = await freePort();
  const manager = new Manager({ host: '127.0.0.1', port, pool });
  t.throws(() => manager.address(), /not listening/);
  await manager.listen();
  t.equal(manager.address().port, port);
  await manager.close();
  const again = new Manager({ host: '127.0.0.1', port, pool });
  await again.listen();
  await again.close();
});

t.test('add with a plugin runs it in front of the port, and remove stops it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'manager-plugin-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const record = join(dir, 'record.json');
  const { pool, client } = await start(t);
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const port = await freePort();
  const add = { server_port: port, password: 'pw', plugin: FAKE_PLUGIN, plugin_opts: 'obfs=http', plugin_args: ['--record', record] };
  t.equal(await client.ask(`add: ${JSON.stringify(add)}`), 'ok');
  const { pid, env } = JSON.parse(readFileSync(record, 'utf8')) as { pid: number; env: Record<string, string> };
  t.match(env, { SS_REMOTE_PORT: String(port), SS_PLUGIN_OPTIONS: 'obfs=http' });
  t.not(pool.get(port)!.addresses()[0]!.port, Number(env['SS_LOCAL_PORT']));
  const c = await ssConnect(port, { method, password: 'pw', target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('hi'), end: true });
  t.equal((await readBytes(c.decrypt, 2)).toString(), 'hi', 'relays through the plugin');
  t.equal(await client.ask(`remove: {"server_port": ${port}}`), 'ok');
  await waitFor(() => !isAlive(pid));
  t.pass('the removed port stopped its plugin');
});
