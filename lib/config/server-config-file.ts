/**
 * The JSON configuration file of Python ssserver and shadowsocks-libev
 * (PROTOCOL.md section 6), mapped once into the camelCase options of the
 * API: the keys of a setting are read through its row in
 * {@link SERVER_SETTINGS} (or {@link SERVER_PROCESS_SETTINGS}), the keys
 * that are no setting (`port_password`, rust's `servers`, unsupported keys)
 * through {@link CONFIG_FILE_KEYS}, libev keys we do not act on through
 * `IGNORED_CONFIG_KEYS` (ignored-config-keys.ts), and `ss-stream-local`'s keys (a config shared
 * by both sides) with one warning each.
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
import { didYouMean } from './closest-name.js';
import { IGNORED_KEY_NAMES, ignoredKeyWarning } from './ignored-config-keys.js';
import { LOCAL_SETTINGS } from './local-settings.js';
import { readServersArray, type ServersEntry } from './servers-array.js';

export { MAX_WORKERS };

/** The result of {@link parseConfigFile}. */
export interface ServerFileConfig extends ServerProcessSettings {
  /** One entry per listening port: one, or one per `port_password` or `servers` entry. */
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
  /** shadowsocks-rust's `servers` array, when given. */
  serversArray: ServersEntry[] | undefined;
  warnings: string[];
  /** The process settings seen (`verbose`, `workers`, `metrics` ...). */
  process: ServerProcessSettings;
}

/** What one `port_password` entry sets: a password (the classic string form), or an object of password, key and users. */
type PortEntry = Pick<ServerSettings, 'password' | 'key' | 'users'>;

/** What one JSON key that is no setting does to the draft; throws `ERR_SS_CONFIG` naming `key`. */
type KeyRule = (value: unknown, key: string, draft: Draft) => void;

const notSupported = (why: string): KeyRule => (_value, key) => {
  throw configError(key, why);
};

/**
 * The JSON keys that are no setting. Keys that are neither here, nor in a
 * settings table, nor ignored (libev keys, `ss-stream-local`'s keys) are
 * refused. Python ssserver 2.8.2 `shell.py`, libev 3.3.5 `jconf.c` and
 * shadowsocks-rust's `servers` are the sources.
 */
export const CONFIG_FILE_KEYS: Readonly<Record<string, KeyRule>> = Object.freeze({
  port_password: (v, k, d) => { d.portPasswords = toPortPasswords(v, k); },
  servers: (v, k, d) => { d.serversArray = readServersArray(v, k); },
  // Ignoring an ACL would let clients reach what it was written to block.
  acl: notSupported('is not supported yet (refused rather than ignored: the ACL would not apply)'),
});

const SETTING_KEYS = jsonKeysOf(SERVER_SETTINGS);
const PROCESS_KEYS = jsonKeysOf(SERVER_PROCESS_SETTINGS);
/** Keys only `ss-stream-local` reads (`local_address`, `local_port`, `tunnel_address` ...). */
const CLIENT_KEYS = [...jsonKeysOf(LOCAL_SETTINGS).keys()].filter((k) => !SETTING_KEYS.has(k) && !PROCESS_KEYS.has(k));
const KNOWN_KEYS = [...SETTING_KEYS.keys(), ...PROCESS_KEYS.keys(), ...Object.keys(CONFIG_FILE_KEYS), ...IGNORED_KEY_NAMES, ...CLIENT_KEYS];

/**
 * Maps a parsed JSON config (Python ssserver / shadowsocks-libev keys) to
 * server options, each value checked by its setting's converter.
 *
 * `port_password` (`{"8381": "pw1", ...}`) yields one entry per port and
 * replaces `server_port` and `password`. An entry may also be an object,
 * `{"password"|"key": ..., "users": [...]}`: that port's own users; a port
 * without its own gets the top-level `users`.
 *
 * `servers` (shadowsocks-rust) yields one entry per enabled server; the
 * top-level keys are defaults for every entry. Two entries (or ports) that
 * would listen on the same address are refused, naming both.
 *
 * libev keys we do not act on, and the client's keys, are accepted with one
 * warning each (none when the value is what we do anyway, as
 * `"fast_open": false`). `"plugin": ""` (SIP008, generated configs) means no
 * plugin; with `port_password` every port gets the plugin.
 * @throws SsError `ERR_SS_CONFIG` naming the key: unknown keys (with the
 *   nearest known one), wrong types, bad values, the same address twice,
 *   and keys not supported yet (`acl`)
 */
export function parseConfigFile(json: unknown): ServerFileConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw configError('config', `must be a JSON object, got ${typeName(json)}`);
  const draft: Draft = { common: {}, portPasswords: undefined, serversArray: undefined, warnings: [], process: {} };
  for (const [key, value] of Object.entries(json)) applyKey(draft, key, value);
  const result: ServerFileConfig = { servers: draft.serversArray === undefined ? splitByPort(draft) : fromServersArray(draft), warnings: draft.warnings };
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
    const warning = ignoredKeyWarning(key, value) ?? (CLIENT_KEYS.includes(key) ? `${key}: only used by ss-stream-local; ignored` : undefined);
    if (warning === undefined) throw configError(key, `unknown key${didYouMean(key, KNOWN_KEYS)}`);
    if (warning !== '') draft.warnings.push(warning);
  }
}

function fromServersArray({ common, portPasswords, serversArray }: Draft): ServerSettings[] {
  if (portPasswords !== undefined) throw configError('servers', 'cannot be combined with port_password: give each port as a servers entry');
  const listeners = new Map<string, string>();
  return serversArray!.map(({ at, json }) => {
    const own: ServerSettings = {};
    for (const [k, value] of Object.entries(json)) {
      const option = SETTING_KEYS.get(k) as keyof ServerSettings;
      (own as Record<string, unknown>)[option] = convertToOption(SERVER_SETTINGS[option] as Setting<unknown, unknown>, value, `${at}.${k}`, 'file');
    }
    const merged: ServerSettings = { ...common, ...own };
    // An entry's own password replaces a top-level key, and the other way round.
    if (own.password !== undefined && own.key === undefined) delete merged.key;
    if (own.key !== undefined && own.password === undefined) delete merged.password;
    for (const address of listenAddresses(merged)) {
      const other = listeners.get(address);
      if (other !== undefined) throw configError(at, `listens on ${address}, as ${other} does: give each server its own port (or address)`);
      listeners.set(address, at);
    }
    return merged;
  });
}

// host:port pairs a server listens on; port 0 (any free one) never clashes.
function listenAddresses({ host, port }: ServerSettings): string[] {
  if (port === 0) return [];
  const p = port ?? SERVER_SETTINGS.port.default;
  return ([] as string[]).concat(host ?? '(all interfaces)').map((h) => `${h.includes(':') ? `[${h}]` : h}:${p}`);
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
