/**
 * The shadowsocks-libev `ss-local` JSON configuration file, mapped once into
 * the camelCase options of the API: each key is read through its row in
 * {@link LOCAL_SETTINGS}. Pure; every error is `ERR_SS_CONFIG` naming the key.
 */
import { configError } from '../errors.js';
import { typeName } from './check.js';
import { LOCAL_SETTINGS, type LocalSettings } from './local-settings.js';
import { convertToOption, jsonKeysOf, type Setting } from './setting.js';

const SETTING_KEYS = jsonKeysOf(LOCAL_SETTINGS);

/**
 * Maps a parsed `ss-local` JSON config (`server`, `server_port`,
 * `local_address`, `local_port`, `password` or `key`, `method`, `timeout`
 * in seconds, `tunnel_address`, `mode`, and the SIP003 `plugin`,
 * `plugin_opts`, `plugin_args`, `plugin_mode`; `"plugin": ""` means none) to options. Keys that are not known
 * are refused, so that a typo is not silently ignored.
 * @throws SsError `ERR_SS_CONFIG` naming the key: unknown keys, wrong types or values
 */
export function parseLocalConfigFile(json: unknown): LocalSettings {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw configError('config', `must be a JSON object, got ${typeName(json)}`);
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const option = SETTING_KEYS.get(key) as keyof LocalSettings | undefined;
    if (option !== undefined) options[option] = convertToOption(LOCAL_SETTINGS[option] as Setting<unknown, unknown>, value, key, 'file');
    else throw configError(key, 'unknown key');
  }
  return options as LocalSettings;
}
