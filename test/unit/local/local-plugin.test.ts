import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { createLocal } from '../../../lib/local/local.js';
import { FAKE_PLUGIN, isAlive } from '../../fixtures/plugin.js';
import { startServerUnderTest } from '../../fixtures/interop.js';
import { startLocalUnderTest } from '../../fixtures/local.js';
import { connectTo, readAll, startEchoServer } from '../../fixtures/net.js';
import { tcpListeningPorts } from '../../fixtures/proc.js';
import { UdpClient, startUdpEcho } from '../../fixtures/udp.js';

const method = 'chacha20-ietf-poly1305';
const password = 'local-plugin';

interface Recorded { env: Record<string, string>; pid: number; udpDatagrams: number }

function recordFile(t: Test): { path: string; read(): Recorded } {
  const dir = mkdtempSync(join(tmpdir(), 'local-plugin-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'record.json');
  return { path, read: () => JSON.parse(readFileSync(path, 'utf8')) as Recorded };
}

async function tunnelRoundTrip(port: number, payload: Buffer): Promise<Buffer> {
  const c = await connectTo(port);
  const all = readAll(c);
  c.end(payload);
  return all;
}

t.test('reaches the server through its plugin: SS_REMOTE_* is the server, SS_LOCAL_* a loopback port', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const server = await startServerUnderTest({ method, password, forbiddenIp: [] });
  t.teardown(server.close);
  const record = recordFile(t);
  const local = await startLocalUnderTest({ server: '127.0.0.1', serverPort: server.port, method, password, tunnel: `127.0.0.1:${echo.port}`, plugin: FAKE_PLUGIN, pluginOpts: 'obfs=http', pluginArgs: ['--side', 'local', '--record', record.path] });
  t.teardown(local.close);
  const { env, pid } = record.read();
  t.same({ ...env, SS_LOCAL_PORT: 'any' }, { SS_REMOTE_HOST: '127.0.0.1', SS_REMOTE_PORT: String(server.port), SS_LOCAL_HOST: '127.0.0.1', SS_LOCAL_PORT: 'any', SS_PLUGIN_OPTIONS: 'obfs=http' });
  t.same(tcpListeningPorts(pid), [Number(env['SS_LOCAL_PORT'])], 'the plugin listens on SS_LOCAL_PORT');
  const payload = randomBytes(300_000);
  t.ok((await tunnelRoundTrip(local.port, payload)).equals(payload), 'bytes go through and back');
});

t.test('with plugins on both sides, and SIP003u, TCP and UDP pass', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const udpEcho = await startUdpEcho();
  t.teardown(udpEcho.close);
  const server = await startServerUnderTest({ method, password, forbiddenIp: [], plugin: FAKE_PLUGIN, pluginArgs: ['--udp'], pluginMode: 'tcp_and_udp' });
  t.teardown(server.close);
  const record = recordFile(t);
  const local = await startLocalUnderTest({ server: '127.0.0.1', serverPort: server.port, method, password, tunnel: `127.0.0.1:${udpEcho.port}`, mode: 'tcp_and_udp', plugin: FAKE_PLUGIN, pluginArgs: ['--side', 'local', '--udp', '--record', record.path], pluginMode: 'tcp_and_udp' });
  t.teardown(local.close);
  const u = await UdpClient.open();
  t.teardown(() => u.close());
  const d = await u.request(() => u.send(Buffer.from('udp both ways'), local.port), (m) => m.msg.toString() === 'udp both ways');
  t.equal(d.msg.toString(), 'udp both ways');
  t.ok(record.read().udpDatagrams > 0, "the local's plugin carried the datagrams");
});

t.test('with plugin_mode tcp_only, UDP goes straight to the server', async (t) => {
  const udpEcho = await startUdpEcho();
  t.teardown(udpEcho.close);
  const server = await startServerUnderTest({ method, password, forbiddenIp: [], mode: 'tcp_and_udp' });
  t.teardown(server.close);
  const record = recordFile(t);
  const local = await startLocalUnderTest({ server: '127.0.0.1', serverPort: server.port, method, password, tunnel: `127.0.0.1:${udpEcho.port}`, mode: 'tcp_and_udp', plugin: FAKE_PLUGIN, pluginArgs: ['--side', 'local', '--udp', '--record', record.path] });
  t.teardown(local.close);
  const u = await UdpClient.open();
  t.teardown(() => u.close());
  const d = await u.request(() => u.send(Buffer.from('direct'), local.port), (m) => m.msg.toString() === 'direct');
  t.equal(d.msg.toString(), 'direct');
  t.equal(record.read().udpDatagrams, 0, 'the plugin saw no datagram');
});

t.test('close() stops the plugin; a plugin that cannot start rejects listen() and nothing listens', async (t) => {
  const record = recordFile(t);
  const local = createLocal({ server: '127.0.0.1', serverPort: 9, password, host: '127.0.0.1', port: 0, plugin: FAKE_PLUGIN, pluginArgs: ['--side', 'local', '--record', record.path] });
  await local.listen();
  const { pid } = record.read();
  t.ok(isAlive(pid));
  await local.close(0);
  t.notOk(isAlive(pid), 'stopped with the local');
  const before = tcpListeningPorts(process.pid);
  const broken = createLocal({ server: '127.0.0.1', serverPort: 9, password, host: '127.0.0.1', port: 0, plugin: '/nonexistent/obfs-local' });
  await t.rejects(broken.listen(), { code: 'ERR_SS_PLUGIN_START', message: /^plugin obfs-local: cannot run it/ });
  t.same(tcpListeningPorts(process.pid), before);
});
