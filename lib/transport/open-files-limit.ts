/**
 * The process's limit of open files (the soft `RLIMIT_NOFILE`, `ulimit -n`),
 * which Node has no API for: read from `/proc/self/limits` on Linux.
 *
 *   Limit                     Soft Limit           Hard Limit           Units
 *   Max open files            1024                 524288               files
 *
 * Node raises its own soft limit to the hard limit at startup, so the value
 * read here is the one in force (a `ulimit -n` in the shell that started it
 * sets both). Every socket, listener, file and pipe takes one descriptor.
 */
import { readFileSync } from 'node:fs';

/** Where Linux shows the limits of the current process. */
export const PROC_LIMITS_PATH = '/proc/self/limits';

/**
 * The soft limit of open files in the text of a `/proc/<pid>/limits` file:
 * a positive integer, `Infinity` for `unlimited`, or `undefined` when the
 * line is missing or unreadable.
 */
export function parseOpenFilesLimit(text: string): number | undefined {
  const m = /^Max open files[ \t]+(\S+)/m.exec(text);
  if (m === null) return undefined;
  if (m[1] === 'unlimited') return Infinity;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/**
 * The soft limit of open files of this process, or `undefined` where it
 * cannot be read (not Linux, no /proc).
 */
export function readOpenFilesLimit(path = PROC_LIMITS_PATH): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
  return parseOpenFilesLimit(text);
}
