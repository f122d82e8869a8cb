/**
 * The shadowsocks-libev `ss-local` JSON configuration file, mapped once into
 * the camelCase options of the API: each key is read through its row in
 * {@link LOCAL_SETTINGS}. The same file as the server's works too: the
 * server's keys, and libev keys we do not act on, are accepted with one
 * warning each; a shadowsocks-rust `servers` array gives the server (its
 * first entry). Pure; every error is `ERR_SS_CONFIG` naming the key.
 *
 *   {"server": "203.0.113.1", "server_port": 8388, "local_port": 1080, "password": "...", "port_password": {...}}
 *        │ readLocalConfigFile()
 *        ▼
 *   { options: {server, serverPort, port, password}, warnings: ['port_password: only used by ss-stream-server; ignored'] }
 */
import { configError } from '../errors.js';
import { typeName } from './check.js';
import { didYouMean } from './closest-name.js';
import { IGNORED_KEY_NAMES, ignoredKeyWarning } from './ignored-config-keys.js';
import { LOCAL_SETTINGS, type LocalSettings } from './local-settings.js';
import { SERVER_PROCESS_SETTINGS, SERVER_SETTINGS } from './server-settings.js';
import { readServersArray } from './servers-array.js';
import { convertToOption, jsonKeysOf, type Setting } from './setting.js';
import { toNofile } from './shared-process-settings.js';
import { toLogLevel } from './converters.js';
import { toLogFormat, type LogFormat } from './log-output-converters.js';
import type { LogLevel } from '../logger.js';

/** The result of {@link readLocalConfigFile}. */
export interface LocalFileConfig {
  /** The client's options. */
  options: LocalSettings;
  /** One line per key accepted but not acted on. */
  warnings: string[];
  /** From `nofile`, when present: the open files wanted. */
  nofile?: number;
  /** From `verbose`, when present, counted as ssserver does (`true`/1+ → debug ... -2 → error). */
  logLevel?: LogLevel;
  /** From `log_format`, when present. */
  logFormat?: LogFormat;
}

const SETTING_KEYS = jsonKeysOf(LOCAL_SETTINGS);

/** The process keys both commands act on. */
const PROCESS_KEYS = new Set(['nofile', 'verbose', 'log_format']);

/** Keys only `ss-stream-server` reads. */
const SERVER_ONLY_KEYS = [...jsonKeysOf(SERVER_SETTINGS).keys(), ...jsonKeysOf(SERVER_PROCESS_SETTINGS).keys(), 'port_password']
  .filter((k) => !SETTING_KEYS.has(k) && !PROCESS_KEYS.has(k));

const KNOWN_KEYS = [...SETTING_KEYS.keys(), 'servers', 'acl', ...PROCESS_KEYS, ...IGNORED_KEY_NAMES, ...SERVER_ONLY_KEYS];

/**
 * Maps a parsed `ss-local` JSON config (`server`, `server_port`,
 * `local_address`, `local_port`, `password` or `key`, `method`, `timeout`
 * in seconds, `tunnel_address`, `mode`, the SIP003 `plugin`, `plugin_opts`,
 * `plugin_args`, `plugin_mode`; `"plugin": ""` is none) to options, with a warning for each
 * key accepted but not acted on. Unknown keys are refused (naming the
 * nearest known one), so that a typo is not silently ignored.
 *
 * `verbose`, `log_format` and `nofile` are read as by the server.
 *
 * `servers` (shadowsocks-rust): the first enabled entry gives `server`,
 * `server_port`, `password`/`key`, `method`, `timeout` and `mode` over the
 * top-level keys; more entries are named in a warning.
 * @throws SsError `ERR_SS_CONFIG` naming the key: unknown keys, wrong types or values
 */
export function readLocalConfigFile(json: unknown): LocalFileConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw configError('config', `must be a JSON object, got ${typeName(json)}`);
  const options: Record<string, unknown> = {};
  const result: LocalFileConfig = { options, warnings: [] };
  let servers: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(json)) {
    const option = SETTING_KEYS.get(key);
    if (option !== undefined) options[option] = convertToOption(LOCAL_SETTINGS[option as keyof LocalSettings] as Setting<unknown, unknown>, value, key, 'file');
    else if (key === 'servers') servers = firstServer(value, key, result.warnings);
    else if (PROCESS_KEYS.has(key)) readProcessKey(result, key, value);
    else if (key === 'acl') throw configError(key, 'is not supported yet (refused rather than ignored: the ACL would not apply)');
    else warnAbout(key, value, result.warnings);
  }
  if (servers !== undefined) applyServer(options, servers);
  return result;
}

/**
 * Maps a parsed `ss-local` JSON config to options, as
 * {@link readLocalConfigFile}, leaving out the warnings.
 * @throws SsError `ERR_SS_CONFIG` naming the key: unknown keys, wrong types or values
 */
export function parseLocalConfigFile(json: unknown): LocalSettings {
  return readLocalConfigFile(json).options;
}

function readProcessKey(result: LocalFileConfig, key: string, value: unknown): void {
  if (key === 'nofile') result.nofile = toNofile(value, key);
  else if (key === 'log_format') result.logFormat = toLogFormat(value, key);
  else {
    const level = toLogLevel(value, key, 'file');
    if (level !== undefined) result.logLevel = level;
  }
}

function warnAbout(key: string, value: unknown, warnings: string[]): void {
  const warning = ignoredKeyWarning(key, value) ?? (SERVER_ONLY_KEYS.includes(key) ? `${key}: only used by ss-stream-server; ignored` : undefined);
  if (warning === undefined) throw configError(key, `unknown key${didYouMean(key, KNOWN_KEYS)}`);
  if (warning !== '') warnings.push(warning);
}

// The converted keys of the first enabled entry, named `servers[i].key` on errors.
function firstServer(value: unknown, key: string, warnings: string[]): Record<string, unknown> {
  const entries = readServersArray(value, key);
  const [first] = entries;
  if (entries.length > 1) warnings.push(`${key}: ${entries.length} servers given; using the first, ${first!.at}${first!.tag === undefined ? '' : ` (${first!.tag})`}`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(first!.json)) {
    const option = SETTING_KEYS.get(k);
    if (option === undefined) warnings.push(`${first!.at}.${k}: only used by ss-stream-server; ignored`);
    else out[option] = convertToOption(LOCAL_SETTINGS[option as keyof LocalSettings] as Setting<unknown, unknown>, v, `${first!.at}.${k}`, 'file');
  }
  return out;
}

function applyServer(options: Record<string, unknown>, server: Record<string, unknown>): void {
  // The entry's own password replaces a top-level key, and the other way round.
  if (server.password !== undefined) delete options.key;
  if (server.key !== undefined) delete options.password;
  Object.assign(options, server);
}
