/**
 * Settings of the process that both commands share, one row each: where a
 * secret comes from when it is not on the command line, and the limit of
 * open files libev's `nofile` asks for. Only the CLIs read them (a file is
 * read and a limit checked there, not in this pure layer).
 *
 *   option        JSON key   flag              read by
 *   passwordFile  —          --password-file   the CLI: the file's first line is the password
 *   keyFile       —          --key-file        the CLI: the file's first line is the key (base64)
 *   nofile        nofile     --nofile, -n      the CLI: warns when `ulimit -n` is lower
 */
import { configError } from '../errors.js';
import { typeName } from './check.js';
import { toText } from './converters.js';
import type { SettingsTable } from './setting.js';

/** Largest `nofile` accepted: Linux's `fs.nr_open` ceiling (2^30). */
export const MAX_NOFILE = 2 ** 30;

/** The process settings both commands have. */
export interface SharedProcessSettings {
  /** A file whose first line is the password (kept out of `ps`, unlike `-k`). */
  passwordFile?: string;
  /** A file whose first line is the raw key, base64 (kept out of `ps`, unlike `--key`). */
  keyFile?: string;
  /** Open files wanted (libev's `nofile`, `-n`): checked against `ulimit -n`, which Node cannot raise itself. */
  nofile?: number;
}

/** The shared process settings, one row each (no API option: the CLIs read them). */
export const SHARED_PROCESS_SETTINGS = Object.freeze({
  passwordFile: { json: [], flags: ['password-file'], convert: toText, doc: 'Read the password from the first line of this file (not shown in ps, unlike -k)' },
  keyFile: { json: [], flags: ['key-file'], convert: toText, doc: 'Read the raw key (base64) from the first line of this file (not shown in ps, unlike --key)' },
  nofile: { json: ['nofile'], flags: ['nofile'], alias: 'n', convert: toNofile, doc: 'Open files wanted; warns with the ulimit -n / LimitNOFILE to set when the limit is lower' },
} satisfies SettingsTable<SharedProcessSettings>);

/** A count of open files: an integer from 1 to {@link MAX_NOFILE}, as a number or decimal text. */
export function toNofile(v: unknown, key: string): number {
  const n = typeof v === 'string' && /^\d{1,10}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_NOFILE) throw configError(key, `must be an integer from 1 to ${MAX_NOFILE}, got ${typeName(v)}`);
  return n;
}
