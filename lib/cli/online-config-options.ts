/**
 * `ss-stream-local --online-config-url URL [--server-tag TAG]` (or the config
 * file's `online_config`): fetches the SIP008 document and turns the chosen
 * server into local options, the layer between the config file and the
 * flags. The first server is used, or the one whose `remarks` or `id` is
 * `--server-tag`; the choice is reported (remarks and position, no secret).
 */
import type { OnlineConfigSettings } from '../config/online-config.js';
import type { LocalSettings } from '../config/local-settings.js';
import { pickSip008Server, sip008LocalSettings } from '../config/sip008.js';
import { configError } from '../errors.js';
import { fetchOnlineConfig, type FetchOnlineConfigOptions } from '../local/fetch-online-config.js';
import type { LocalOptions } from '../local/local-options.js';
import type { LocalCliArgs } from './local-cli-args.js';

/** Where the document comes from and which server of it is used: what a refresh fetches again. */
export interface OnlineConfigSource {
  url: string;
  /** The flag or key the URL came from, named in errors. */
  key: string;
  /** `--server-tag`; the first server without. */
  tag: string | undefined;
  /** `online_config.update_interval`, seconds; absent: fetched once. */
  updateIntervalS: number | undefined;
}

/** The server chosen from a document, and how logs name it (no secret). */
export interface ChosenServer {
  options: LocalSettings;
  name: string;
  /** The line that says which server is used. */
  message: string;
}

/** The chosen server's options, and lines to log once the logger exists. */
export interface OnlineConfigLayer {
  options: LocalOptions;
  notes: { level: 'info' | 'warn'; message: string }[];
  source: OnlineConfigSource;
}

/**
 * Fetches the document named by `--online-config-url` or the file's
 * `online_config` (the flag wins) and picks the server.
 * @returns `undefined` when neither is given
 * @throws SsError `ERR_SS_CONFIG` naming the flag or key, and the document's field
 */
export async function onlineConfigLayer(args: LocalCliArgs, file: OnlineConfigSettings | undefined, limits: Omit<FetchOnlineConfigOptions, 'warn'> = {}): Promise<OnlineConfigLayer | undefined> {
  const [url, key] = args.onlineConfigUrl !== undefined ? [args.onlineConfigUrl, '--online-config-url'] : [file?.configUrl, 'online_config.config_url'];
  if (url === undefined) {
    if (args.serverTag !== undefined) throw configError('--server-tag', 'chooses a server of an online config: give --online-config-url too');
    return undefined;
  }
  const source: OnlineConfigSource = { url, key, tag: args.serverTag, updateIntervalS: file?.updateIntervalS };
  const notes: OnlineConfigLayer['notes'] = [];
  const chosen = await fetchChosenServer(source, { ...limits, warn: (message) => notes.push({ level: 'warn', message }) });
  notes.push({ level: 'info', message: chosen.message });
  return { options: chosen.options, notes, source };
}

/**
 * Fetches the document of `source` and picks its server.
 * @throws SsError `ERR_SS_CONFIG` naming the flag or key, and the document's field
 */
export async function fetchChosenServer(source: OnlineConfigSource, options: FetchOnlineConfigOptions = {}): Promise<ChosenServer> {
  const servers = await fetchOnlineConfig(source.url, source.key, options);
  const { server, index } = pickSip008Server(servers, source.tag);
  let settings: LocalSettings;
  try {
    settings = sip008LocalSettings(server, `servers[${index}]`);
  } catch (err) {
    throw configError(source.key, (err as Error).message);
  }
  const name = server.remarks ?? server.id ?? `${server.server}:${server.serverPort}`;
  const how = source.tag === undefined ? 'the first' : 'the one tagged';
  return { options: settings, name, message: `online config: using server '${name}' (${index + 1} of ${servers.length}, ${how})` };
}
