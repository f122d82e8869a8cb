/**
 * Starts the SIP003 plugin in front of a server that has bound its loopback
 * port (see listen-plan.ts): the plugin listens on the public address and
 * connects to us on 127.0.0.1:localPort. With `pluginLocalPort` another
 * process (the cluster primary) runs it, and nothing is started here.
 */
import { formatHostPort } from '../protocol/address.js';
import type { SsError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ResolvedServerConfig } from '../config/server-settings.js';
import { PluginProcess } from '../transport/plugin-process.js';
import { PLUGIN_LOOPBACK, type PluginPlan } from './listen-plan.js';

/**
 * Starts the plugin of `config` as `plan` says and resolves once it listens.
 * @param hosted true when another process runs the plugin (then resolves undefined)
 * @param onFatal called if the plugin keeps dying (`ERR_SS_PLUGIN_EXITED`)
 * @throws SsError `ERR_SS_PLUGIN_START` (rejects)
 */
export async function startServerPlugin(config: ResolvedServerConfig, plan: PluginPlan, localPort: number, hosted: boolean, logger: Logger, onFatal: (err: SsError) => void): Promise<PluginProcess | undefined> {
  const { plugin, pluginOpts, pluginArgs } = config.plugin!;
  logger.info('listening (plugin)', { address: formatHostPort(plan.addresses[0]!.address, plan.publicPort), plugin, method: config.method });
  if (hosted) return undefined;
  const process = new PluginProcess({
    plugin,
    pluginArgs,
    ...(pluginOpts === undefined ? {} : { pluginOpts }),
    endpoints: { remoteHost: plan.remoteHost, remotePort: plan.publicPort, localHost: PLUGIN_LOOPBACK, localPort },
    listen: { host: plan.probeHost, port: plan.publicPort },
    logger,
  });
  process.on('fatal', onFatal);
  await process.start();
  return process;
}
