/**
 * Which relays run (the shadowsocks `mode` key), on either side.
 */
import { configError } from '../errors.js';
import { checkString } from './check.js';

/** Which relays a server (or local) runs (the shadowsocks `mode` key). */
export type ServerMode = 'tcp_and_udp' | 'tcp_only' | 'udp_only';

/** Every {@link ServerMode}. */
export const SERVER_MODES: readonly ServerMode[] = Object.freeze(['tcp_and_udp', 'tcp_only', 'udp_only']);

/**
 * Checks a `mode` (API option, JSON key or `--mode`), naming it as `key`.
 * @internal
 */
export function checkMode(v: unknown, key = 'mode'): ServerMode {
  const mode = checkString(v, key);
  if (!SERVER_MODES.includes(mode as ServerMode)) throw configError(key, `must be one of ${SERVER_MODES.join(', ')}, got '${mode}'`);
  return mode as ServerMode;
}
