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

/** How log lines are written: `key=value` text, or one JSON object a line. */
export type LogFormat = 'text' | 'json';

/**
 * A logger writing one line per message to a stream (stderr by default),
 * with one structure in both formats (time, level, message, fields):
 *
 *   text: `2026-11-24T20:00:00.000Z info message key=value ...`
 *   json: `{"time":"2026-11-24T20:00:00.000Z","level":"info","msg":"message","key":"value",...}`
 *
 * An `Error` field is written as its message. Fields never hold secrets.
 */
export function createConsoleLogger(level: LogLevel = 'info', out: NodeJS.WritableStream = process.stderr, format: LogFormat = 'text'): Logger {
  const line = (lvl: LogLevel) => (message: string, fields?: Record<string, unknown>): void => {
    if (RANK[lvl] < RANK[level]) return;
    out.write(formatLogLine(format, new Date(), lvl, message, fields));
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

/** One log line (with its newline) in `format`: the structure every log of this package shares. */
export function formatLogLine(format: LogFormat, time: Date, level: string, message: string, fields?: Record<string, unknown>): string {
  if (format === 'json') {
    const entries = Object.entries(fields ?? {}).filter(([, v]) => v !== undefined).map(([k, v]) => [k, v instanceof Error ? v.message : v]);
    return `${JSON.stringify({ time: time.toISOString(), level, msg: message, ...Object.fromEntries(entries) })}\n`;
  }
  const extra = fields === undefined ? '' : Object.entries(fields).map(([k, v]) => ` ${k}=${formatValue(v)}`).join('');
  return `${time.toISOString()} ${level} ${message}${extra}\n`;
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  if (v instanceof Error) return JSON.stringify(v.message);
  return String(v);
}
