import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { SocksClient } from 'socks';
import { buildLocalCliOptions } from '../../../lib/cli/local-cli-options.js';
import { parseLocalCliArgs } from '../../../lib/cli/local-cli-args.js';
import { runLocalCli, EXIT_USAGE, EXIT_OK, EXIT_LISTEN_FAILED } from '../../../lib/cli/run-local-cli.js';
import { encodeSip002 } from '../../../lib/config/sip002.js';
import { startServerUnderTest } from '../../fixtures/interop.js';
import { readBytes, startEchoServer, startTcpServer } from '../../fixtures/net.js';
import { startUdpEcho, UdpClient } from '../../fixtures/udp.js';
import { fakeCliIo } from '../../fixtures/cli-io.js';


async function build(argv: string[], file?: object) {
  const args = await parseLocalCliArgs(argv, '0.0.0');
  return buildLocalCliOptions(args!, file);
}

t.test('maps libev ss-local flags to options', async (t) => {
  const o = await build(['-s', 'ss.test', '-p', '8389', '-b', '::1', '-l', '1081', '-k', 'pw', '-m', 'aes-128-gcm', '-t', '30', '-L', 'echo.test:7', '--socks-username', 'u', '--socks-password', 'p', '-v']);
  t.same(o, {
    local: { server: 'ss.test', serverPort: 8389, host: '::1', port: 1081, password: 'pw', method: 'aes-128-gcm', idleTimeoutMs: 30_000, tunnel: { type: 'domain', host: 'echo.test', port: 7 }, socksUsername: 'u', socksPassword: 'p' },
    logLevel: 'debug',
    logFormat: 'text',
  });
  t.equal((await build(['-s', 'a', '-k', 'b', '-q'])).logLevel, 'error');
});

t.test('maps -u, -U and --mode like libev ss-local', async (t) => {
  t.equal((await build(['-s', 'a', '-k', 'b'])).local.mode, undefined, 'no flag: the default (tcp_and_udp)');
  t.equal((await build(['-s', 'a', '-k', 'b', '-u'])).local.mode, 'tcp_and_udp');
  t.equal((await build(['-s', 'a', '-k', 'b', '--tcp-and-udp'])).local.mode, 'tcp_and_udp');
  t.equal((await build(['-s', 'a', '-k', 'b', '-U'])).local.mode, 'udp_only');
  t.equal((await build(['-s', 'a', '-k', 'b', '--udp-only'])).local.mode, 'udp_only');
  for (const mode of ['tcp_only', 'tcp_and_udp', 'udp_only']) t.equal((await build(['-s', 'a', '-k', 'b', '--mode', mode])).local.mode, mode);
  t.equal((await build(['-s', 'a', '-k', 'b', '-u'], { mode: 'tcp_only' })).local.mode, 'tcp_and_udp', '-u overrides the file');
  t.equal((await build(['-s', 'a', '-k', 'b'], { mode: 'udp_only' })).local.mode, 'udp_only', 'the file\'s mode is kept');
});

t.test('refuses bad -u / -U / --mode combinations and values, naming the flag', async (t) => {
  await t.rejects(build(['-s', 'a', '-k', 'b', '--mode', 'both']), { code: 'ERR_SS_CONFIG', message: /^--mode: must be one of tcp_and_udp, tcp_only, udp_only, got 'both'/ });
  await t.rejects(build(['-s', 'a', '-k', 'b', '--mode']), { message: /^--mode: needs a value/ });
  await t.rejects(parseLocalCliArgs(['-u', '-U'], '0'), { message: '--tcp-and-udp and --udp-only are mutually exclusive' });
  await t.rejects(parseLocalCliArgs(['-U', '--mode', 'tcp_only'], '0'), { message: '--udp-only and --mode are mutually exclusive' });
  await t.rejects(parseLocalCliArgs(['-u', '--mode', 'tcp_only'], '0'), { message: '--tcp-and-udp and --mode are mutually exclusive' });
  t.throws(() => buildLocalCliOptions({ server: 'a', password: 'b', mode: 'udp', verbose: false, quiet: false }), { code: 'ERR_SS_CONFIG', message: /^--mode: must be one of tcp_and_udp, tcp_only, udp_only/ });
  const f = fakeCliIo();
  t.equal(await runLocalCli(['-s', '127.0.0.1', '-k', 'pw', '-l', '0', '--mode', 'udp'], f.io), EXIT_USAGE);
  t.match(f.stderr(), /mode/);
});

t.test('takes the server from a SIP002 URI', async (t) => {
  const url = encodeSip002({ method: 'aes-256-gcm', password: 'p@ss:word', host: '::1', port: 8390 });
  const o = await build(['--server-url', url, '-l', '0'], { server: 'from-file', key: 'a2V5', idleTimeoutMs: 5000 });
  t.same(o.local, { server: '::1', serverPort: 8390, method: 'aes-256-gcm', password: 'p@ss:word', port: 0, idleTimeoutMs: 5000 });
});

t.test('lets flags override the config file', async (t) => {
  const o = await build(['-p', '9000', '-k', 'flagpw'], { server: 'file.test', serverPort: 8388, key: 'a2V5', port: 1082 });
  t.same(o.local, { server: 'file.test', serverPort: 9000, password: 'flagpw', port: 1082 });
});

t.test('takes the plugin of a --server-url (SIP002 ?plugin=name;opts), and the --plugin flags', async (t) => {
  const url = 'ss://YWVzLTEyOC1nY206dGVzdA@127.0.0.1:8388/?plugin=obfs-local%3Bobfs%3Dhttp%3Bobfs-host%3Dwww.example.test#x';
  t.same((await build(['--server-url', url])).local, { server: '127.0.0.1', serverPort: 8388, method: 'aes-128-gcm', password: 'test', plugin: 'obfs-local', pluginOpts: 'obfs=http;obfs-host=www.example.test' });
  const plain = 'ss://YWVzLTEyOC1nY206dGVzdA@127.0.0.1:8388/?plugin=ss-v2ray-plugin';
  t.same((await build(['--server-url', plain])).local, { server: '127.0.0.1', serverPort: 8388, method: 'aes-128-gcm', password: 'test', plugin: 'ss-v2ray-plugin' });
  const flags = ['-s', '127.0.0.1', '-k', 'pw', '--plugin', 'obfs-local', '--plugin-opts', 'obfs=tls', '--plugin-args', 'a', '--plugin-args=-V', '--plugin-mode', 'tcp_and_udp'];
  t.same((await build(flags)).local, { server: '127.0.0.1', password: 'pw', plugin: 'obfs-local', pluginOpts: 'obfs=tls', pluginArgs: ['a', '-V'], pluginMode: 'tcp_and_udp' });
  await t.rejects(build(['-s', 'a', '-k', 'b', '--plugin-mode', 'udp_only']), { code: 'ERR_SS_CONFIG', message: /^--plugin-mode: must be one of tcp_only, tcp_and_udp/ });
});

t.test('refuses incomplete or bad command lines, naming the flag', async (t) => {
  const cases: [string[], RegExp][] = [
    [['-k', 'pw'], /^--server: is required/],
    [['-s', 'a'], /^--password: is required/],
    [['-s', 'a', '-k', 'b', '-p', 'x'], /^--server-port: /],
    [['-s', 'a', '-k', 'b', '-L', 'nope'], /^--tunnel: /],
    [['-s', 'a', '-k', 'b', '--socks-username', 'u'], /^--socks-password: is required/],
    [['--server-url', 'ss://nope'], /^--server-url: /],
    [['--server-url', 'ss://YWVzLTEyOC1nY206dGVzdA@h:1/?plugin=%3Bobfs%3Dhttp'], /^--server-url: the plugin parameter names no program/],
  ];
  for (const [argv, message] of cases) await t.rejects(build(argv), { code: 'ERR_SS_CONFIG', message }, argv.join(' '));
  await t.rejects(parseLocalCliArgs(['--nope'], '0'), /Unknown argument/);
  await t.rejects(parseLocalCliArgs(['--server-url', 'ss://x', '-s', 'a'], '0'), /mutually exclusive/);
  await t.rejects(build(['-s', 'a', '-k', 'b', '-m', 'xchacha20']), { code: 'ERR_SS_CONFIG', message: /^--method: unknown method 'xchacha20'/ });
});

t.test('exits 2 on bad flags or config without listening', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ss-local-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ server: '127.0.0.1', password: 'pw', local_port: 0, nonsense: true }));
  const notJson = join(dir, 'not.json');
  writeFileSync(notJson, '{ server: ');
  for (const [argv, message] of [
    [['--bogus'], /Unknown argument: bogus\nTry 'ss-stream-local --help'/],
    [['-c', bad], /config file '.*bad\.json': nonsense: unknown key/],
    [['-c', notJson], /not\.json': is not valid JSON/],
    [['-s', '127.0.0.1', '-k', 'pw', '-m', 'aes-128-gcm', '-l', '0', '-t', 'soon'], /--timeout: /],
  ] as [string[], RegExp][]) {
    const f = fakeCliIo();
    t.equal(await runLocalCli(argv, f.io), EXIT_USAGE, argv.join(' '));
    t.match(f.stderr(), message);
    t.equal(f.stdout(), '');
  }
  const f = fakeCliIo();
  t.equal(await runLocalCli(['--help'], f.io), EXIT_OK);
  t.match(f.stdout(), /--server-url/);
  const v = fakeCliIo();
  t.equal(await runLocalCli(['--version'], v.io), EXIT_OK);
  t.match(v.stdout(), /^\d+\.\d+\.\d+\n$/);
});

t.test('exits 1 when the local port is taken', async (t) => {
  const taken = await startTcpServer(() => {});
  t.teardown(taken.close);
  const f = fakeCliIo();
  t.equal(await runLocalCli(['-s', '127.0.0.1', '-k', 'pw', '-l', String(taken.port)], f.io), EXIT_LISTEN_FAILED);
  t.match(f.stderr(), /EADDRINUSE/);
});

t.test('-U -L forwards UDP only', async (t) => {
  const server = await startServerUnderTest({ method: 'aes-128-gcm', password: 'cli-pw', forbiddenIp: [] });
  t.teardown(server.close);
  const echo = await startUdpEcho();
  t.teardown(echo.close);
  const f = fakeCliIo();
  const running = runLocalCli(['-s', '127.0.0.1', '-p', String(server.port), '-k', 'cli-pw', '-m', 'aes-128-gcm', '-l', '0', '-U', '-L', `127.0.0.1:${echo.port}`, '-q'], f.io);
  while (!f.stdout().includes('\n') && f.stderr() === '') await new Promise((r) => setTimeout(r, 10));
  const port = Number(/listening on 127\.0\.0\.1:(\d+) \(aes-128-gcm\)/.exec(f.stdout())?.[1]);
  const app = await UdpClient.open();
  t.teardown(() => app.close());
  await app.request(() => app.send(Buffer.from('dns-ish'), port), (d) => d.msg.toString() === 'dns-ish');
  t.pass('echoed through the UDP tunnel');
  f.signals.emit('SIGTERM', 'SIGTERM');
  t.equal(await running, EXIT_OK);
});

t.test('serves from a config file until SIGTERM', async (t) => {
  const server = await startServerUnderTest({ method: 'aes-128-gcm', password: 'cli-pw', forbiddenIp: [] });
  t.teardown(server.close);
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const dir = mkdtempSync(join(tmpdir(), 'ss-local-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'local.json');
  writeFileSync(file, JSON.stringify({ server: '127.0.0.1', server_port: server.port, local_address: '127.0.0.1', local_port: 0, password: 'cli-pw', method: 'aes-128-gcm', timeout: 10 }));
  const f = fakeCliIo();
  const running = runLocalCli(['-c', file, '-q'], f.io);
  while (!f.stdout().includes('\n')) await new Promise((r) => setTimeout(r, 10));
  const port = Number(/listening on 127\.0\.0\.1:(\d+) \(aes-128-gcm\)/.exec(f.stdout())![1]);
  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port: echo.port }, timeout: 5000 });
  socket.write('through the cli');
  t.equal((await readBytes(socket, 15)).toString(), 'through the cli');
  socket.destroy();
  f.signals.emit('SIGTERM', 'SIGTERM');
  t.equal(await running, EXIT_OK);
});

t.test('the local\'s secret: flags, then the config file, then SS_SERVER_PASSWORD / SS_SERVER_KEY', async (t) => {
  const args = (await parseLocalCliArgs(['-s', 'a'], '0'))!;
  const env = { SS_SERVER_PASSWORD: 'from-env' };
  t.equal(buildLocalCliOptions({ ...args, password: 'flag' }, { password: 'file' }, env).local.password, 'flag');
  t.equal(buildLocalCliOptions(args, { password: 'file' }, env).local.password, 'file');
  t.equal(buildLocalCliOptions(args, {}, env).local.password, 'from-env');
  t.same(buildLocalCliOptions(args, {}, { SS_SERVER_KEY: 'a2V5' }).local.key, 'a2V5');
  t.throws(() => buildLocalCliOptions(args, {}, {}), { message: /^--password: is required \(or --key, --password-file, --server-url, "password" in the config file, or SS_SERVER_PASSWORD\)/ });
  t.equal(buildLocalCliOptions({ ...args, password: 'x', nofile: '100' }, {}, {}, { nofile: 50 }).nofile, 100, '--nofile beats the file');
  t.equal(buildLocalCliOptions({ ...args, password: 'x' }, {}, {}, { nofile: 50 }).nofile, 50);
});

t.test('the local takes verbose and log_format from the file, under -v, -q and --log-format', async (t) => {
  const args = (await parseLocalCliArgs(['-s', 'a', '-k', 'b'], '0'))!;
  t.match(buildLocalCliOptions(args, {}, {}, { logLevel: 'warn', logFormat: 'json' }), { logLevel: 'warn', logFormat: 'json' });
  t.match(buildLocalCliOptions({ ...args, quiet: true, logFormat: 'text' }, {}, {}, { logLevel: 'debug', logFormat: 'json' }), { logLevel: 'error', logFormat: 'text' });
  t.match(buildLocalCliOptions(args), { logLevel: 'info', logFormat: 'text' });
});

t.test('the local\'s flags: did you mean, -s HOST:PORT, secret files exclusive with the secret flags', async (t) => {
  await t.rejects(parseLocalCliArgs(['--local-prot', '1'], '0'), { message: 'Unknown argument: local-prot (did you mean --local-port?)' });
  await t.rejects(parseLocalCliArgs(['-k', 'a', '--password-file', 'f'], '0'), /mutually exclusive/);
  await t.rejects(parseLocalCliArgs(['--server-url', 'ss://x', '--key-file', 'f'], '0'), /mutually exclusive/);
  await t.rejects(build(['-s', '203.0.113.1:8388', '-k', 'b']), { code: 'ERR_SS_CONFIG', message: "--server: '203.0.113.1:8388' is HOST:PORT; give the address alone and the port with -p (--server-port)" });
  t.equal((await build(['-s', '::1', '-k', 'b'])).local.server, '::1');
});

t.test('the local prints --help and --version to stdout and returns undefined', async (t) => {
  const writes = t.capture(process.stdout, 'write', () => true);
  const parsed = [await parseLocalCliArgs(['-h'], '0'), await parseLocalCliArgs(['--version'], '4.5.6')];
  writes.restore();
  t.same(parsed, [undefined, undefined]);
  const out = writes().map((w) => String(w.args[0])).join('');
  t.match(out, /^Usage: ss-stream-local -s <server> -k <password> \[options\]\n {7}ss-stream-local --server-url ss:\/\/\.\.\. \[options\]\n/);
  t.match(out, /\n {2}-L, --tunnel +Tunnel mode/);
  t.match(out, /\n4\.5\.6\n$/);
});

t.test('the local accepts libev\'s --fast-open with a warning', async (t) => {
  t.same((await parseLocalCliArgs(['--fast-open', '--no-delay'], '0'))!.ignoredFlags, ['--fast-open: TCP Fast Open is not supported; ignored']);
});
