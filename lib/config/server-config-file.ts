/**
 * The JSON configuration file of Python ssserver and shadowsocks-libev
 * (PROTOCOL.md section 6), mapped once into the camelCase options of the
 * API: the keys of a setting are read through its row in
 * {@link SERVER_SETTINGS} (or {@link SERVER_PROCESS_SETTINGS}), and the keys
 * that are no setting (`port_password`, ignored and unsupported keys) through
 * {@link CONFIG_FILE_KEYS}.
 *
 *   {"server": "0.0.0.0", "server_port": 8388, "password": "..."}   (snake_case, as written by users)
 *        │ parseConfigFile()
 *        ▼
 *   { servers: [{host, port, password, ...}], warnings, logLevel }     (camelCase, one entry per port)
 *
 * Pure: no file system, no network. Every error is `ERR_SS_CONFIG` naming
 * the JSON key. Secrets never appear in messages.
 */
import { configError } from '../errors.js';
import type { LogLevel } from '../logger.js';
import { typeName } from './check.js';
import { MAX_WORKERS, toPort, toSecret } from './converters.js';
import { SERVER_PROCESS_SETTINGS, SERVER_SETTINGS, type ServerProcessSettings, type ServerSettings } from './server-settings.js';
import { convertToOption, jsonKeysOf, type Setting } from './setting.js';
import type { ManagerAddress } from './manager-address.js';

export { MAX_WORKERS };

/** The result of {@link parseConfigFile}. */
export interface ServerFileConfig extends ServerProcessSettings {
  /** One entry per listening port: one, or one per `port_password` entry. */
  servers: ServerSettings[];
  /** Human-readable notes about keys that were accepted but ignored. */
  warnings: string[];
  /** From `verbose`, when present: `true`/1+ → debug, 0 → info, -1 → warn, -2 → error. */
  logLevel?: LogLevel;
  /** From `workers`, when present: how many processes serve the ports (1 to {@link MAX_WORKERS}). */
  workers?: number;
  /** From `manager_address`, when present. */
  managerAddress?: ManagerAddress;
}

/** Work in progress while the keys are applied. */
interface Draft {
  common: ServerSettings;
  portPasswords: [port: number, entry: PortEntry][] | undefined;
  warnings: string[];
  /** The process settings seen (`verbose`, `workers`, `metrics` ...). */
  process: ServerProcessSettings;
}

/** What one `port_password` entry sets: a password (the classic string form), or an object of password, key and users. */
type PortEntry = Pick<ServerSettings, 'password' | 'key' | 'users'>;

/** What one JSON key that is no setting does to the draft; throws `ERR_SS_CONFIG` naming `key`. */
type KeyRule = (value: unknown, key: string, draft: Draft) => void;

const ignore = (why: string): KeyRule => (_value, key, draft) => {
  draft.warnings.push(`${key}: ${why}; ignored`);
};

const notSupported: KeyRule = (_value, key) => {
  throw configError(key, 'is not supported yet');
};

/**
 * The JSON keys that are no setting. Keys that are neither here nor in a
 * settings table are refused. Python ssserver 2.8.2 `shell.py` and libev
 * 3.3.5 `jconf.c` are the sources.
 */
export const CONFIG_FILE_KEYS: Readonly<Record<string, KeyRule>> = Object.freeze({
  port_password: (v, k, d) => { d.portPasswords = toPortPasswords(v, k); },
  local_address: ignore('only used by the client'),
  local_port: ignore('only used by the client'),
  fast_open: ignore('TCP Fast Open is not supported'),
  no_delay: ignore('TCP_NODELAY is always on'),
  reuse_port: ignore('SO_REUSEPORT is not supported'),
  user: ignore('switching user is not supported (start the process as that user)'),
  acl: notSupported,
});

const SETTING_KEYS = jsonKeysOf(SERVER_SETTINGS);
const PROCESS_KEYS = jsonKeysOf(SERVER_PROCESS_SETTINGS);

/**
 * Maps a parsed JSON config (Python ssserver / shadowsocks-libev keys) to
 * server options, each value checked by its setting's converter.
 *
 * `port_password` (`{"8381": "pw1", ...}`) yields one entry per port and
 * replaces `server_port` and `password`. An entry may also be an object,
 * `{"password"|"key": ..., "users": [...]}`: that port's own users; a port
 * without its own gets the top-level `users`.
 * @throws SsError `ERR_SS_CONFIG` naming the key: unknown keys, wrong types,
 *   bad values, and keys not supported yet (`acl`). `"plugin": ""` (SIP008,
 *   generated configs) means no plugin; with `port_password` every port gets the plugin
 */
export function parseConfigFile(json: unknown): ServerFileConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw configError('config', `must be a JSON object, got ${typeName(json)}`);
  const draft: Draft = { common: {}, portPasswords: undefined, warnings: [], process: {} };
  for (const [key, value] of Object.entries(json)) applyKey(draft, key, value);
  const result: ServerFileConfig = { servers: splitByPort(draft), warnings: draft.warnings };
  for (const [setting, value] of Object.entries(draft.process)) if (value !== undefined) (result as unknown as Record<string, unknown>)[setting] = value;
  return result;
}

function applyKey(draft: Draft, key: string, value: unknown): void {
  const option = SETTING_KEYS.get(key) as keyof ServerSettings | undefined;
  if (option !== undefined) {
    (draft.common as Record<string, unknown>)[option] = convertToOption(SERVER_SETTINGS[option] as Setting<unknown, unknown>, value, key, 'file');
  } else if (PROCESS_KEYS.has(key)) {
    const setting = PROCESS_KEYS.get(key) as keyof ServerProcessSettings;
    (draft.process as Record<string, unknown>)[setting] = (SERVER_PROCESS_SETTINGS[setting] as Setting<unknown, unknown>).convert(value, key, 'file');
  } else if (Object.hasOwn(CONFIG_FILE_KEYS, key)) {
    CONFIG_FILE_KEYS[key]!(value, key, draft);
  } else {
    throw configError(key, 'unknown key');
  }
}

function splitByPort({ common, portPasswords, warnings }: Draft): ServerSettings[] {
  if (portPasswords === undefined) return [common];
  if (common.key !== undefined) throw configError('key', 'cannot be combined with port_password');
  if (common.port !== undefined || common.password !== undefined) warnings.push('port_password: replaces server_port and password');
  const shared = { ...common };
  delete shared.port;
  delete shared.password;
  return portPasswords.map(([port, entry]) => ({ ...shared, port, ...entry }));
}

const PORT_ENTRY_KEYS: readonly (keyof PortEntry)[] = ['password', 'key', 'users'];

function toPortEntry(v: unknown, key: string): PortEntry {
  if (typeof v === 'string' || v === null || typeof v !== 'object' || Array.isArray(v)) return { password: toSecret(v, key) };
  const entry: PortEntry = {};
  for (const [k, value] of Object.entries(v)) {
    if (!(PORT_ENTRY_KEYS as string[]).includes(k)) throw configError(`${key}.${k}`, 'unknown key (a port has password, key and users)');
    (entry as Record<string, unknown>)[k] = convertToOption(SERVER_SETTINGS[k as keyof PortEntry] as Setting<unknown, unknown>, value, `${key}.${k}`, 'file');
  }
  return entry;
}

function toPortPasswords(v: unknown, key: string): [number, PortEntry][] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw configError(key, `must be an object of "port": "password", got ${typeName(v)}`);
  const entries = Object.entries(v);
  if (entries.length === 0) throw configError(key, 'must not be empty');
  const seen = new Set<number>();
  return entries.map(([p, password]) => {
    const port = toPort(p, `${key}.${p}`, 1);
    if (seen.has(port)) throw configError(`${key}.${p}`, `port ${port} is listed twice`);
    seen.add(port);
    return [port, toPortEntry(password, `${key}.${p}`)];
  });
}
