/**
 * Logs running out of file descriptors (EMFILE: this process's limit;
 * ENFILE: the system's file table), at warn level, at most once per kind per
 * interval with the count of the ones held back, so that a flood cannot turn
 * into a flood of log lines.
 *
 *   2026-11-29T17:00:00.000Z warn out of file descriptors on=connect code=EMFILE limit=64 suppressed=0 hint="..."
 *
 * Where it shows (measured on Linux, Node 20): an outbound connect fails
 * with EMFILE/ENFILE (socket() fails), and so does the implicit bind of a
 * new UDP socket. An accept that hits the limit is usually invisible: libuv
 * keeps a spare descriptor, and on EMFILE frees it to accept and close the
 * waiting connections itself (the client usually sees a FIN), so the listener
 * reports `accept EMFILE` only when that trick fails.
 */
import type { Logger } from '../logger.js';
import { RateLimiter, type RateLimiterOptions } from './rate-limiter.js';

/** Where descriptors ran out: accepting, dialing a target, opening a UDP association socket. */
export type FdExhaustionSite = 'accept' | 'connect' | 'udp';

const HINTS: Record<string, string> = {
  EMFILE: 'the per-process limit of open files is reached: raise it (ulimit -n, systemd LimitNOFILE=)',
  ENFILE: 'the system-wide limit of open files is reached: raise fs.file-max',
};

/** True for an error that means no file descriptor was left (`EMFILE` or `ENFILE`). */
export function isFdExhaustion(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | null | undefined)?.code;
  return code === 'EMFILE' || code === 'ENFILE';
}

/** Options of {@link FdExhaustionLog}. */
export interface FdExhaustionLogOptions extends RateLimiterOptions {
  /** The limit of open files, shown in the line. Default: not shown. */
  openFilesLimit?: number | undefined;
}

/** A rate-limited warning for EMFILE/ENFILE, one kind per {@link FdExhaustionSite}. */
export class FdExhaustionLog {
  readonly #logger: Logger;
  readonly #limiter: RateLimiter;
  readonly #limit: number | undefined;

  constructor(logger: Logger, options: FdExhaustionLogOptions = {}) {
    this.#logger = logger;
    this.#limiter = new RateLimiter(options);
    this.#limit = options.openFilesLimit;
  }

  /**
   * Logs `err` if it is EMFILE or ENFILE (unless a line for `site` was
   * written within the interval, in which case it is only counted).
   * Returns whether `err` was one.
   */
  report(site: FdExhaustionSite, err: unknown): boolean {
    if (!isFdExhaustion(err)) return false;
    const code = err.code!;
    const held = this.#limiter.take(`${site} ${code}`);
    if (held === undefined) return true;
    this.#logger.warn('out of file descriptors', { on: site, code, limit: this.#limit ?? 'unknown', suppressed: held, hint: HINTS[code] });
    return true;
  }
}
