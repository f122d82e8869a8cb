/**
 * The JSON of a manager `add` command, mapped to server settings through the
 * rows of {@link SERVER_SETTINGS} (so every value gets the checks of the
 * config file), as the keys of libev 3.3.5 and shadowsocks-rust:
 *
 *   add: {"server_port": 8001 | "8001", "password": "..." | "key": "...",
 *         "method"?, "mode"?, "users"?: [{"name", "password" | "key"}],
 *         "fast_open"?, "no_delay"?,                 (accepted, ignored)
 *         "plugin"?, "plugin_opts"?, "plugin_args"?, "plugin_mode"?}   (SIP003: the port gets its own plugin; "" is none)
 *
 * Other keys are refused. Errors name the key, never the secret.
 */
import { configError } from '../errors.js';
import { toPort } from './converters.js';
import { SERVER_SETTINGS, type ServerSettings } from './server-settings.js';
import { convertToOption, type Setting } from './setting.js';

/** What an `add` sets: the port and its keys, with optional method and mode. */
export type ManagerAddSettings = Pick<ServerSettings, 'password' | 'key' | 'users' | 'method' | 'mode' | 'plugin' | 'pluginOpts' | 'pluginArgs' | 'pluginMode'> & { port: number };

const ROWS = {
  password: 'password', key: 'key', method: 'method', mode: 'mode', users: 'users',
  plugin: 'plugin', plugin_opts: 'pluginOpts', plugin_args: 'pluginArgs', plugin_mode: 'pluginMode',
} as const;
const IGNORED = new Set(['fast_open', 'no_delay']);

/**
 * Checks the JSON of an `add` and maps it to settings.
 * @throws SsError `ERR_SS_CONFIG` naming the key
 */
export function toManagerAddSettings(body: Record<string, unknown>): ManagerAddSettings {
  if (!Object.hasOwn(body, 'server_port')) throw configError('server_port', 'is required');
  const out: ManagerAddSettings = { port: toPort(body['server_port'], 'server_port', 1) };
  for (const [key, value] of Object.entries(body)) {
    if (key === 'server_port' || IGNORED.has(key)) continue;
    if (!Object.hasOwn(ROWS, key)) throw configError(key, 'unknown key (add takes server_port, password or key, method, mode, users, plugin, plugin_opts, plugin_args, plugin_mode)');
    const option = ROWS[key as keyof typeof ROWS];
    (out as Record<string, unknown>)[option] = convertToOption(SERVER_SETTINGS[option] as Setting<unknown, unknown>, value, key, 'file');
  }
  if (out.password === undefined && out.key === undefined && out.users === undefined) throw configError('password', `is required (or key, or users)`);
  return out;
}

/**
 * Checks the JSON of a `remove`: `{"server_port": N}`.
 * @throws SsError `ERR_SS_CONFIG` naming the key
 */
export function toManagerRemovePort(body: Record<string, unknown>): number {
  for (const key of Object.keys(body)) if (key !== 'server_port') throw configError(key, 'unknown key (remove takes server_port)');
  if (!Object.hasOwn(body, 'server_port')) throw configError('server_port', 'is required');
  return toPort(body['server_port'], 'server_port', 1);
}
