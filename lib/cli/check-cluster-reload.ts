/**
 * What the primary of `ss-stream-server --workers N` checks before it
 * passes a reload to the workers, so that a bad config reaches none of them:
 * every server resolves, none is `udp_only`, every port is fixed (a port 0
 * picked at start cannot be matched again), and a kept port changes only
 * its users (as `SsServer.reconfigure`).
 */
import { configError } from '../errors.js';
import { resolveServerSettings } from '../config/server-settings.js';
import { restartSettingsChanged } from '../config/restart-settings.js';
import type { ServerOptions } from '../server/server-options.js';

/**
 * Checks a reload of `before` to `after`.
 * @throws SsError `ERR_SS_CONFIG` naming the setting and port
 */
export function checkClusterReload(before: readonly ServerOptions[], after: readonly ServerOptions[]): void {
  if ([...before, ...after].some((o) => o.port === 0)) throw configError('server_port', 'reload with --workers needs fixed ports (0 picks one at start)');
  if (after.some((o) => o.mode === 'udp_only')) throw configError('mode', 'udp_only runs in one process: not with --workers');
  for (const next of after) {
    const resolved = resolveServerSettings(next);
    const old = before.find((o) => o.port === next.port);
    if (old === undefined) continue;
    const changed = restartSettingsChanged(resolveServerSettings(old), resolved);
    if (changed.length > 0) throw configError(changed.join(', '), `cannot change on a running server (port ${next.port}); remove the port and add it again`);
  }
}
