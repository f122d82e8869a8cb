import t from 'tap';
import { MAX_ARGUMENTS, parseFlags, type CommandSpec } from '../../../lib/cli/parse-flags.js';

const SPEC: CommandSpec = {
  name: 'demo',
  usage: ['[options]'],
  description: 'A demo command.',
  flags: [
    { name: 'server', alias: 's', type: 'string', repeatable: true, description: 'Server' },
    { name: 'server-port', alias: 'p', type: 'string', description: 'Port' },
    { name: 'password', alias: 'k', type: 'string', description: 'Password' },
    { name: 'key', type: 'string', description: 'Key' },
    { name: 'verbose', alias: 'v', type: 'boolean', description: 'Verbose' },
    { name: 'quiet', alias: 'q', type: 'boolean', description: 'Quiet' },
    { name: 'qr', type: 'boolean', description: 'QR' },
    { name: 'no-delay', type: 'boolean', description: 'libev', hidden: true },
    { name: 'help', alias: 'h', type: 'boolean', description: 'Help', action: true },
  ],
  conflicts: [['verbose', 'quiet'], ['password', 'key']],
};

const parse = (argv: string[]) => parseFlags(SPEC, argv);

t.test('reads long and short flags, with the value apart, after = or glued to the letter', async (t) => {
  const flags = parse(['--server-port', '1', '--password=pw', '-s', 'a', '-sb']);
  t.equal(flags.string('server-port'), '1');
  t.equal(flags.string('password'), 'pw');
  t.same(flags.strings('server'), ['a', 'b']);
  t.equal(parse(['-p1']).string('server-port'), '1');
  t.equal(parse(['-k', '']).string('password'), '', 'an empty value is a value');
  t.equal(parse(['--password=-x']).string('password'), '-x', 'a value starting with - goes after =');
  t.equal(parse(['--server-port', '-']).string('server-port'), '-', 'a lone - is a value');
  t.equal(parse(['-p', '-1']).string('server-port'), '-1', 'a negative number is a value, for its setting to refuse');
});

t.test('a repeatable flag keeps every value in order; a scalar flag given twice keeps the last, as getopt', async (t) => {
  const flags = parse(['-s', 'a', '--server', 'b', '-s=c', '-p', '1', '-p', '2']);
  t.same(flags.strings('server'), ['a', 'b', '=c']);
  t.equal(flags.string('server'), '=c', 'string() of a repeatable flag is its last value');
  t.equal(flags.string('server-port'), '2');
  t.same(flags.strings('server-port'), ['2'], 'strings() of a scalar flag is a list of one');
});

t.test('a boolean is true when given, grouped short flags included; absent flags are undefined', async (t) => {
  const flags = parse(['-vk', 'pw', '--no-delay']);
  t.equal(flags.flag('verbose'), true);
  t.equal(flags.string('password'), 'pw', 'the last letter of a group takes the next argument');
  t.equal(flags.flag('no-delay'), true, '--no-delay is a flag of its own, not a negation');
  t.equal(flags.flag('quiet'), undefined);
  t.equal(flags.has('quiet'), false);
  t.equal(flags.string('key'), undefined);
  t.equal(flags.strings('server'), undefined);
  t.equal(flags.strings('verbose'), undefined, 'a boolean has no values');
  t.equal(flags.flag('password'), undefined, 'a string flag is no boolean');
  t.equal(parse(['-v', '-v']).flag('verbose'), true, 'a boolean given twice is still true');
});

t.test('an unknown flag or a stray argument is refused, with "did you mean" for a near flag', async (t) => {
  t.throws(() => parse(['--nope']), { message: 'Unknown argument: nope' });
  t.throws(() => parse(['-x']), { message: 'Unknown argument: x' });
  t.throws(() => parse(['stray']), { message: 'Unknown argument: stray' });
  t.throws(() => parse(['-v', 'x']), { message: 'Unknown argument: x' }, 'a boolean takes no value');
  t.throws(() => parse(['--sever-port', '1']), { message: 'Unknown argument: sever-port (did you mean --server-port?)' }, 'the argument after an unknown flag is taken as its value');
  t.throws(() => parse(['--sever-port=1', '2']), { message: 'Unknown arguments: sever-port, 2; --sever-port (did you mean --server-port?)' }, 'after --flag=value, the next argument is stray');
  t.throws(() => parse(['-xv', '2']), { message: 'Unknown arguments: x, 2' }, 'an unknown letter in a group takes no value');
  t.throws(() => parse(['--zzzzzz', '--pasword', '9']), { message: 'Unknown arguments: zzzzzz, pasword; --pasword (did you mean --password?)' });
  t.throws(() => parse(['--nope', '-y']), { message: 'Unknown arguments: nope, y' });
  t.throws(() => parse(['-r']), { message: 'Unknown argument: r' }, 'no hint for one letter, though --qr is one edit away');
  t.throws(() => parse(['--qz']), { message: 'Unknown argument: qz (did you mean --qr?)' });
  t.throws(() => parse(['--no-verbose']), { message: 'Unknown argument: no-verbose (did you mean --verbose?)' }, 'no boolean negation');
});

t.test('-- ends the flags, and what follows is refused as stray', async (t) => {
  t.equal(parse(['-v', '--']).flag('verbose'), true);
  t.throws(() => parse(['--', '-v']), { message: 'Unknown argument: -v' });
});

t.test('a string flag without a value is refused, naming the flag and never the next argument', async (t) => {
  t.throws(() => parse(['--key']), { message: "--key: needs a value (for one that starts with '-', write --key=-VALUE)" });
  t.throws(() => parse(['-k']), { message: /^-k \(--password\): needs a value/ });
  t.throws(() => parse(['-k', '-v']), { message: /^-k \(--password\): needs a value/ }, 'a forgotten value does not swallow the next flag');
  t.throws(() => parse(['-k', '-secret']), { message: /^-k \(--password\): needs a value \(for one that starts with '-', write --password=-VALUE\)$/ });
  t.throws(() => parse(['-s', '--', 'x']), { message: /^-s \(--server\): needs a value/ });
});

t.test('a value given to a boolean is refused', async (t) => {
  t.throws(() => parse(['--verbose=false']), { message: '--verbose: takes no value' });
});

t.test('two flags that exclude each other are refused, naming both', async (t) => {
  t.throws(() => parse(['-v', '-q']), { message: '--verbose and --quiet are mutually exclusive' });
  t.throws(() => parse(['--key', 'a', '-k', 'b']), { message: '--password and --key are mutually exclusive' });
  t.equal(parse(['-k', 'a', '-k', 'b']).string('password'), 'b', 'one flag twice is no conflict');
});

t.test('an action flag (help) turns the usage checks off', async (t) => {
  for (const argv of [['--help'], ['-h', '--nope'], ['-v', '-q', '-h'], ['-vh', '-k']]) {
    const flags = parse(argv);
    t.equal(flags.has('help'), true, argv.join(' '));
    t.equal(flags.has('verbose'), false, 'and nothing else is read');
  }
});

t.test('reads up to MAX_ARGUMENTS arguments and refuses more', async (t) => {
  const argv = Array.from({ length: MAX_ARGUMENTS }, (_, i) => `-s${i}`);
  t.equal(parse(argv).strings('server')!.length, MAX_ARGUMENTS, 'every value of a repeated flag is kept');
  t.throws(() => parse([...argv, '-v']), { message: `too many arguments: ${MAX_ARGUMENTS + 1} (at most ${MAX_ARGUMENTS})` });
});
