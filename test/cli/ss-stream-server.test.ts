/**
 * The ss-stream-server command, run as a child process from dist/ (npm test
 * builds first). Every server listens on 127.0.0.1 with a port from -p 0.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { decodeSip002 } from '../../lib/config/sip002.js';
import { binPath, runCli, spawnCli, type CliProcess } from '../fixtures/cli.js';
import { freePort, howItEnds, startEchoServer } from '../fixtures/net.js';
import { ssConnect } from '../fixtures/ss-client.js';

const BIN = binPath('ss-stream-server');
const LOOPBACK = ['-s', '127.0.0.1'];
const LISTENING = /listening on 127\.0\.0\.1:(\d+) \(([a-z0-9-]+)\)/;

async function echoServer(t: Test): Promise<number> {
  const echo = await startEchoServer();
  t.teardown(() => echo.close());
  return echo.port;
}

/** Starts the server and resolves once it prints its address. */
async function startCli(t: Test, args: string[]): Promise<{ cli: CliProcess; port: number; method: string }> {
  const cli = spawnCli(BIN, args);
  t.teardown(() => cli.kill('SIGKILL'));
  const [, port, method] = await cli.waitForStdout(LISTENING);
  return { cli, port: Number(port), method: method! };
}

/** One request through the proxy to the echo server; resolves with the reply. */
async function relayOnce(port: number, method: string, password: string, echoPort: number): Promise<Buffer> {
  const payload = randomBytes(1000);
  const client = await ssConnect(port, { method, password, target: { host: '127.0.0.1', port: echoPort }, payload, end: true });
  await client.ended;
  client.socket.destroy();
  return client.received().equals(payload) ? payload : Buffer.from(`mismatch: got ${client.received().length} bytes`);
}

t.test('serves a relay with -s 127.0.0.1 -p 0 -k, never printing the password (even with -v)', async (t) => {
  const echoPort = await echoServer(t);
  const password = `never-print-${randomBytes(6).toString('hex')}`;
  const { cli, port, method } = await startCli(t, [...LOOPBACK, '-p', '0', '-k', password, '--forbidden-ip', '', '-v']);
  t.equal(method, 'chacha20-ietf-poly1305', 'default method');
  t.equal((await relayOnce(port, method, password, echoPort)).length, 1000, 'echo came back through the proxy');
  cli.kill('SIGTERM');
  t.same(await cli.exited, { code: 0, signal: null }, 'SIGTERM exits 0');
  t.match(cli.stderr(), /debug/, '-v logs debug messages');
  t.notMatch(cli.stdout() + cli.stderr(), password, 'the password is not printed');
  t.notMatch(cli.stdout(), /ss:\/\//, 'no URI for a user-given password');
});

t.test('with no password, prints an ss:// URI whose password works', async (t) => {
  const echoPort = await echoServer(t);
  const { cli, port } = await startCli(t, [...LOOPBACK, '-p', '0', '-m', 'aes-256-gcm', '--forbidden-ip', '']);
  const [, uri] = await cli.waitForStdout(/uri:\s+(ss:\/\/\S+)/);
  const server = decodeSip002(uri!);
  t.match(server, { method: 'aes-256-gcm', host: '127.0.0.1', port, tag: 'ss-stream-server' });
  t.equal(server.password.length, 32, '24 random bytes, base64url');
  t.equal((await relayOnce(server.port, server.method, server.password, echoPort)).length, 1000);
  cli.kill('SIGTERM');
  t.equal((await cli.exited).code, 0);
});

t.test('flags override the config file', async (t) => {
  const echoPort = await echoServer(t);
  const filePassword = `file-secret-${randomBytes(6).toString('hex')}`;
  const dir = t.testdir({
    'config.json': JSON.stringify({ server: '127.0.0.1', server_port: 1, password: filePassword, method: 'aes-128-gcm', timeout: 60, mode: 'tcp_only', verbose: true }),
  });
  const { cli, port, method } = await startCli(t, ['-c', join(dir, 'config.json'), '-p', '0', '-k', 'flag-password', '--forbidden-ip', '', '-q']);
  t.equal(method, 'aes-128-gcm', 'the method comes from the file');
  t.equal((await relayOnce(port, method, 'flag-password', echoPort)).length, 1000, '-k replaced the password');
  cli.kill('SIGTERM');
  t.equal((await cli.exited).code, 0);
  t.equal(cli.stderr(), '', '-q overrides verbose from the file (not even the mode warning is logged)');
  t.notMatch(cli.stdout(), filePassword);
});

t.test('logs a warning for ignored file keys and serves every port_password port', async (t) => {
  const [a, b] = [await freePort(), await freePort()];
  const dir = t.testdir({ 'config.json': JSON.stringify({ server: '127.0.0.1', port_password: { [a]: 'pw-a', [b]: 'pw-b' }, fast_open: true }) });
  const cli = spawnCli(BIN, ['-c', join(dir, 'config.json')]);
  t.teardown(() => cli.kill('SIGKILL'));
  await cli.waitForStdout(new RegExp(`listening on 127\\.0\\.0\\.1:${a} \\(chacha20-ietf-poly1305\\)`));
  await cli.waitForStdout(new RegExp(`listening on 127\\.0\\.0\\.1:${b} \\(chacha20-ietf-poly1305\\)`));
  t.match(cli.stderr(), /warn config file: fast_open: .*; ignored/);
  cli.kill('SIGINT');
  t.equal((await cli.exited).code, 0, 'SIGINT exits 0');
  t.notMatch(cli.stdout() + cli.stderr(), /pw-a|pw-b/);
});

t.test('exits 1 when the port is taken', async (t) => {
  const blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  t.teardown(() => new Promise((r) => blocker.close(r)));
  const { port } = blocker.address() as AddressInfo;
  const { code, stderr } = await runCli(BIN, [...LOOPBACK, '-p', String(port), '-k', 'x']);
  t.equal(code, 1);
  t.match(stderr, /^ss-stream-server: .*EADDRINUSE/);
});

t.test('SIGTERM waits for an open connection to close, then exits 0', async (t) => {
  const echoPort = await echoServer(t);
  const { cli, port, method } = await startCli(t, [...LOOPBACK, '-p', '0', '-k', 'pw', '--forbidden-ip', '']);
  const client = await ssConnect(port, { method, password: 'pw', target: { host: '127.0.0.1', port: echoPort }, payload: Buffer.from('ping') });
  await until(() => client.received().length >= 4);
  t.equal(client.received().toString(), 'ping', 'the connection is established');
  cli.kill('SIGTERM');
  const early = await Promise.race([cli.exited, new Promise((r) => setTimeout(() => r('running'), 500))]);
  t.equal(early, 'running', 'still serving the open connection');
  client.encrypt.end();
  const started = Date.now();
  t.same(await cli.exited, { code: 0, signal: null });
  t.ok(Date.now() - started < 4000, 'exited once the connection closed, before the grace period');
  client.socket.destroy();
});

t.test('SIGTERM closes an idle connection after the grace period, then exits 0', async (t) => {
  const echoPort = await echoServer(t);
  const { cli, port, method } = await startCli(t, [...LOOPBACK, '-p', '0', '-k', 'pw', '--forbidden-ip', '']);
  const client = await ssConnect(port, { method, password: 'pw', target: { host: '127.0.0.1', port: echoPort }, payload: Buffer.from('ping') });
  await until(() => client.received().length >= 4);
  const ends = howItEnds(client.socket, 15_000);
  const started = Date.now();
  cli.kill('SIGTERM');
  t.same(await cli.exited, { code: 0, signal: null });
  const elapsed = Date.now() - started;
  t.ok(elapsed >= 4000 && elapsed < 12_000, `exited after the 5 s grace period (${elapsed} ms)`);
  t.not((await ends).how, 'timeout', 'the connection was closed');
});

t.test('a second signal exits at once', async (t) => {
  const echoPort = await echoServer(t);
  const { cli, port, method } = await startCli(t, [...LOOPBACK, '-p', '0', '-k', 'pw', '--forbidden-ip', '']);
  const client = await ssConnect(port, { method, password: 'pw', target: { host: '127.0.0.1', port: echoPort }, payload: Buffer.from('ping') });
  await until(() => client.received().length >= 4);
  cli.kill('SIGTERM');
  await until(() => /shutting down/.test(cli.stderr()));
  const started = Date.now();
  cli.kill('SIGTERM');
  t.same(await cli.exited, { code: 143, signal: null });
  t.ok(Date.now() - started < 2000, 'did not wait for the grace period');
  client.socket.destroy();
});

t.test('prints help and version, exit 0', async (t) => {
  const help = await runCli(BIN, ['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /--server-port/);
  t.match(help.stdout, /--forbidden-ip/);
  const version = await runCli(BIN, ['--version']);
  t.equal(version.code, 0);
  t.match(version.stdout.trim(), /^\d+\.\d+\.\d+/);
});

/** Polls `condition` every 20 ms, for up to `ms`. */
async function until(condition: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !condition(); ) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
