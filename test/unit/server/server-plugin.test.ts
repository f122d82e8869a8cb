import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { ServerOptions } from '../../../lib/server/server-options.js';
import { ServerPool } from '../../../lib/server/server-pool.js';
import { createServer, type SsServer } from '../../../lib/server/server.js';
import { freePort } from '../../../lib/transport/free-port.js';
import { FAKE_PLUGIN, isAlive, waitFor } from '../../fixtures/plugin.js';
import { startEchoServer } from '../../fixtures/net.js';
import { tcpListeningPorts } from '../../fixtures/proc.js';
import { keysFor, ssConnect } from '../../fixtures/ss-client.js';
import { SsUdpClient } from '../../fixtures/ss-udp.js';
import { startUdpEcho } from '../../fixtures/udp.js';

const method = 'aes-256-gcm';
const password = 'server-plugin';
const { spec, masterKey } = keysFor(method, password);

interface Recorded { argv: string[]; env: Record<string, string>; pid: number }

function recordFile(t: Test): { path: string; read(): Recorded } {
  const dir = mkdtempSync(join(tmpdir(), 'server-plugin-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'record.json');
  return { path, read: () => JSON.parse(readFileSync(path, 'utf8')) as Recorded };
}

async function start(t: Test, options: Partial<ServerOptions> = {}): Promise<SsServer> {
  const server = createServer({ host: '127.0.0.1', port: 0, method, password, forbiddenIp: [], plugin: FAKE_PLUGIN, ...options });
  await server.listen();
  t.teardown(() => server.close(0));
  return server;
}

async function echoThrough(port: number, echoPort: number, payload: Buffer): Promise<Buffer> {
  const c = await ssConnect(port, { method, password, target: { host: '127.0.0.1', port: echoPort }, payload, end: true });
  await c.ended;
  return c.received();
}

t.test('listens behind its plugin: the plugin on the public port, the server on a loopback port', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const record = recordFile(t);
  const server = await start(t, { pluginOpts: 'obfs=http', pluginArgs: ['--record', record.path] });
  const { port } = server.address();
  const { env, pid } = record.read();
  t.same({ ...env, SS_LOCAL_PORT: 'any' }, { SS_REMOTE_HOST: '127.0.0.1', SS_REMOTE_PORT: String(port), SS_LOCAL_HOST: '127.0.0.1', SS_LOCAL_PORT: 'any', SS_PLUGIN_OPTIONS: 'obfs=http' });
  const localPort = Number(env['SS_LOCAL_PORT']);
  t.not(localPort, port);
  t.ok(tcpListeningPorts(process.pid).includes(localPort), 'we listen on SS_LOCAL_PORT');
  t.notOk(tcpListeningPorts(process.pid).includes(port), 'we do not listen on the public port');
  t.same(tcpListeningPorts(pid), [port], 'the plugin does');
  t.same(server.addresses(), [{ address: '127.0.0.1', family: 'IPv4', port }], 'addresses() are the public ones');
  const payload = randomBytes(256 * 1024);
  t.ok((await echoThrough(port, echo.port, payload)).equals(payload), '256 KiB through the plugin and back');
});

t.test('with plugin_mode tcp_only, UDP stays direct on the public port', async (t) => {
  const echo = await startUdpEcho();
  t.teardown(echo.close);
  const server = await start(t, { mode: 'tcp_and_udp' });
  const c = await SsUdpClient.open(spec, masterKey, { host: '127.0.0.1', port: server.address().port });
  t.teardown(() => c.close());
  const reply = await c.echo({ host: '127.0.0.1', port: echo.port }, Buffer.from('direct datagram'));
  t.equal(reply.payload.toString(), 'direct datagram');
});

t.test('with plugin_mode tcp_and_udp (SIP003u), UDP goes through the plugin to the loopback port', async (t) => {
  const echo = await startUdpEcho();
  t.teardown(echo.close);
  const record = recordFile(t);
  const server = await start(t, { mode: 'tcp_and_udp', pluginMode: 'tcp_and_udp', pluginArgs: ['--udp', '--record', record.path] });
  const c = await SsUdpClient.open(spec, masterKey, { host: '127.0.0.1', port: server.address().port });
  t.teardown(() => c.close());
  const reply = await c.echo({ host: '127.0.0.1', port: echo.port }, Buffer.from('datagram via the plugin'));
  t.equal(reply.payload.toString(), 'datagram via the plugin');
  const local = await SsUdpClient.open(spec, masterKey, { host: '127.0.0.1', port: Number(record.read().env['SS_LOCAL_PORT']) });
  t.teardown(() => local.close());
  t.equal((await local.echo({ host: '127.0.0.1', port: echo.port }, Buffer.from('on loopback'))).payload.toString(), 'on loopback', 'our UDP is on SS_LOCAL_PORT');
});

t.test('close() stops the plugin', async (t) => {
  const record = recordFile(t);
  const server = createServer({ host: '127.0.0.1', port: 0, password, plugin: FAKE_PLUGIN, pluginArgs: ['--record', record.path] });
  await server.listen();
  const { pid } = record.read();
  t.ok(isAlive(pid));
  await server.close(0);
  t.notOk(isAlive(pid), 'gone once close() resolved');
});

t.test('a plugin that cannot start rejects listen() with ERR_SS_PLUGIN_START, and nothing stays listening', async (t) => {
  const before = tcpListeningPorts(process.pid);
  const server = createServer({ host: '127.0.0.1', port: 0, password, plugin: FAKE_PLUGIN, pluginArgs: ['--exit', '2'] });
  await t.rejects(server.listen(), { code: 'ERR_SS_PLUGIN_START', message: /plugin fake-plugin\.mjs: it exited \(code 2\)/ });
  t.same(tcpListeningPorts(process.pid), before);
  t.throws(() => server.address(), /not listening/);
});

t.test('a plugin that keeps dying stops the server, through onPluginFailed and the error event', async (t) => {
  const failures: Error[] = [];
  const server = createServer({ host: '127.0.0.1', port: 0, password, plugin: FAKE_PLUGIN, pluginArgs: ['--die-after', '300'], onPluginFailed: (err) => failures.push(err) });
  const errors: Error[] = [];
  server.on('error', (err) => errors.push(err));
  await server.listen();
  await waitFor(() => failures.length > 0, 20_000);
  t.match(failures[0], { code: 'ERR_SS_PLUGIN_EXITED' });
  t.equal(errors[0], failures[0]);
  await server.close();
  t.throws(() => server.address());
});

t.test('in a pool, every port runs its own plugin, and a removed port stops its plugin', async (t) => {
  const records = [recordFile(t), recordFile(t)];
  const ports = [await freePort('127.0.0.1'), await freePort('127.0.0.1')];
  const pool = new ServerPool();
  t.teardown(() => pool.close());
  const settings = ports.map((port, i) => ({ host: '127.0.0.1', port, password, plugin: FAKE_PLUGIN, pluginArgs: ['--record', records[i]!.path] }));
  await pool.apply(settings);
  const pids = records.map((r) => r.read().pid);
  t.same(pids.map((pid) => tcpListeningPorts(pid)), ports.map((p) => [p]));
  await pool.apply([settings[0]!]);
  await waitFor(() => !isAlive(pids[1]!));
  t.ok(isAlive(pids[0]!), 'the kept port keeps its plugin');
  await t.rejects(pool.apply([{ ...settings[0]!, pluginOpts: 'changed' }]), { code: 'ERR_SS_CONFIG', message: /plugin: cannot change on a running server/ });
});
