/**
 * What the two command lines share: the key flags (-k, --key, their
 * --password-file and --key-file, -m), -n (--nofile), the log-level flags
 * (-v, -q), yargs' strict, non-exiting setup, and "did you mean" for an
 * unknown flag. Each CLI adds its own flags and then calls
 * {@link withSharedOptions}.
 */
import type { Argv } from 'yargs';
import { didYouMean } from '../config/closest-name.js';
import { IGNORED_CONFIG_KEYS } from '../config/ignored-config-keys.js';
import { flagProperty } from '../config/setting.js';
import { SHARED_PROCESS_SETTINGS } from '../config/shared-process-settings.js';
import { DEFAULT_METHOD } from '../constants.js';
import { METHOD_NAMES } from '../crypto/methods.js';

/**
 * Adds the shared flags to a yargs parser and makes it strict, with help and
 * version, and failures thrown instead of printed (the caller reports them).
 */
export function withSharedOptions<T>(parser: Argv<T>, version: string) {
  return parser
    .option('password', { alias: 'k', type: 'string', description: 'Password' })
    .option('key', { type: 'string', description: 'Raw master key, base64, instead of a password' })
    .option('password-file', { type: 'string', description: SHARED_PROCESS_SETTINGS.passwordFile.doc })
    .option('key-file', { type: 'string', description: SHARED_PROCESS_SETTINGS.keyFile.doc })
    .option('nofile', { alias: 'n', type: 'string', description: SHARED_PROCESS_SETTINGS.nofile.doc })
    // No `choices`: the method's setting is the one place an unknown method is refused (naming --method).
    .option('method', { alias: 'm', type: 'string', description: `Encryption method: ${METHOD_NAMES.join(', ')} [default: ${DEFAULT_METHOD}]` })
    .option('verbose', { alias: 'v', type: 'boolean', description: 'Log debug messages' })
    .option('quiet', { alias: 'q', type: 'boolean', description: 'Log errors only' })
    .option('log-format', { type: 'string', description: 'Log lines as text (key=value) or json (one object a line) [default: text]' })
    .option(IGNORED_FLAGS[0], { type: 'boolean', hidden: true })
    .option(IGNORED_FLAGS[1], { type: 'boolean', hidden: true })
    .option(IGNORED_FLAGS[2], { type: 'boolean', hidden: true })
    .option(IGNORED_FLAGS[3], { type: 'boolean', hidden: true })
    // No `default: false` on -v/-q: yargs would count a default as given and refuse every run.
    .conflicts('verbose', 'quiet')
    .conflicts('password', ['key', 'password-file', 'key-file'])
    .conflicts('key', ['password-file', 'key-file'])
    .conflicts('password-file', 'key-file')
    // `--no-delay` is libev's flag, not "--delay false".
    .parserConfiguration({ 'boolean-negation': false })
    .strict()
    .help()
    .alias('help', 'h')
    .version(version)
    .wrap(null)
    .exitProcess(false)
    .fail(false);
}

/**
 * libev's switches for what we do not act on (the flags of
 * ignored-config-keys.ts' `fast_open`, `reuse_port`, `no_delay`, `mptcp`):
 * accepted, so that a libev command line runs, each with one warning
 * (none for `--no-delay`: always on). Hidden from `--help`.
 */
export const IGNORED_FLAGS = ['fast-open', 'reuse-port', 'no-delay', 'mptcp'] as const;

/** The warnings for the {@link IGNORED_FLAGS} given in parsed arguments. */
export function ignoredFlagWarnings(parsed: object): string[] {
  const warnings: string[] = [];
  for (const flag of IGNORED_FLAGS) {
    if ((parsed as Record<string, unknown>)[flagProperty(flag)] !== true) continue;
    const rule = IGNORED_CONFIG_KEYS[flag.replace('-', '_')]!;
    if (rule.asWeDo?.(true) !== true) warnings.push(`--${flag}: ${rule.why}; ignored`);
  }
  return warnings;
}

/** A flag given twice arrives as an array (yargs' duplicate-arguments-array): the last one wins, as with getopt. */
export function last<T>(v: T | T[] | undefined): T | undefined {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/**
 * Parses with `parser`, adding "did you mean --x?" to yargs' unknown-flag
 * error for each unknown flag near a known one (`--sever-port` → `--server-port`).
 * @throws Error yargs' usage error, with the hint
 */
export async function parseWithHints<R>(parser: object, parse: () => Promise<R>): Promise<R> {
  try {
    return await parse();
  } catch (err) {
    const m = /^Unknown arguments?: (.*)$/.exec((err as Error).message);
    if (m === null) throw err;
    // getOptions() is yargs' own (16 to 18), missing from @types/yargs.
    const options = (parser as unknown as { getOptions?: () => { key: Record<string, unknown> } }).getOptions?.().key ?? {};
    const known = Object.keys(options).filter((k) => k.length > 1);
    const names = unknownFlags(m[1]!);
    const hints = names.flatMap((name) => {
      const hint = didYouMean(name, known, (k) => `--${k}`);
      return hint === '' ? [] : [names.length === 1 ? hint : `; ${name.length > 1 ? '--' : '-'}${name}${hint}`];
    });
    throw new Error(`Unknown argument${names.length > 1 ? 's' : ''}: ${names.join(', ')}${hints.join('')}`);
  }
}

// yargs lists each unknown flag twice, as written and in camel case: keep the first.
function unknownFlags(list: string): string[] {
  const names = list.split(', ');
  return names.filter((n) => !(/[A-Z]/.test(n) && names.includes(n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))));
}
