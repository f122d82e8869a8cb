/**
 * What both commands talk to (their output, signals, exit and environment),
 * `process` by default and a fake in tests, and how they report a failure.
 */
import { isSsError } from '../errors.js';
import type { SecretEnv } from './env-secret.js';

/** Exit status: bad flags or configuration; nothing was started. */
export const EXIT_USAGE = 2;

/** What a command talks to; `process` by default. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Where signals arrive: SIGINT and SIGTERM stop; SIGHUP, SIGUSR1 and SIGUSR2 are logged and ignored. */
  signals: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  /** Ends the process at once (on a second signal). */
  exit(code: number): void;
  /** Where SS_SERVER_PASSWORD / SS_SERVER_KEY are read: `process.env` by default, none when absent. */
  env?: SecretEnv;
}

/** The real process as a {@link CliIo}. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, signals: process, exit: (code) => process.exit(code), env: process.env };
}

/**
 * Writes `name: message` to stderr (with a pointer to `--help` for a usage
 * error that is not one of ours) and returns `code`.
 */
export function reportFailure(io: CliIo, name: string, err: unknown, code: number): number {
  const hint = code === EXIT_USAGE && !isSsError(err) ? `\nTry '${name} --help'.` : '';
  io.stderr.write(`${name}: ${(err as Error).message}${hint}\n`);
  return code;
}
