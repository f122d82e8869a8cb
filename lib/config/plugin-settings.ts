/**
 * The SIP003 plugin settings, shared by the server and the local side
 * (PROTOCOL.md section 5; shadowsocks-rust names them the same way):
 *
 *   API option   JSON key      flag            meaning
 *   plugin       plugin        --plugin        program to run ('' or absent: no plugin)
 *   pluginOpts   plugin_opts   --plugin-opts   SS_PLUGIN_OPTIONS, e.g. "obfs=http;obfs-host=example.com"
 *   pluginArgs   plugin_args   --plugin-args   extra argv of the program (repeatable flag)
 *   pluginMode   plugin_mode   --plugin-mode   tcp_only (default) or tcp_and_udp (SIP003u)
 *
 * Pure: converters and the resolved form only; the process is run by
 * transport/plugin-process.ts.
 */
import { configError } from '../errors.js';
import { checkString, typeName } from './check.js';
import type { SettingSource } from './setting.js';

/** What goes through the plugin: TCP only (UDP stays direct, as libev), or both (SIP003u). */
export type PluginMode = 'tcp_only' | 'tcp_and_udp';

/** Every {@link PluginMode}. */
export const PLUGIN_MODES: readonly PluginMode[] = Object.freeze(['tcp_only', 'tcp_and_udp']);

/** The default {@link PluginMode}: the plugin carries TCP only, as in libev. */
export const DEFAULT_PLUGIN_MODE: PluginMode = 'tcp_only';

/** The plugin settings of one server or local, as options. */
export interface PluginSettings {
  /** The plugin program (a name looked up in PATH, or a path). `''` means no plugin. Default: none. */
  plugin?: string;
  /** Its options, given to it as `SS_PLUGIN_OPTIONS`. Default: none. */
  pluginOpts?: string;
  /** Extra command-line arguments of the plugin program. Default: none. */
  pluginArgs?: readonly string[];
  /** `tcp_only` (default): UDP does not go through the plugin; `tcp_and_udp` (SIP003u): it does. */
  pluginMode?: PluginMode;
}

/** A resolved plugin: present only when `plugin` names one. */
export interface ResolvedPlugin {
  /** The program. */
  plugin: string;
  /** `SS_PLUGIN_OPTIONS`; absent when none was given. */
  pluginOpts?: string;
  pluginArgs: string[];
  pluginMode: PluginMode;
}

/** The `plugin` converter: a string; `''` (as SIP008 and generated configs write it) means none. */
export function toPlugin(v: unknown, key: string): string {
  const s = checkString(v, key);
  if (s !== s.trim()) throw configError(key, 'must not start or end with spaces');
  if (s.includes('\0')) throw configError(key, 'must not contain NUL');
  return s;
}

/** The `plugin_opts` converter: any string without NUL (it becomes an environment variable). */
export function toPluginOpts(v: unknown, key: string): string {
  const s = checkString(v, key);
  if (s.includes('\0')) throw configError(key, 'must not contain NUL');
  return s;
}

/**
 * The `plugin_args` converter: an array of strings. A flag may be repeated,
 * and a single flag or file value that is a string is one argument.
 */
export function toPluginArgs(v: unknown, key: string, source: SettingSource): string[] {
  const list = source !== 'option' && typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list)) throw configError(key, `must be an array of strings, got ${typeName(v)}`);
  return list.map((a: unknown, i) => toPluginOpts(a, `${key}[${i}]`));
}

/** The `plugin_mode` converter. */
export function toPluginMode(v: unknown, key: string): PluginMode {
  const mode = checkString(v, key);
  if (!PLUGIN_MODES.includes(mode as PluginMode)) throw configError(key, `must be one of ${PLUGIN_MODES.join(', ')}, got '${mode}'`);
  return mode as PluginMode;
}

/** The converted plugin settings of a side, as its settings table returns them. */
export interface ConvertedPlugin {
  plugin?: string;
  pluginOpts?: string;
  pluginArgs?: string[];
  pluginMode?: PluginMode;
}

/**
 * The resolved plugin, or undefined when `plugin` is absent or `''`.
 * @throws SsError `ERR_SS_CONFIG` when `pluginOpts`/`pluginArgs` come without a plugin
 */
export function resolvePlugin(c: ConvertedPlugin): ResolvedPlugin | undefined {
  if (c.plugin === undefined || c.plugin === '') {
    // plugin_opts: "" comes with plugin: "" in SIP008 documents.
    if (c.pluginOpts !== undefined && c.pluginOpts !== '') throw configError('pluginOpts', 'needs a plugin');
    if (c.pluginArgs !== undefined && c.pluginArgs.length > 0) throw configError('pluginArgs', 'needs a plugin');
    return undefined;
  }
  const out: ResolvedPlugin = { plugin: c.plugin, pluginArgs: c.pluginArgs ?? [], pluginMode: c.pluginMode ?? DEFAULT_PLUGIN_MODE };
  if (c.pluginOpts !== undefined && c.pluginOpts !== '') out.pluginOpts = c.pluginOpts;
  return out;
}

/**
 * Splits a SIP002 `plugin` query value, `name;opt=val;...`, at its first `;`
 * into the program and its options (as libev and shadowsocks-rust do).
 */
export function splitSip002Plugin(value: string): { plugin: string; pluginOpts?: string } {
  const i = value.indexOf(';');
  if (i < 0) return { plugin: value };
  const opts = value.slice(i + 1);
  return opts === '' ? { plugin: value.slice(0, i) } : { plugin: value.slice(0, i), pluginOpts: opts };
}
