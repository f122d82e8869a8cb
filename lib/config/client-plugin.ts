/**
 * The client side of a server's SIP003 plugin: what a shared URI or SIP008
 * document must name so that a client runs the matching plugin.
 *
 *   server plugin           client plugin    options kept
 *   obfs-server             obfs-local       obfs, obfs-host, obfs-uri   (failover and others are server-only)
 *   v2ray-plugin            v2ray-plugin     all but server, cert, key   (cert/key are the server's TLS files)
 *   ss-v2ray-plugin         v2ray-plugin     same                        (Debian's name; phones know v2ray-plugin)
 *   obfs-local, other       unchanged        all                         (with a warning for unknown plugins)
 */
import { configError } from '../errors.js';
import { formatSip003Options, parseSip003Options } from './sip003-options.js';
import { toPlugin, toPluginOpts } from './plugin-settings.js';

/** A plugin as a client runs it: `plugin` and `plugin_opts` (empty when there are none). */
export interface ClientPlugin {
  plugin: string;
  pluginOpts: string;
}

interface Rule {
  client: string;
  keep: (key: string) => boolean;
}

const OBFS_CLIENT_KEYS = new Set(['obfs', 'obfs-host', 'obfs-uri']);
const V2RAY_SERVER_KEYS = new Set(['server', 'cert', 'key']);
const v2ray: Rule = { client: 'v2ray-plugin', keep: (k) => !V2RAY_SERVER_KEYS.has(k) };

const RULES: ReadonlyMap<string, Rule> = new Map([
  ['obfs-server', { client: 'obfs-local', keep: (k: string) => OBFS_CLIENT_KEYS.has(k) }],
  ['obfs-local', { client: 'obfs-local', keep: () => true }],
  ['v2ray-plugin', v2ray],
  ['ss-v2ray-plugin', v2ray],
]);

/**
 * Converts a server's plugin (its name or path, and its `plugin_opts`) to
 * the client's. A path (`/usr/bin/obfs-server`) is matched by its last
 * component. `warn` receives a note for a plugin this table does not know,
 * which is passed through unchanged.
 */
export function toClientPlugin(plugin: string, pluginOpts: string | undefined, warn: (message: string) => void = () => {}): ClientPlugin {
  const name = plugin.slice(plugin.lastIndexOf('/') + 1);
  const rule = RULES.get(name);
  if (rule === undefined) {
    warn(`plugin '${name}': not known here; its name and options are shared as the server uses them`);
    return { plugin: name, pluginOpts: pluginOpts ?? '' };
  }
  const options = parseSip003Options(pluginOpts ?? '').filter(([k]) => rule.keep(k));
  return { plugin: rule.client, pluginOpts: formatSip003Options(options) };
}

/**
 * The plugin settings a local client takes from a shared server (an
 * `ss://` URI's `plugin`, a SIP008 server's `plugin` and `plugin_opts`).
 * @param key the flag or field named in errors
 * @throws SsError `ERR_SS_CONFIG` naming `key` for options without a plugin
 */
export function localPluginSettings(plugin: string | undefined, pluginOpts: string | undefined, key: string): { plugin?: string; pluginOpts?: string } {
  const opts = pluginOpts === undefined || pluginOpts === '' ? undefined : toPluginOpts(pluginOpts, key);
  if (plugin === undefined || plugin === '') {
    if (opts !== undefined) throw configError(key, 'plugin options are given without a plugin');
    return {};
  }
  return opts === undefined ? { plugin: toPlugin(plugin, key) } : { plugin: toPlugin(plugin, key), pluginOpts: opts };
}
