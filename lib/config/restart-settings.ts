/**
 * Which settings of a running server a reconfiguration may change. The
 * users (and the password or key that make the `default` user) change in
 * place: new connections use the new keys, live ones keep theirs. Every
 * other setting (host, method, mode, timeouts, forbidden targets, the SIP023
 * identity PSK ...) is built into the listener and its sessions; a change to
 * one of them is refused, naming it, and the port has to be removed and added
 * again (or the process restarted).
 */
import type { ResolvedServerConfig } from './server-settings.js';

/** The resolved settings a reconfiguration may change. */
export const RECONFIGURABLE: readonly (keyof ResolvedServerConfig)[] = Object.freeze(['users']);

/**
 * The resolved settings that differ between `before` and `after`, other than
 * {@link RECONFIGURABLE} ones; `port` is compared only if `after` names one
 * other than 0. Secret-bearing keys (`identityKey`) are named, never shown.
 */
export function restartSettingsChanged(before: ResolvedServerConfig, after: ResolvedServerConfig): string[] {
  const changed: string[] = [];
  for (const key of Object.keys(after) as (keyof ResolvedServerConfig)[]) {
    if (RECONFIGURABLE.includes(key)) continue;
    if (key === 'port' && (after.port === 0 || before.port === 0)) continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changed.push(key);
  }
  if (before.identityKey !== undefined && after.identityKey === undefined) changed.push('identityKey');
  return changed;
}
