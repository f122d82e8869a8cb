/**
 * The converters of the settings tables: each turns a value as written (an
 * API option, a JSON value, or a flag's text) into its checked form, and
 * names the value as the user wrote it in its `ERR_SS_CONFIG` errors.
 * Secrets are never echoed.
 */
import { getMethod, METHOD_NAMES, methodUnavailable, type MethodName } from '../crypto/methods.js';
import { configError } from '../errors.js';
import type { LogLevel } from '../logger.js';
import type { Address } from '../protocol/address.js';
import { decodeHttpAuthority } from '../protocol/http-target.js';
import { parseIpRange, type IpRange } from '../protocol/ip-range.js';
import { checkInt, checkMs, checkString, NOT_UTF8, typeName } from './check.js';
import type { SettingSource } from './setting.js';

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** The most worker processes `workers` / `--workers` may ask for. */
export const MAX_WORKERS = 256;

/** A port: an integer from `min` to 65535; a file or flag may write it as decimal text (libev accepts both). */
export function toPort(v: unknown, key: string, min: number, source: SettingSource = 'file'): number {
  if (source === 'option') return checkInt(v, key, min, 65535);
  const n = typeof v === 'string' && /^\d{1,6}$/.test(v) ? Number(v) : v;
  if (typeof n === 'string') throw configError(key, `must be a port number, got ${typeName(v)}`);
  const port = checkInt(n, key, 0, 65535);
  if (port < min) throw configError(key, `must be between ${min} and 65535, got ${port}`);
  return port;
}

/** A duration in ms: whole ms as an option, seconds (a number or decimal text) in a file or flag. */
export function toDurationMs(v: unknown, key: string, source: SettingSource, allowZero = false): number {
  return source === 'option' ? checkMs(v, key, allowZero) : secondsToMs(v, key);
}

/** Seconds (a positive number or decimal string) to whole milliseconds. */
export function secondsToMs(v: unknown, key: string): number {
  const s = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) throw configError(key, `must be a positive number of seconds, got ${typeName(v)}`);
  const ms = Math.round(s * 1000);
  if (ms < 1 || ms > 2 ** 31 - 1) throw configError(key, `must be between 0.001 and ${Math.floor((2 ** 31 - 1) / 1000)} seconds, got ${s}`);
  return ms;
}

/** A supported method name: the one place "unknown method" is decided. */
export function toMethod(v: unknown, key: string): MethodName {
  const name = checkString(v, key);
  const spec = getMethod(name);
  if (spec === undefined) throw configError(key, `unknown method '${name}' (supported: ${METHOD_NAMES.join(', ')})`);
  const unavailable = methodUnavailable(spec);
  if (unavailable !== undefined) throw configError(key, unavailable);
  return spec.name as MethodName;
}

/**
 * A password or key: a non-empty string of Unicode text; the type is named,
 * the value never is.
 */
export function toSecret(v: unknown, key: string): string {
  if (typeof v !== 'string') throw configError(key, `must be a string, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
  if (v === '') throw configError(key, 'must not be empty');
  // A lone surrogate (an API string, or a JSON "\udfff" escape) has no UTF-8
  // form: Buffer.from() would write U+FFFD for it, so "\udfff" and "\udffe"
  // would derive one key. Refused rather than altered.
  if (/\p{Cs}/u.test(v)) throw configError(key, NOT_UTF8);
  return v;
}

/** A string that is not blank. */
export function toText(v: unknown, key: string): string {
  if (checkString(v, key).trim() === '') throw configError(key, 'must not be empty');
  return v as string;
}

/**
 * Addresses to listen on: one, or a non-empty list (repeated `--server`
 * flags arrive as a list).
 */
export function toHostList(v: unknown, key: string, source: SettingSource): string | string[] {
  if (source === 'flag') {
    const hosts = v as string[];
    if (hosts.length === 0 || hosts.some((h) => h.trim() === '')) throw configError(key, 'needs an address');
    hosts.forEach((h) => checkNotHostPort(h, key, source, 'server'));
    checkDistinct(hosts, key);
    return hosts.length === 1 ? hosts[0]! : hosts;
  }
  if (typeof v === 'string') return checkNotHostPort(toText(v, key), key, source, 'server');
  if (!Array.isArray(v)) throw configError(key, `must be a string or an array of strings, got ${typeName(v)}`);
  if (v.length === 0) throw configError(key, 'must not be an empty array');
  const hosts = v.map((h, i) => checkNotHostPort(toText(h, `${key}[${i}]`), `${key}[${i}]`, source, 'server'));
  checkDistinct(hosts, key);
  return hosts;
}

/** How the port setting of a side is written at each source. */
const PORT_NAMES = {
  server: { flag: '-p (--server-port)', file: '"server_port"', option: 'port' },
  client: { flag: '-p (--server-port)', file: '"server_port"', option: 'serverPort' },
} as const;

/**
 * Refuses `HOST:PORT` (or `[V6]:PORT`) where only an address goes, saying
 * where the port is given instead. An IPv6 literal (two colons or more)
 * passes; no host name contains a colon.
 * @returns `host`, unchanged
 */
export function checkNotHostPort(host: string, key: string, source: SettingSource, side: keyof typeof PORT_NAMES): string {
  if (/^(?:[^:[\]]+|\[[^\]]*\]):\d*$/.test(host.trim())) {
    throw configError(key, `'${host}' is HOST:PORT; give the address alone and the port with ${PORT_NAMES[side][source]}`);
  }
  return host;
}

function checkDistinct(hosts: readonly string[], key: string): void {
  const seen = new Set<string>();
  for (const h of hosts) {
    if (seen.has(h)) throw configError(key, `'${h}' is listed twice`);
    seen.add(h);
  }
}

/**
 * IP/CIDR ranges, parsed once: an array of strings, or (in a file or flag)
 * a comma-separated string. Blank entries are dropped, so `""` and `[]` mean
 * "none".
 */
export function toIpRanges(v: unknown, key: string, source: SettingSource): IpRange[] {
  let entries: string[];
  if (typeof v === 'string' && source !== 'option') entries = v.split(',');
  else if (Array.isArray(v)) entries = v.map((e, i) => checkString(e, `${key}[${i}]`));
  else if (source === 'option') throw configError(key, 'must be an array of IPs or CIDRs');
  else throw configError(key, `must be a comma-separated string or an array of strings, got ${typeName(v)}`);
  return entries.filter((e) => e.trim() !== '').map((e) => parseIpRange(e, key));
}

/** A tunnel target: `host:port`, `[v6]:port`, or `{host, port}`. */
export function toTunnel(v: unknown, key: string): Address {
  let text: string;
  if (typeof v === 'string') text = v;
  else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const { host, port } = v as { host?: unknown; port?: unknown };
    const h = checkString(host, `${key}.host`);
    text = `${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}:${checkInt(port, `${key}.port`, 1, 65535)}`;
  } else throw configError(key, `must be "host:port" or {host, port}, got ${typeName(v)}`);
  try {
    return decodeHttpAuthority(text);
  } catch {
    throw configError(key, `must be host:port with a port 1..65535, got ${JSON.stringify(text)}`);
  }
}

/** A SOCKS5 username or password: 1 to 255 bytes (RFC 1929); a username has no ':' (HTTP Basic). */
export function toSocksCredential(v: unknown, key: string, isUsername: boolean): string {
  const s = isUsername ? checkString(v, key) : toSecret(v, key);
  const n = Buffer.byteLength(s, 'utf8');
  if (n < 1 || n > 255) throw configError(key, `must be 1 to 255 bytes (RFC 1929), got ${n}`);
  if (isUsername && s.includes(':')) throw configError(key, 'must not contain ":" (HTTP Basic auth)');
  return s;
}

/** A worker-process count: an integer from 1 to {@link MAX_WORKERS}, as a number or decimal text. */
export function toWorkers(v: unknown, key: string): number {
  const n = typeof v === 'string' && /^\d{1,4}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw configError(key, `must be an integer from 1 to ${MAX_WORKERS}, got ${typeName(v)}`);
  }
  return n;
}

/**
 * A log level. In a file, `verbose` as ssserver counts it: `true`/1+ →
 * debug, 0 → info, -1 → warn, -2 → error, `false` → the default. As flags,
 * `--verbose` → debug, `--quiet` → error. As an option, a level's name.
 */
export function toLogLevel(v: unknown, key: string, source: SettingSource): LogLevel | undefined {
  if (source === 'flag') return v === true ? (key === '--quiet' ? 'error' : 'debug') : undefined;
  if (source === 'option') {
    if (!LOG_LEVELS.includes(v as LogLevel)) throw configError(key, `must be one of ${LOG_LEVELS.join(', ')}, got ${typeName(v)}`);
    return v as LogLevel;
  }
  if (typeof v === 'boolean') return v ? 'debug' : undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw configError(key, `must be a boolean or an integer, got ${typeName(v)}`);
  if (v >= 1) return 'debug';
  if (v === 0) return 'info';
  return v === -1 ? 'warn' : 'error';
}
