/**
 * Converters of the log settings of a process: the line format and the
 * access log's destination.
 */
import { configError } from '../errors.js';
import type { LogFormat } from '../logger.js';
import { typeName } from './check.js';

export type { LogFormat };

/** The log formats, default first. */
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

/**
 * Converts `text` or `json`.
 * @throws SsError `ERR_SS_CONFIG` naming `key`
 */
export function toLogFormat(v: unknown, key: string): LogFormat {
  if (!LOG_FORMATS.includes(v as LogFormat)) throw configError(key, `must be one of ${LOG_FORMATS.join(', ')}, got ${typeName(v)}`);
  return v as LogFormat;
}

/**
 * Converts an access log destination: `-` (stderr) or a file path (appended to).
 * @throws SsError `ERR_SS_CONFIG` naming `key`
 */
export function toAccessLog(v: unknown, key: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw configError(key, `must be '-' (stderr) or a file path, got ${typeName(v)}`);
  if (v.includes('\0')) throw configError(key, 'must not contain a NUL character');
  return v;
}
