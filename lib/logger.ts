/**
 * The logger shape the server and client accept. Every method takes a
 * message and optional structured fields. Passwords and keys are never
 * passed to it.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const noop = (): void => {};

/** A logger that drops everything: the default. */
export const NOOP_LOGGER: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/** Log levels, quietest last. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/**
 * A logger writing one line per message to a stream (stderr by default):
 * `2026-11-24T20:00:00.000Z info message key=value ...`.
 */
export function createConsoleLogger(level: LogLevel = 'info', out: NodeJS.WritableStream = process.stderr): Logger {
  const line = (lvl: LogLevel) => (message: string, fields?: Record<string, unknown>): void => {
    if (RANK[lvl] < RANK[level]) return;
    const extra = fields === undefined ? '' : Object.entries(fields).map(([k, v]) => ` ${k}=${formatValue(v)}`).join('');
    out.write(`${new Date().toISOString()} ${lvl} ${message}${extra}\n`);
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  if (v instanceof Error) return JSON.stringify(v.message);
  return String(v);
}
