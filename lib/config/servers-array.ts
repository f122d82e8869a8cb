/**
 * The `servers` array of a shadowsocks-rust config file (also SIP008's
 * shape), read by both sides: the server listens once per entry, the local
 * client uses the first entry.
 *
 *   {"servers": [{"server": "::", "server_port": 8388, "password": "...", "method": "aes-256-gcm", "remarks": "main"},
 *                {"server": "::", "server_port": 8389, "password": "...", "disabled": true}]}
 *
 * `disabled: true` entries are skipped; `remarks` (or `tag`, `id`) names an
 * entry; `tcp_weight` and `udp_weight` (rust's load balancer) carry no
 * meaning for one server and are dropped. The other keys of an entry are
 * the per-server keys ({@link SERVER_ENTRY_KEYS}), read by each side's own
 * settings table. Pure; errors are `ERR_SS_CONFIG` naming `servers[i].key`.
 */
import { configError } from '../errors.js';
import { typeName } from './check.js';
import { didYouMean } from './closest-name.js';

/** The keys an entry may set: those of one server. */
export const SERVER_ENTRY_KEYS: readonly string[] = Object.freeze(['server', 'server_port', 'password', 'key', 'method', 'timeout', 'mode', 'users', 'plugin', 'plugin_opts', 'plugin_args', 'plugin_mode']);

/** Keys that name or weigh an entry; they set nothing. */
const LABEL_KEYS = ['remarks', 'tag', 'id', 'disabled', 'tcp_weight', 'udp_weight'];

/** One entry that is not disabled. */
export interface ServersEntry {
  /** How errors name it: `servers[1]`. */
  at: string;
  /** Its `remarks`, `tag` or `id`, when it has one. */
  tag?: string;
  /** Its per-server keys, as written. */
  json: Record<string, unknown>;
}

/**
 * Reads a `servers` array: the entries that are not disabled, in order.
 * @throws SsError `ERR_SS_CONFIG`: not an array of objects, empty or all
 *   disabled, an unknown key in an entry
 */
export function readServersArray(v: unknown, key: string): ServersEntry[] {
  if (!Array.isArray(v)) throw configError(key, `must be an array of server objects, got ${typeName(v)}`);
  const entries: ServersEntry[] = [];
  v.forEach((item, i) => {
    const entry = readEntry(item, `${key}[${i}]`);
    if (entry !== undefined) entries.push(entry);
  });
  if (entries.length === 0) throw configError(key, v.length === 0 ? 'must not be empty' : 'every entry is disabled');
  return entries;
}

function readEntry(item: unknown, at: string): ServersEntry | undefined {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) throw configError(at, `must be an object, got ${typeName(item)}`);
  const record = item as Record<string, unknown>;
  if (record.disabled !== undefined && typeof record.disabled !== 'boolean') throw configError(`${at}.disabled`, `must be a boolean, got ${typeName(record.disabled)}`);
  if (record.disabled === true) return undefined;
  const entry: ServersEntry = { at, json: {} };
  for (const [k, value] of Object.entries(record)) {
    if (LABEL_KEYS.includes(k)) continue;
    if (!SERVER_ENTRY_KEYS.includes(k)) throw configError(`${at}.${k}`, `unknown key for a server${didYouMean(k, [...SERVER_ENTRY_KEYS, ...LABEL_KEYS])}`);
    entry.json[k] = value;
  }
  const tag = record.remarks ?? record.tag ?? record.id;
  if (typeof tag === 'string' && tag !== '') entry.tag = tag;
  return entry;
}
