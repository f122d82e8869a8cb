import t from 'tap';
import { parseServerCliArgs } from '../../../lib/cli/server-cli-args.js';
import { buildServerCliOptions } from '../../../lib/cli/server-cli-options.js';

t.test('parses every flag as text, short and long', async (t) => {
  t.same(await parseServerCliArgs(['-s', '127.0.0.1', '-s', '::1', '-p', '0', '-k', 'pw', '-m', 'aes-128-gcm', '-c', 'f.json', '-t', '5', '--handshake-timeout', '2', '--connect-timeout', '3', '--forbidden-ip', '', '--mode', 'tcp_only', '-d', '127.0.0.1:5353,::1', '--nameserver', '[::1]:53', '-6', '-v'], '1.0.0'), {
    server: ['127.0.0.1', '::1'], serverPort: '0', password: 'pw', method: 'aes-128-gcm', config: 'f.json',
    timeout: '5', handshakeTimeout: '2', connectTimeout: '3', forbiddenIp: '', mode: 'tcp_only', verbose: true, quiet: false,
    nameserver: ['127.0.0.1:5353,::1', '[::1]:53'], ipv6First: true, ignoredFlags: [],
  });
  t.match(await parseServerCliArgs(['--key', 'a2V5', '--quiet'], '1.0.0'), { key: 'a2V5', verbose: false, quiet: true, server: undefined, nameserver: undefined, ipv6First: undefined });
  t.match(await parseServerCliArgs(['--ipv6-first'], '1.0.0'), { ipv6First: true });
});

t.test('the last of a repeated flag wins', async (t) => {
  t.match(await parseServerCliArgs(['-p', '1', '-p', '2', '-k', 'a', '--password', 'b'], '1.0.0'), { serverPort: '2', password: 'b' });
});

t.test('throws on usage errors', async (t) => {
  await t.rejects(parseServerCliArgs(['--nope'], '1.0.0'), { message: /Unknown argument: nope/ });
  await t.rejects(parseServerCliArgs(['stray'], '1.0.0'), { message: /Unknown argument: stray/ });
  await t.rejects(parseServerCliArgs(['-v', '-q'], '1.0.0'), { message: /mutually exclusive/ });
});

t.test('leaves the values of -m and --mode to their settings, which name the flag', async (t) => {
  // A list of choices in the flag table would be a second place that knows the methods and modes.
  t.match(await parseServerCliArgs(['-m', 'rc4-md5', '--mode', 'tcp'], '1.0.0'), { method: 'rc4-md5', mode: 'tcp' });
  const none = { verbose: false, quiet: false };
  t.throws(() => buildServerCliOptions({ ...none, method: 'xchacha20' }), { code: 'ERR_SS_CONFIG', message: /^--method: unknown method 'xchacha20'/ });
  t.throws(() => buildServerCliOptions({ ...none, mode: 'tcp' }), { code: 'ERR_SS_CONFIG', message: /^--mode: must be one of tcp_and_udp, tcp_only, udp_only, got 'tcp'/ });
});

t.test('an unknown flag near a known one gets "did you mean"', async (t) => {
  await t.rejects(parseServerCliArgs(['--sever-port', '1'], '1.0.0'), { message: 'Unknown argument: sever-port (did you mean --server-port?)' });
  await t.rejects(parseServerCliArgs(['--pasword', 'x'], '1.0.0'), { message: 'Unknown argument: pasword (did you mean --password?)' });
  await t.rejects(parseServerCliArgs(['--password_file', 'x'], '1.0.0'), { message: /did you mean --password-file\?/ });
  await t.rejects(parseServerCliArgs(['--zzzzzz', '--metrix', '9'], '1.0.0'), { message: 'Unknown arguments: zzzzzz, metrix; --metrix (did you mean --metrics?)' });
  await t.rejects(parseServerCliArgs(['--zzzzzzzz'], '1.0.0'), { message: 'Unknown argument: zzzzzzzz' }, 'nothing near: no hint');
});

t.test('--password-file, --key-file and -n are read; a secret flag and a secret file exclude each other', async (t) => {
  t.match(await parseServerCliArgs(['--password-file', '/run/pw', '-n', '4096'], '1.0.0'), { passwordFile: '/run/pw', nofile: '4096' });
  t.match(await parseServerCliArgs(['--key-file', '/run/key', '--nofile', '10'], '1.0.0'), { keyFile: '/run/key', nofile: '10' });
  for (const argv of [['-k', 'a', '--password-file', 'f'], ['--key', 'a', '--password-file', 'f'], ['--key', 'a', '--key-file', 'f'], ['-k', 'a', '--key-file', 'f'], ['--password-file', 'f', '--key-file', 'g']]) {
    await t.rejects(parseServerCliArgs(argv, '1.0.0'), { message: /mutually exclusive/ }, argv.join(' '));
  }
});

t.test('-s HOST:PORT is refused with a pointer to -p', async (t) => {
  const none = { verbose: false, quiet: false };
  t.throws(() => buildServerCliOptions({ ...none, server: ['0.0.0.0:8388'] }), { code: 'ERR_SS_CONFIG', message: "--server: '0.0.0.0:8388' is HOST:PORT; give the address alone and the port with -p (--server-port)" });
  t.throws(() => buildServerCliOptions({ ...none, server: ['::1', '::1'] }), { code: 'ERR_SS_CONFIG', message: "--server: '::1' is listed twice" });
  t.same(buildServerCliOptions({ ...none, server: ['::'], password: 'x' }).servers[0]!.host, '::');
});

t.test('libev\'s -u and -U set the mode; its --fast-open, --reuse-port and --mptcp are accepted with a warning each', async (t) => {
  t.match(await parseServerCliArgs(['-u'], '1.0.0'), { mode: 'tcp_and_udp' });
  t.match(await parseServerCliArgs(['-U'], '1.0.0'), { mode: 'udp_only' });
  await t.rejects(parseServerCliArgs(['-U', '--mode', 'tcp_only'], '1.0.0'), /mutually exclusive/);
  t.same((await parseServerCliArgs(['--fast-open', '--reuse-port', '--no-delay', '--mptcp'], '1.0.0'))!.ignoredFlags, [
    '--fast-open: TCP Fast Open is not supported; ignored',
    '--reuse-port: SO_REUSEPORT is not supported; ignored',
    '--mptcp: Multipath TCP is not supported; ignored',
  ], '--no-delay is what we do: nothing said');
  t.same((await parseServerCliArgs([], '1.0.0'))!.ignoredFlags, []);
});

t.test('--help, -h and --version print to stdout and return undefined, whatever else is given', async (t) => {
  for (const [argv, text] of [[['--help'], /^Usage: ss-stream-server \[options\]\n[^]*\n {2}-p, --server-port +Port to listen on[^]*\[string\]\n[^]*-h, --help +Show help/], [['-h', '--nope'], /^Usage: /], [['--version', '-v', '-q'], /^1\.2\.3\n$/]] as const) {
    const writes = t.capture(process.stdout, 'write', () => true);
    const parsed = await parseServerCliArgs(argv, '1.2.3');
    writes.restore();
    t.equal(parsed, undefined, argv.join(' '));
    const out = writes().map((w) => String(w.args[0])).join('');
    t.match(out, text);
    t.notMatch(out, /fast-open|reuse-port|no-delay|mptcp/, 'the ignored libev switches stay hidden');
  }
});
