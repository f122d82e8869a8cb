/**
 * What the two command lines share: the key flags (-k, --key, -m), the
 * log-level flags (-v, -q), and yargs' strict, non-exiting setup. Each CLI
 * adds its own flags and then calls {@link withSharedOptions}.
 */
import type { Argv } from 'yargs';
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
    // No `choices`: the method's setting is the one place an unknown method is refused (naming --method).
    .option('method', { alias: 'm', type: 'string', description: `Encryption method: ${METHOD_NAMES.join(', ')} [default: ${DEFAULT_METHOD}]` })
    .option('verbose', { alias: 'v', type: 'boolean', description: 'Log debug messages' })
    .option('quiet', { alias: 'q', type: 'boolean', description: 'Log errors only' })
    .option('log-format', { type: 'string', description: 'Log lines as text (key=value) or json (one object a line) [default: text]' })
    // No `default: false` on -v/-q: yargs would count a default as given and refuse every run.
    .conflicts('verbose', 'quiet')
    .conflicts('password', 'key')
    .strict()
    .help()
    .alias('help', 'h')
    .version(version)
    .wrap(null)
    .exitProcess(false)
    .fail(false);
}

/** A flag given twice arrives as an array (yargs' duplicate-arguments-array): the last one wins, as with getopt. */
export function last<T>(v: T | T[] | undefined): T | undefined {
  return Array.isArray(v) ? v[v.length - 1] : v;
}
