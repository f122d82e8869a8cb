import t from 'tap';
import { checkArgvUtf8, readRawArgv } from '../../../lib/cli/check-argv-utf8.js';

/** Raw arguments as /proc/self/cmdline holds them: `node script ...args`, UTF-8 with `\xNN` as that byte. */
function raw(...args: string[]): Buffer[] {
  return ['/usr/bin/node', '/bin/ss', ...args].map((a) => Buffer.concat(a.split(/(\\x[0-9a-f]{2})/).map((part) => (
    part.startsWith('\\x') ? Buffer.of(parseInt(part.slice(2), 16)) : Buffer.from(part, 'utf8')))));
}

/** What Node makes of them: each bad sequence becomes U+FFFD. */
function decoded(bytes: Buffer[]): string[] {
  return bytes.slice(2).map((b) => b.toString('utf8'));
}

t.test('accepts arguments that are UTF-8, U+FFFD itself included', async (t) => {
  const bytes = raw('-k', 'pässwörd \uFFFD', '-s', '127.0.0.1');
  t.doesNotThrow(() => checkArgvUtf8(decoded(bytes), bytes));
});

t.test('refuses an argument that is not UTF-8, naming its flag and never the value', async (t) => {
  const cases: [string[], string][] = [
    [['-s', '127.0.0.1', '-k', 's3cret\\xff'], '-k'],
    [['--password', 's3cret\\xfe'], '--password'],
    [['--password=s3cret\\xe9'], '--password'],
    [['-ks3cret\\xff'], '-k'],
    [['s3cret\\xc0\\xaf'], 'argument 1'],
  ];
  for (const [args, name] of cases) {
    const bytes = raw(...args);
    const err = t.throws(() => checkArgvUtf8(decoded(bytes), bytes), { code: 'ERR_SS_CONFIG', message: new RegExp(`^${name}: is not valid UTF-8 text, and a secret is never altered`) }, args.join(' ')) as Error;
    t.notMatch(err.message, /s3cret/, 'the value is not quoted');
  }
});

t.test('blames nothing that is not this process\'s own argv, or without /proc', async (t) => {
  const bytes = raw('-k', 'pw\\xff');
  t.doesNotThrow(() => checkArgvUtf8(['-k', 'other'], bytes), 'argv differs from the raw arguments');
  t.doesNotThrow(() => checkArgvUtf8(['a', 'b', 'c', 'd'], bytes.slice(0, 3)), 'fewer raw arguments than argv');
  t.doesNotThrow(() => checkArgvUtf8(['-k', 'pw\uFFFD'], undefined), 'no /proc/self/cmdline');
});

t.test('reads the raw arguments of this process from /proc/self/cmdline', { skip: process.platform !== 'linux' && 'Linux only' }, async (t) => {
  const args = readRawArgv()!;
  t.equal(args.at(-1)?.toString(), process.argv.at(-1), 'the last argument');
  t.doesNotThrow(() => checkArgvUtf8(process.argv.slice(2)));
});
