/**
 * `ss-stream-local --online-config-url URL [--server-tag TAG]` (or the config
 * file's `online_config`): fetches the SIP008 document and turns the chosen
 * server into local options, the layer between the config file and the
 * flags. The first server is used, or the one whose `remarks` or `id` is
 * `--server-tag`; the choice is reported (remarks and position, no secret).
 */
import type { OnlineConfigSettings } from '../config/online-config.js';
import { pickSip008Server, sip008LocalSettings } from '../config/sip008.js';
import { configError } from '../errors.js';
import { fetchOnlineConfig, type FetchOnlineConfigOptions } from '../local/fetch-online-config.js';
import type { LocalOptions } from '../local/local-options.js';
import type { LocalCliArgs } from './local-cli-args.js';

/** The chosen server's options, and lines to log once the logger exists. */
export interface OnlineConfigLayer {
  options: LocalOptions;
  notes: { level: 'info' | 'warn'; message: string }[];
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
  const notes: OnlineConfigLayer['notes'] = [];
  const servers = await fetchOnlineConfig(url, key, { ...limits, warn: (message) => notes.push({ level: 'warn', message }) });
  const { server, index } = pickSip008Server(servers, args.serverTag);
  let options: LocalOptions;
  try {
    options = sip008LocalSettings(server, `servers[${index}]`);
  } catch (err) {
    throw configError(key, (err as Error).message);
  }
  const name = server.remarks ?? server.id ?? `${server.server}:${server.serverPort}`;
  const how = args.serverTag === undefined ? 'the first' : 'the one tagged';
  notes.push({ level: 'info', message: `online config: using server '${name}' (${index + 1} of ${servers.length}, ${how})` });
  if (args.onlineConfigUrl === undefined && file?.updateIntervalS !== undefined) {
    notes.push({ level: 'warn', message: 'online_config.update_interval: refreshing is not supported yet; the document was fetched once, at start' });
  }
  return { options, notes };
}
