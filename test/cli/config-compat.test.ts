/**
 * The compatibility of both commands with libev / rust habits, run from
 * dist/ as child processes on 127.0.0.1: one config file shared by
 * ss-stream-server and ss-stream-local (each warns once per key it does
 * not act on, and traffic flows), the password from --password-file or
 * SS_SERVER_PASSWORD (never on the command line), and the helpful
 * refusals: JSON errors with line and column, did-you-mean flags, -s
 * HOST:PORT.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { SocksClient } from 'socks';
import { binPath, runCli, spawnCli, type CliProcess, type SpawnCliOptions } from '../fixtures/cli.js';
import { freePort, readBytes, startEchoServer } from '../fixtures/net.js';
import { ssConnect } from '../fixtures/ss-client.js';

const SERVER = binPath('ss-stream-server');
const LOCAL = binPath('ss-stream-local');
const LISTENING = /listening on 127\.0\.0\.1:(\d+) \(([a-z0-9-]+)\)/;

async function start(t: Test, bin: string, args: string[], options?: SpawnCliOptions): Promise<{ cli: CliProcess; port: number }> {
  const cli = spawnCli(bin, args, options);
  t.teardown(() => cli.kill('SIGKILL'));
  const [, port] = await cli.waitForStdout(LISTENING, 20_000);
  return { cli, port: Number(port) };
}

async function echoPort(t: Test): Promise<number> {
  const echo = await startEchoServer();
  t.teardown(() => echo.close());
  return echo.port;
}

/** One request through the server to the echo server: true when the bytes come back. */
async function relays(port: number, password: string, echo: number): Promise<boolean> {
  const payload = randomBytes(500);
  const client = await ssConnect(port, { method: 'aes-128-gcm', password, target: { host: '127.0.0.1', port: echo }, payload, end: true });
  await client.ended;
  client.socket.destroy();
  return client.received().equals(payload);
}

const count = (text: string, needle: string): number => text.split(needle).length - 1;

t.test('one libev-style config file serves both commands, each warning once per key it does not act on', async (t) => {
  const echo = await echoPort(t);
  const serverPort = await freePort();
  const dir = t.testdir({});
  const config = join(dir, 'shared.json');
  writeFileSync(config, JSON.stringify({
    server: '127.0.0.1', server_port: serverPort, local_address: '127.0.0.1', local_port: 0, password: 'shared-secret',
    method: 'aes-128-gcm', timeout: 60, forbidden_ip: '', fast_open: true, no_delay: true, reuse_port: false, nofile: 1_000_000, workers: 1,
  }, null, 2));
  const server = await start(t, SERVER, ['-c', config]);
  const local = await start(t, LOCAL, ['-c', config]);
  const serverLog = server.cli.stderr();
  t.equal(count(serverLog, 'warn config file: local_address: only used by ss-stream-local; ignored'), 1);
  t.equal(count(serverLog, 'warn config file: local_port: only used by ss-stream-local; ignored'), 1);
  t.equal(count(serverLog, 'warn config file: fast_open: TCP Fast Open is not supported; ignored'), 1);
  t.equal(count(serverLog, 'no_delay'), 0, '"no_delay": true is what we do: nothing said');
  t.equal(count(serverLog, 'reuse_port'), 0, '"reuse_port": false is what we do: nothing said');
  t.match(serverLog, /warn nofile: 1000000 open files wanted, but the limit is \d+ and a Node process cannot raise it; .*ulimit -n 1000000.*LimitNOFILE=1000000/);
  const localLog = local.cli.stderr();
  for (const key of ['forbidden_ip', 'workers']) t.equal(count(localLog, `warn config file: ${key}: only used by ss-stream-server; ignored`), 1, key);
  t.equal(count(localLog, 'warn config file: fast_open: TCP Fast Open is not supported; ignored'), 1);
  t.match(localLog, /warn nofile: 1000000 open files wanted/);
  t.notMatch(serverLog + localLog + server.cli.stdout() + local.cli.stdout(), /shared-secret/, 'the password is never printed');

  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port: echo }, timeout: 10_000 });
  socket.write('through both');
  t.equal((await readBytes(socket, 12)).toString(), 'through both', 'traffic flows local → server → echo');
  socket.destroy();
});

t.test('the server reads its password from --password-file, warns about a file others can read, and keeps it out of ps', async (t) => {
  const echo = await echoPort(t);
  const dir = t.testdir({});
  const file = join(dir, 'password');
  writeFileSync(file, 'file-secret\n');
  chmodSync(file, 0o644);
  const { cli, port } = await start(t, SERVER, ['-s', '127.0.0.1', '-p', '0', '-m', 'aes-128-gcm', '--forbidden-ip', '', '--password-file', file]);
  t.ok(await relays(port, 'file-secret', echo), 'the file\'s first line is the password (newline stripped)');
  t.match(cli.stderr(), `warn --password-file '${file}': can be read by other users (mode 0644); chmod 600 it`);
  t.notMatch(readFileSync(`/proc/${cli.child.pid}/cmdline`, 'latin1'), /file-secret/, 'not in the command line');
  t.notMatch(cli.stdout() + cli.stderr(), /file-secret|no password given/);
});

t.test('SS_SERVER_PASSWORD gives the password when nothing else does; -k still wins', async (t) => {
  const echo = await echoPort(t);
  const env = { env: { SS_SERVER_PASSWORD: 'env-secret' } };
  // libev's -u and --fast-open ride along: a libev command line runs.
  const fromEnv = await start(t, SERVER, ['-s', '127.0.0.1', '-p', '0', '-m', 'aes-128-gcm', '--forbidden-ip', '', '-u', '--fast-open', '--no-delay'], env);
  t.equal(count(fromEnv.cli.stderr(), 'warn --fast-open: TCP Fast Open is not supported; ignored'), 1, '--fast-open warns once');
  t.equal(count(fromEnv.cli.stderr(), 'no-delay'), 0, '--no-delay is what we do');
  t.ok(await relays(fromEnv.port, 'env-secret', echo), 'the environment\'s password');
  t.notMatch(fromEnv.cli.stdout(), /no password given/, 'nothing generated');
  const flag = await start(t, SERVER, ['-s', '127.0.0.1', '-p', '0', '-m', 'aes-128-gcm', '--forbidden-ip', '', '-k', 'flag-secret'], env);
  t.ok(await relays(flag.port, 'flag-secret', echo), '-k beats the environment');
  t.notOk(await relays(flag.port, 'env-secret', echo).catch(() => false), 'the environment\'s password is not accepted then');
});

t.test('the local reads its password from --password-file', async (t) => {
  const echo = await echoPort(t);
  const dir = t.testdir({});
  const file = join(dir, 'password');
  writeFileSync(file, 'local-file-secret\n', { mode: 0o600 });
  const server = await start(t, SERVER, ['-s', '127.0.0.1', '-p', '0', '-m', 'aes-128-gcm', '--forbidden-ip', '', '-k', 'local-file-secret']);
  const local = await start(t, LOCAL, ['-s', '127.0.0.1', '-p', String(server.port), '-m', 'aes-128-gcm', '-b', '127.0.0.1', '-l', '0', '--password-file', file]);
  t.notMatch(local.cli.stderr(), /can be read by other users/, 'mode 600: no warning');
  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port: echo }, timeout: 10_000 });
  socket.write('ok');
  t.equal((await readBytes(socket, 2)).toString(), 'ok');
  socket.destroy();
});

t.test('helpful refusals: exit 2 naming the problem, nothing started', async (t) => {
  const dir = t.testdir({ 'bad.json': '{\n  "server": "127.0.0.1",\n  "password": "hunter2",\n  "method": \n}\n' });
  const cases: [string, string[], RegExp][] = [
    [SERVER, ['--sever-port', '1'], /Unknown argument: sever-port \(did you mean --server-port\?\)/],
    [LOCAL, ['--local-prot', '1'], /Unknown argument: local-prot \(did you mean --local-port\?\)/],
    [SERVER, ['-s', '127.0.0.1:8388'], /--server: '127\.0\.0\.1:8388' is HOST:PORT; give the address alone and the port with -p \(--server-port\)/],
    [LOCAL, ['-s', '127.0.0.1:8388', '-k', 'x'], /--server: '127\.0\.0\.1:8388' is HOST:PORT/],
    [SERVER, ['-c', join(dir, 'bad.json')], /config file '.*bad\.json': is not valid JSON: line 5, column 1: a value expected/],
    [LOCAL, ['-c', join(dir, 'bad.json')], /config file '.*bad\.json': is not valid JSON: line 5, column 1: a value expected/],
    [SERVER, ['-p', '0', '-m', 'aes-256-gcm', '--key', 'not a key at all, a password'], / key: must be base64 \(standard or URL-safe\); it is not base64/],
    [SERVER, ['-k', 'x', '--password-file', '/nonexistent'], /mutually exclusive/],
    [SERVER, ['-p', '0', '--password-file', join(dir, 'missing')], /--password-file '.*missing': cannot be read: ENOENT/],
  ];
  for (const [bin, argv, message] of cases) {
    const r = await runCli(bin, argv);
    t.equal(r.code, 2, `${bin.endsWith('server.js') ? 'server' : 'local'} ${argv.join(' ')}`);
    t.match(r.stderr, message);
    t.notMatch(r.stdout + r.stderr, /hunter2|listening on/);
  }
});
