/**
 * ss-stream-server refuses bad flags and config files before anything
 * listens: exit 2 and a message naming the problem. Run from dist/ (npm test
 * builds first); every server would listen on 127.0.0.1 only.
 */
import { join } from 'node:path';
import t from 'tap';
import { binPath, runCli } from '../fixtures/cli.js';

const BIN = binPath('ss-stream-server');
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
