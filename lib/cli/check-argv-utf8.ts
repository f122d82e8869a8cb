/**
 * Refuses command-line arguments that are not UTF-8 (`-k $'\xff'`).
 *
 * Node decodes argv lossily: each bad byte sequence becomes U+FFFD, so
 * `-k $'pw\xff'` and `-k $'pw\xfe'` would both mean the password "pw\uFFFD",
 * one key for two passwords, and not the key libev derives from the raw
 * bytes. The raw bytes are only in /proc/self/cmdline (Linux); elsewhere
 * nothing is checked.
 */
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { NOT_UTF8 } from '../config/check.js';
import { configError } from '../errors.js';

/**
 * The raw arguments of this process (`node`, its options, the script, the
 * arguments), from /proc/self/cmdline; undefined where it cannot be read.
 */
export function readRawArgv(): Buffer[] | undefined {
  let cmdline: Buffer;
  try {
    cmdline = readFileSync('/proc/self/cmdline');
  } catch {
    return undefined;
  }
  const args: Buffer[] = [];
  for (let start = 0, end; (end = cmdline.indexOf(0, start)) >= 0; start = end + 1) args.push(cmdline.subarray(start, end));
  return args;
}

/**
 * Throws if an argument of `argv` came from bytes that are not UTF-8: the
 * last `argv.length` raw arguments are matched to `argv`, and one counts
 * only if its lossy decoding is the argument (so an `argv` that is not this
 * process's own is never blamed). The error names the flag, never the value.
 * @param argv the arguments as Node decoded them (without `node` and the script)
 * @param raw the raw arguments; default {@link readRawArgv}
 * @throws SsError `ERR_SS_CONFIG` naming the flag (`-k`, `--password`) or the argument's position
 */
export function checkArgvUtf8(argv: readonly string[], raw: readonly Buffer[] | undefined = readRawArgv()): void {
  if (raw === undefined || raw.length < argv.length) return;
  const tail = raw.slice(raw.length - argv.length);
  for (const [i, bytes] of tail.entries()) {
    if (!isUtf8(bytes) && bytes.toString('utf8') === argv[i]) throw configError(nameOf(argv, i), NOT_UTF8);
  }
}

// `--password=…` and `-k…` name themselves; a lone value is named by the flag before it.
function nameOf(argv: readonly string[], i: number): string {
  const arg = argv[i]!;
  const long = /^(--[^=]+)=/.exec(arg);
  if (long !== null) return long[1]!;
  if (/^-[^-]/.test(arg)) return arg.slice(0, 2);
  const before = argv[i - 1];
  return before?.startsWith('-') === true ? before : `argument ${i + 1}`;
}
