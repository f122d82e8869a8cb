/**
 * Interop: SIP003 plugins against shadowsocks-libev, both directions, on
 * loopback, for Debian's simple-obfs (`obfs-server`/`obfs-local`, obfs=http
 * and obfs=tls) and shadowsocks-v2ray-plugin (`ss-v2ray-plugin`, websocket
 * mode; its server side gets `server` in its options):
 *
 *   libev ss-tunnel + client plugin ──▶ server plugin + our server ──▶ echo
 *   our local (tunnel) + client plugin ──▶ server plugin + libev ss-server ──▶ echo
 *   ss-stream-local --server-url 'ss://...?plugin=obfs-local;obfs=http' ──▶ obfs-server + ss-server ──▶ echo
 *
 * Each echoes 1 MiB of random bytes (1 MiB up, 1 MiB down), compared byte
 * for byte. The client never half-closes before reading the echo (libev
 * drops what is in flight on a FIN).
 */
import { randomBytes } from 'node:crypto';
import t, { type Test } from 'tap';
import { encodeSip002 } from '../../lib/config/sip002.js';
import { binPath, spawnCli } from '../fixtures/cli.js';
import { echoRoundTrip, firstDifference, startCountingEchoServer, startServerUnderTest } from '../fixtures/interop.js';
import { libevMissing, startSsServer, startSsTunnel, type LibevPeer } from '../fixtures/libev.js';
import { startLocalUnderTest } from '../fixtures/local.js';
import { connectTo } from '../fixtures/net.js';

const method = 'aes-256-gcm';
const password = 'plugin-interop-password';
const MiB = 1 << 20;
const PEER_START_MS = 15_000;

interface PluginSide { name: string; opts?: string }
interface PluginCase { title: string; server: PluginSide; client: PluginSide }

const CASES: PluginCase[] = [
  { title: 'simple-obfs http', server: { name: 'obfs-server', opts: 'obfs=http' }, client: { name: 'obfs-local', opts: 'obfs=http;obfs-host=www.example.test' } },
  { title: 'simple-obfs tls', server: { name: 'obfs-server', opts: 'obfs=tls' }, client: { name: 'obfs-local', opts: 'obfs=tls;obfs-host=www.example.test' } },
  { title: 'v2ray-plugin websocket', server: { name: 'ss-v2ray-plugin', opts: 'server' }, client: { name: 'ss-v2ray-plugin' } },
];

async function checkEcho(t: Test, port: number, what: string, log: () => string): Promise<void> {
  const payload = randomBytes(MiB);
  const back = await echoRoundTrip(await connectTo(port), payload).catch((err: Error) => {
    t.fail(`round trip failed: ${err.message}`, { log: log() });
    return Buffer.alloc(0);
  });
  t.equal(firstDifference(back, payload), undefined, `${what}: 1 MiB each way, byte for byte`);
}

function pluginOptions(side: PluginSide): { plugin: string; pluginOpts?: string } {
  return side.opts === undefined ? { plugin: side.name } : { plugin: side.name, pluginOpts: side.opts };
}

for (const c of CASES) {
  const skip = libevMissing('ss-server', 'ss-tunnel', c.server.name, c.client.name);

  t.test(`${c.title}: libev ss-tunnel + ${c.client.name} → ${c.server.name} + our server`, { skip }, async (t) => {
    const echo = await startCountingEchoServer();
    t.teardown(echo.close);
    const ss = await startServerUnderTest({ method, password, forbiddenIp: [], ...pluginOptions(c.server) });
    t.teardown(ss.close);
    const tunnel = await startSsTunnel({ serverPort: ss.port, target: `127.0.0.1:${echo.port}`, method, password, plugin: c.client, startTimeoutMs: PEER_START_MS });
    t.teardown(() => tunnel.stop());
    await checkEcho(t, tunnel.port, 'ss-tunnel to our server', () => `${tunnel.log()}\nserver: ${JSON.stringify(ss.logs.slice(-20))}`);
    t.ok(ss.closed.length > 0 || (await ss.waitClosed(1)).length > 0, 'our server relayed it');
  });

  t.test(`${c.title}: our local + ${c.client.name} → ${c.server.name} + libev ss-server`, { skip }, async (t) => {
    const echo = await startCountingEchoServer();
    t.teardown(echo.close);
    const server: LibevPeer = await startSsServer({ method, password, plugin: c.server, startTimeoutMs: PEER_START_MS });
    t.teardown(() => server.stop());
    const local = await startLocalUnderTest({ server: '127.0.0.1', serverPort: server.port, method, password, tunnel: `127.0.0.1:${echo.port}`, mode: 'tcp_only', ...pluginOptions(c.client) });
    t.teardown(local.close);
    await checkEcho(t, local.port, 'our local to ss-server', () => server.log());
  });
}

const cliSkip = libevMissing('ss-server', 'obfs-server', 'obfs-local');
t.test('ss-stream-local --server-url with ?plugin=obfs-local;obfs=http reaches ss-server + obfs-server', { skip: cliSkip }, async (t) => {
  const echo = await startCountingEchoServer();
  t.teardown(echo.close);
  const server = await startSsServer({ method, password, plugin: { name: 'obfs-server', opts: 'obfs=http' }, startTimeoutMs: PEER_START_MS });
  t.teardown(() => server.stop());
  const uri = `${encodeSip002({ method, password, host: '127.0.0.1', port: server.port })}/?plugin=obfs-local%3Bobfs%3Dhttp`;
  const cli = spawnCli(binPath('ss-stream-local'), ['--server-url', uri, '-l', '0', '-L', `127.0.0.1:${echo.port}`, '-v']);
  t.teardown(async () => {
    cli.kill();
    await cli.exited;
  });
  const [, port] = await cli.waitForStdout(/listening on 127\.0\.0\.1:(\d+)/, PEER_START_MS);
  t.match(cli.stderr(), /plugin started.*plugin=obfs-local/, 'it started the plugin of the URI');
  await checkEcho(t, Number(port), 'ss-stream-local to ss-server', () => `${cli.stderr()}\n${server.log()}`);
  cli.kill();
  t.equal((await cli.exited).code, 0, 'exits 0 on SIGTERM');
});
