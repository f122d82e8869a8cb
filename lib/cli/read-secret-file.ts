/**
 * `--password-file` and `--key-file`: a secret read from a file, so that it
 * stays out of `ps` and `/proc/<pid>/cmdline` (which any user can read,
 * unlike a file of mode 600). For systemd's `LoadCredential=` and container
 * secrets (`/run/secrets/...`).
 *
 *   file "hunter2\n" ─▶ "hunter2"   (one trailing \n or \r\n stripped; UTF-8; one line; at most 4 KiB)
 *
 * A file that others can read is used, with a warning to `chmod 600` it.
 * The secret itself never appears in a message.
 */
import { stat } from 'node:fs/promises';
import { CONFIG_READ_TIMEOUT_MS } from '../constants.js';
import { NOT_UTF8 } from '../config/check.js';
import { configError } from '../errors.js';
import { readBoundedFile } from './read-bounded-file.js';

/** Largest secret file read, bytes: far above any password or base64 key. */
export const MAX_SECRET_FILE_BYTES = 4096;

/** A secret read by {@link readSecretFile}. */
export interface SecretFromFile {
  secret: string;
  /** Set when group or other users can read the file. */
  warning?: string;
}

/**
 * Reads the secret in `path`: its first and only line.
 * @param flag how errors name it (`--password-file`)
 * @throws SsError `ERR_SS_CONFIG` naming the flag and the file: unreadable,
 *   larger than {@link MAX_SECRET_FILE_BYTES}, empty, not UTF-8, or more
 *   than one line
 */
export async function readSecretFile(path: string, flag: string): Promise<SecretFromFile> {
  const where = `${flag} '${path}'`;
  const bytes = await readBoundedFile(path, where, { maxBytes: MAX_SECRET_FILE_BYTES, timeoutMs: CONFIG_READ_TIMEOUT_MS });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw configError(where, NOT_UTF8);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw configError(where, 'is empty');
  if (/[\r\n]/.test(secret)) throw configError(where, 'must hold the secret on one line (a trailing line break is fine)');
  const result: SecretFromFile = { secret };
  const mode = await modeOf(path);
  // 0o044: readable by the group or by others (a systemd credential is 0400, a docker secret 0444).
  if (mode !== undefined && (mode & 0o044) !== 0) result.warning = `${where}: can be read by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); chmod 600 it`;
  return result;
}

/** The flags that name secret files, and the secret flags they stand for. */
export interface SecretFileArgs {
  password?: string;
  key?: string;
  passwordFile?: string;
  keyFile?: string;
}

/**
 * Replaces `passwordFile` and `keyFile` in `args` with the `password` and
 * `key` they hold (the command line refuses `-k` with `--password-file`,
 * so nothing given is overwritten). Call it again to re-read the files.
 * @throws SsError `ERR_SS_CONFIG` as {@link readSecretFile}
 */
export async function withSecretFiles<T extends SecretFileArgs>(args: T): Promise<{ args: T; warnings: string[] }> {
  const out = { ...args };
  const warnings: string[] = [];
  for (const [file, flag, secret] of [['passwordFile', '--password-file', 'password'], ['keyFile', '--key-file', 'key']] as const) {
    const path = args[file];
    if (path === undefined) continue;
    const read = await readSecretFile(path, flag);
    out[secret] = read.secret;
    if (read.warning !== undefined) warnings.push(read.warning);
  }
  return { args: out, warnings };
}

async function modeOf(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.mode : undefined;
  } catch {
    return undefined;
  }
}
