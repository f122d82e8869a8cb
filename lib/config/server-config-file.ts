/**
 * The JSON configuration file of Python ssserver and shadowsocks-libev
 * (PROTOCOL.md section 6), mapped once, through {@link CONFIG_FILE_KEYS},
 * into the camelCase {@link ServerOptions} of the API.
 *
 *   {"server": "0.0.0.0", "server_port": 8388, "password": "..."}   (snake_case, as written by users)
 *        │ parseConfigFile()
 *        ▼
 *   { servers: [{host, port, password, ...}], warnings, logLevel }     (camelCase, one entry per port)
 *
 * Pure: no file system, no network. Every error is `ERR_SS_CONFIG` naming
 * the JSON key. Secrets never appear in messages.
 */
import { type ServerOptions } from '../server/server-options.js';
import { SERVER_MODES, type ServerMode } from './mode.js';
import { checkPort, checkString, typeName } from './check.js';
import { getMethod, METHOD_NAMES } from '../crypto/methods.js';
import { configError } from '../errors.js';
import type { LogLevel } from '../logger.js';
import { TargetFilter } from '../server/egress/target-filter.js';
import { parseNameservers } from '../server/egress/parse-nameservers.js';

/** The result of {@link parseConfigFile}. */
export interface ServerFileConfig {
  /** One entry per listening port: one, or one per `port_password` entry. */
  servers: ServerOptions[];
  /** Human-readable notes about keys that were accepted but ignored. */
  warnings: string[];
  /** From `verbose`, when present: `true`/1+ → debug, 0 → info, -1 → warn, -2 → error. */
  logLevel?: LogLevel;
  /** From `workers`, when present: how many processes serve the ports (1 to {@link MAX_WORKERS}). */
  workers?: number;
}

/** Work in progress while the keys are applied. */
interface Draft {
  common: ServerOptions;
  portPasswords: [port: number, password: string][] | undefined;
  warnings: string[];
  logLevel: LogLevel | undefined;
  workers: number | undefined;
}

/** The most worker processes `workers` / `--workers` may ask for. */
export const MAX_WORKERS = 256;

/** What one JSON key does to the draft; throws `ERR_SS_CONFIG` naming `key`. */
type KeyRule = (value: unknown, key: string, draft: Draft) => void;

const ignore = (why: string): KeyRule => (_value, key, draft) => {
  draft.warnings.push(`${key}: ${why}; ignored`);
};

const notSupported: KeyRule = (_value, key) => {
  throw configError(key, 'is not supported yet');
};

// SIP008 and many generated configs carry `"plugin": ""` for "no plugin".
const notSupportedUnlessEmpty: KeyRule = (value, key, draft) => {
  if (value !== '') notSupported(value, key, draft);
};

/**
 * The one table from JSON keys to options. Keys absent from it are refused.
 * Python ssserver 2.8.2 `shell.py` and libev 3.3.5 `jconf.c` are the sources.
 */
export const CONFIG_FILE_KEYS: Readonly<Record<string, KeyRule>> = Object.freeze({
  server: (v, k, d) => { d.common.host = toHostList(v, k); },
  server_port: (v, k, d) => { d.common.port = toPort(v, k, 0); },
  password: (v, k, d) => { d.common.password = toSecret(v, k); },
  key: (v, k, d) => { d.common.key = toSecret(v, k); },
  method: (v, k, d) => { d.common.method = toMethod(v, k); },
  timeout: (v, k, d) => { d.common.idleTimeoutMs = secondsToMs(v, k); },
  handshake_timeout: (v, k, d) => { d.common.handshakeTimeoutMs = secondsToMs(v, k); },
  connect_timeout: (v, k, d) => { d.common.connectTimeoutMs = secondsToMs(v, k); },
  forbidden_ip: (v, k, d) => { d.common.forbiddenIp = toIpList(v, k); },
  port_password: (v, k, d) => { d.portPasswords = toPortPasswords(v, k); },
  verbose: (v, k, d) => { d.logLevel = toLogLevel(v, k); },
  mode: (v, k, d) => { d.common.mode = toMode(v, k); },
  local_address: ignore('only used by the client'),
  local_port: ignore('only used by the client'),
  fast_open: ignore('TCP Fast Open is not supported'),
  workers: (v, k, d) => { d.workers = toWorkers(v, k); },
  nameserver: (v, k, d) => { d.common.nameservers = parseNameservers(v, k); },
  ipv6_first: (v, k, d) => { d.common.ipv6First = toBoolean(v, k); },
  no_delay: ignore('TCP_NODELAY is always on'),
  reuse_port: ignore('SO_REUSEPORT is not supported'),
  user: ignore('switching user is not supported (start the process as that user)'),
  plugin: notSupportedUnlessEmpty,
  plugin_opts: notSupportedUnlessEmpty,
  acl: notSupported,
  manager_address: notSupported,
});

/**
 * Maps a parsed JSON config (Python ssserver / shadowsocks-libev keys) to
 * server options. Only checks what it maps; the options still go through
 * `resolveServerOptions()` (via `createServer()`).
 *
 * `port_password` (`{"8381": "pw1", ...}`) yields one entry per port and
 * replaces `server_port` and `password`.
 * @throws SsError `ERR_SS_CONFIG` naming the key: unknown keys, wrong types,
 *   bad values, and keys not supported yet (`plugin`, `plugin_opts`, `acl`,
 *   `manager_address`)
 */
export function parseConfigFile(json: unknown): ServerFileConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw configError('config', `must be a JSON object, got ${typeName(json)}`);
  const draft: Draft = { common: {}, portPasswords: undefined, warnings: [], logLevel: undefined, workers: undefined };
  for (const [key, value] of Object.entries(json)) {
    if (!Object.hasOwn(CONFIG_FILE_KEYS, key)) throw configError(key, 'unknown key');
    CONFIG_FILE_KEYS[key]!(value, key, draft);
  }
  const result: ServerFileConfig = { servers: splitByPort(draft), warnings: draft.warnings };
  if (draft.logLevel !== undefined) result.logLevel = draft.logLevel;
  if (draft.workers !== undefined) result.workers = draft.workers;
  return result;
}

function splitByPort({ common, portPasswords, warnings }: Draft): ServerOptions[] {
  if (portPasswords === undefined) return [common];
  if (common.key !== undefined) throw configError('key', 'cannot be combined with port_password');
  if (common.port !== undefined || common.password !== undefined) warnings.push('port_password: replaces server_port and password');
  const shared = { ...common };
  delete shared.port;
  delete shared.password;
  return portPasswords.map(([port, password]) => ({ ...shared, port, password }));
}

/**
 * A port from a number or a decimal string (libev accepts both).
 * @internal
 */
export function toPort(v: unknown, key: string, min: number): number {
  const n = typeof v === 'string' && /^\d{1,6}$/.test(v) ? Number(v) : v;
  if (typeof n === 'string') throw configError(key, `must be a port number, got ${typeName(v)}`);
  const port = checkPort(n, key);
  if (port < min) throw configError(key, `must be between ${min} and 65535, got ${port}`);
  return port;
}

/**
 * A worker-process count (Python ssserver's `workers`): an integer from 1 to
 * {@link MAX_WORKERS}, as a number or a decimal string.
 * @internal
 */
export function toWorkers(v: unknown, key: string): number {
  const n = typeof v === 'string' && /^\d{1,4}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw configError(key, `must be an integer from 1 to ${MAX_WORKERS}, got ${typeName(v)}`);
  }
  return n;
}

/**
 * Seconds (a positive number or decimal string) to whole milliseconds.
 * @internal
 */
export function secondsToMs(v: unknown, key: string): number {
  const s = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) throw configError(key, `must be a positive number of seconds, got ${typeName(v)}`);
  const ms = Math.round(s * 1000);
  if (ms < 1 || ms > 2 ** 31 - 1) throw configError(key, `must be between 0.001 and ${Math.floor((2 ** 31 - 1) / 1000)} seconds, got ${s}`);
  return ms;
}

/**
 * IPs/CIDRs from a comma-separated string or an array of strings; empty
 * entries are dropped, so `""` and `[]` mean "forbid nothing". Entries are
 * checked here so that the error names `key`.
 * @internal
 */
export function toIpList(v: unknown, key: string): string[] {
  let entries: string[];
  if (typeof v === 'string') entries = v.split(',');
  else if (Array.isArray(v)) entries = v.map((e, i) => checkString(e, `${key}[${i}]`));
  else throw configError(key, `must be a comma-separated string or an array of strings, got ${typeName(v)}`);
  const list = entries.map((e) => e.trim()).filter((e) => e !== '');
  new TargetFilter(list, key);
  return list;
}

function toBoolean(v: unknown, key: string): boolean {
  if (typeof v !== 'boolean') throw configError(key, `must be true or false, got ${typeName(v)}`);
  return v;
}

function toHostList(v: unknown, key: string): string | string[] {
  if (typeof v === 'string') return checkHost(v, key);
  if (!Array.isArray(v)) throw configError(key, `must be a string or an array of strings, got ${typeName(v)}`);
  if (v.length === 0) throw configError(key, 'must not be an empty array');
  return v.map((h, i) => checkHost(checkString(h, `${key}[${i}]`), `${key}[${i}]`));
}

function checkHost(host: string, key: string): string {
  if (host.trim() === '') throw configError(key, 'must not be empty');
  return host;
}

/**
 * One of {@link SERVER_MODES}. Without `mode` the server runs TCP and UDP,
 * as Python ssserver does (libev defaults to tcp_only).
 * @internal
 */
export function toMode(v: unknown, key: string): ServerMode {
  const mode = checkString(v, key);
  if (!SERVER_MODES.includes(mode as ServerMode)) throw configError(key, `must be one of ${SERVER_MODES.join(', ')}, got '${mode}'`);
  return mode as ServerMode;
}

function toMethod(v: unknown, key: string): string {
  const name = checkString(v, key);
  if (getMethod(name) === undefined) throw configError(key, `unknown method '${name}' (supported: ${METHOD_NAMES.join(', ')})`);
  return name;
}

/** A password or key: the type is named, the value never is. */
function toSecret(v: unknown, key: string): string {
  if (typeof v !== 'string') throw configError(key, `must be a string, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
  if (v === '') throw configError(key, 'must not be empty');
  return v;
}

function toPortPasswords(v: unknown, key: string): [number, string][] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw configError(key, `must be an object of "port": "password", got ${typeName(v)}`);
  const entries = Object.entries(v);
  if (entries.length === 0) throw configError(key, 'must not be empty');
  const seen = new Set<number>();
  return entries.map(([p, password]) => {
    const port = toPort(p, `${key}.${p}`, 1);
    if (seen.has(port)) throw configError(`${key}.${p}`, `port ${port} is listed twice`);
    seen.add(port);
    return [port, toSecret(password, `${key}.${p}`)];
  });
}

function toLogLevel(v: unknown, key: string): LogLevel | undefined {
  if (typeof v === 'boolean') return v ? 'debug' : undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw configError(key, `must be a boolean or an integer, got ${typeName(v)}`);
  // Python ssserver: -v/-vv count up, -q/-qq count down.
  if (v >= 1) return 'debug';
  if (v === 0) return 'info';
  return v === -1 ? 'warn' : 'error';
}
