/**
 * A running server's reconfiguration: only its users (and the password or
 * key) may change; anything else needs the port restarted.
 */
import { resolveServerSettings, type ResolvedServerConfig, type ServerSettings } from '../config/server-settings.js';
import { restartSettingsChanged } from '../config/restart-settings.js';
import { configError } from '../errors.js';
import type { UserTable } from './user-table.js';

/**
 * Checks `options` against the running `config` and returns the function
 * that applies the new users to `users` (it cannot fail).
 * @throws SsError `ERR_SS_CONFIG` for invalid options, or naming the
 *   settings that would need a restart; nothing is changed then
 */
export function prepareUserChange(config: ResolvedServerConfig, options: ServerSettings, users: UserTable): () => void {
  const next = resolveServerSettings(options);
  const changed = restartSettingsChanged(config, next);
  if (changed.length > 0) throw configError(changed.join(', '), `cannot change on a running server (port ${config.port}); remove the port and add it again`);
  const nextUsers = next.users.map((u) => ({ ...u, key: Buffer.from(u.key, 'base64') }));
  return () => users.replaceAll(nextUsers);
}
