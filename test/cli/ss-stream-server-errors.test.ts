/**
 * ss-stream-server refuses bad flags and config files before anything
 * listens: exit 2 and a message naming the problem. Run from dist/ (npm test
 * builds first); every server would listen on 127.0.0.1 only.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { binPath, runCli } from '../fixtures/cli.js';

const BIN = binPath('ss-stream-server');

/**
 * Runs `bin` with `args` written in bash syntax, so that `$'\xff'` passes raw
 * bytes (child_process takes strings only, which it sends as UTF-8). Killed
 * after `ms`: a server that accepted the arguments would run on.
 */
async function runWithRawArgs(bin: string, args: string, ms = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-c', `exec "$0" "$1" ${args}`, process.execPath, bin], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const [code] = await once(child, 'close') as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}
const LOOPBACK = ['-s', '127.0.0.1'];

t.test('refuses bad flags without listening', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--nope', '-p', '0'], /Unknown argument: nope/],
    [['-m', 'nope', '-p', '0'], /--method: unknown method 'nope' \(supported: /],
    [['-p', '70000'], /--server-port: must be between 0 and 65535, got 70000/],
    [['-p', 'abc'], /--server-port: must be a port number, got string "abc"/],
    [['-p', '0', '--key', 'c2hvcnQ='], /key: must decode to at least 32 bytes/],
  ];
  const results = await Promise.all(cases.map(([args]) => runCli(BIN, [...LOOPBACK, ...args], 60_000)));
  for (const [i, [args, message]] of cases.entries()) {
    const { code, stdout, stderr } = results[i]!;
    t.equal(code, 2, `${args.join(' ')}: exit 2`);
    t.match(stderr, /^ss-stream-server: /, 'prefixed with the program name');
    t.match(stderr, message, `names the problem: ${message}`);
    t.notMatch(stdout, /listening/, 'never listened');
  }
});

t.test('refuses bad config files, naming the file and the key', async (t) => {
  const dir = t.testdir({
    'malformed.json': '{"server": "127.0.0.1",',
    'unknown.json': JSON.stringify({ server: '127.0.0.1', server_prot: 8388 }),
    'wrong-type.json': JSON.stringify({ server: '127.0.0.1', timeout: 'soon' }),
    'bad-port.json': JSON.stringify({ server: '127.0.0.1', port_password: { 70000: 'pw' } }),
  });
  const cases: [string, RegExp][] = [
    ['missing.json', /config file '.*missing\.json': cannot be read: ENOENT/],
    ['malformed.json', /config file '.*malformed\.json': is not valid JSON/],
    ['unknown.json', /config file '.*unknown\.json': server_prot: unknown key/],
    ['wrong-type.json', /config file '.*wrong-type\.json': timeout: must be a positive number of seconds, got string "soon"/],
    ['bad-port.json', /config file '.*bad-port\.json': port_password\.70000: must be between 0 and 65535/],
  ];
  const results = await Promise.all(cases.map(([file]) => runCli(BIN, ['-c', join(dir, file), ...LOOPBACK, '-p', '0', '-k', 'x'], 60_000)));
  for (const [i, [file, message]] of cases.entries()) {
    const { code, stdout, stderr } = results[i]!;
    t.equal(code, 2, `${file}: exit 2`);
    t.match(stderr, message, `${file}: names the problem`);
    t.notMatch(stdout, /listening/, 'never listened');
  }
});

t.test('refuses a password that is not UTF-8, from -k or the config file, naming where it came from', async (t) => {
  const dir = t.testdir({});
  for (const tail of [0xff, 0xfe]) {
    writeFileSync(join(dir, `${tail}.json`), Buffer.concat([Buffer.from('{"server": "127.0.0.1", "server_port": 0, "password": "s3cret'), Buffer.of(tail), Buffer.from('"}')]));
  }
  // Decoded lossily, each pair would be one password ("s3cret\uFFFD"), and the server would listen.
  const cases: [string, RegExp][] = [
    [`-s 127.0.0.1 -p 0 -k $'s3cret\\xff'`, /^ss-stream-server: -k: is not valid UTF-8 text, and a secret is never altered/],
    [`-s 127.0.0.1 -p 0 --password=$'s3cret\\xfe'`, /^ss-stream-server: --password: is not valid UTF-8 text/],
    [`-c ${join(dir, '255.json')}`, /^ss-stream-server: config file '.*255\.json': password: is not valid UTF-8 text/],
    [`-c ${join(dir, '254.json')}`, /^ss-stream-server: config file '.*254\.json': password: is not valid UTF-8 text/],
  ];
  const results = await Promise.all(cases.map(([args]) => runWithRawArgs(BIN, args)));
  for (const [i, [args, message]] of cases.entries()) {
    const { code, stdout, stderr } = results[i]!;
    t.equal(code, 2, `${args}: exit 2`);
    t.match(stderr, message, 'names the flag or key');
    t.notMatch(stderr, /s3cret/, 'never prints the password');
    t.notMatch(stdout, /listening/, 'never listened');
  }
});

t.test('ss-stream-local refuses a password that is not UTF-8 too', async (t) => {
  const { code, stdout, stderr } = await runWithRawArgs(binPath('ss-stream-local'), `-s 127.0.0.1 -p 8388 -b 127.0.0.1 -l 0 -k $'s3cret\\xff'`);
  t.equal(code, 2);
  t.match(stderr, /^ss-stream-local: -k: is not valid UTF-8 text, and a secret is never altered/);
  t.notMatch(stderr, /s3cret/);
  t.notMatch(stdout, /listening/);
});
