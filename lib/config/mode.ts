/**
 * Which relays run (the shadowsocks `mode` key), on either side.
 */
import { configError } from '../errors.js';
import { typeName } from './check.js';

/** Which relays a server (or local) runs (the shadowsocks `mode` key). */
export type ServerMode = 'tcp_and_udp' | 'tcp_only' | 'udp_only';

/** Every {@link ServerMode}. */
export const SERVER_MODES: readonly ServerMode[] = Object.freeze(['tcp_and_udp', 'tcp_only', 'udp_only']);

/** @internal Checks an API `mode` option. */
export function checkMode(v: unknown, key = 'mode'): ServerMode {
  if (!SERVER_MODES.includes(v as ServerMode)) throw configError(key, `must be one of ${SERVER_MODES.join(', ')}, got ${typeName(v)}`);
  return v as ServerMode;
}
