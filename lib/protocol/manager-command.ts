/**
 * The datagrams of the ss-manager protocol (Python ssserver 2.8.2
 * `manager.py`, libev 3.3.5 `ss-manager`, shadowsocks-rust `ssmanager`;
 * PROTOCOL.md section 6): plain UTF-8 text, one command per datagram.
 *
 *   request   "<command>"  |  "<command>: <json>"      (a trailing "\n" or NUL is ignored)
 *             add: {"server_port": 8001, "password": "..."[, "method", "mode", "users"]}
 *             remove: {"server_port": 8001}
 *             list | ping
 *             stat: {...}                               (from libev children: accepted, no answer)
 *   answer    ok | pong | err: <reason>
 *             [\n\t{"server_port":"8001","method":"..."},...\n]          (list, libev's layout)
 *             stat: {"8001":1234,"8002":0}                               (Python: bytes since the last stat)
 *             stat_ext: {"8001":{"up":1000,"down":234}}                  (our extension, same period)
 *
 * Pure: no sockets. Parsing refuses anything malformed with `ERR_SS_CONFIG`
 * naming what was wrong; the JSON of `add` is checked by the caller
 * (`toManagerAddOptions`).
 */
import { configError } from '../errors.js';

/** Largest request accepted, bytes (libev ignores requests over 32 767 bytes). */
export const MAX_MANAGER_DATAGRAM_BYTES = 32767;

/** At most this many ports per `stat` datagram (Python 2.8.2 sends 100, master 50). */
export const MAX_STAT_PORTS_PER_DATAGRAM = 50;

/** A parsed manager request. */
export type ManagerCommand =
  | { command: 'add'; body: Record<string, unknown> }
  | { command: 'remove'; body: Record<string, unknown> }
  | { command: 'list' }
  | { command: 'ping' }
  | { command: 'stat' };

/** Traffic of one port over one reporting period, bytes. */
export interface PortTraffic {
  /** Client to server: TCP payload relayed up, and UDP datagrams from the client. */
  up: number;
  /** Server to client. */
  down: number;
}

const WITH_BODY = new Set(['add', 'remove']);
const BARE = new Set(['list', 'ping']);
const DECODER = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses one request datagram.
 * @throws SsError `ERR_SS_CONFIG`: oversize, not UTF-8, unknown command,
 *   missing or malformed JSON (never echoing the datagram, which may hold a password)
 */
export function parseManagerCommand(datagram: Buffer): ManagerCommand {
  if (datagram.length > MAX_MANAGER_DATAGRAM_BYTES) throw configError('request', `is ${datagram.length} bytes; the limit is ${MAX_MANAGER_DATAGRAM_BYTES}`);
  let text: string;
  try {
    text = DECODER.decode(datagram);
  } catch {
    throw configError('request', 'is not UTF-8 text');
  }
  text = text.replace(/[\s\0]+$/u, '').replace(/^\s+/u, '');
  const colon = text.indexOf(':');
  const name = (colon === -1 ? text : text.slice(0, colon)).trim();
  const rest = colon === -1 ? undefined : text.slice(colon + 1).trim();
  if (name === 'stat') return { command: 'stat' };
  if (BARE.has(name)) {
    if (rest !== undefined && rest !== '') throw configError(name, 'takes no argument');
    return { command: name as 'list' | 'ping' };
  }
  if (!WITH_BODY.has(name)) throw configError('command', name === '' ? 'is empty' : 'is unknown (known: add, remove, list, ping)');
  if (rest === undefined || rest === '') throw configError(name, 'needs a JSON object, as in add: {"server_port": 8001, ...}');
  let body: unknown;
  try {
    body = JSON.parse(rest);
  } catch {
    throw configError(name, 'is followed by malformed JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw configError(name, 'needs a JSON object');
  return { command: name as 'add' | 'remove', body: body as Record<string, unknown> };
}

/** The answer to a failed request: `err: <reason>` (libev answers a bare `err`; a client checks the prefix). */
export function formatManagerError(reason: string): string {
  return `err: ${reason}`;
}

/** One entry of the `list` answer. Secrets are left out. */
export interface ManagerListEntry {
  port: number;
  method: string;
  mode?: string;
  /** User names on the port (ours; absent for a single-password port). */
  users?: readonly string[];
}

/**
 * The `list` answer in libev 3.3.5's layout, `[\n\t{...},\n\t{...}\n]`, with
 * the port as a string. shadowsocks-manager tells libev apart by the
 * `[\n\t` prefix. Unlike libev, the password is not included.
 */
export function formatManagerList(entries: readonly ManagerListEntry[]): string {
  const items = entries.map((e) => `\t${JSON.stringify({ server_port: String(e.port), method: e.method, ...(e.mode === undefined ? {} : { mode: e.mode }), ...(e.users === undefined ? {} : { users: e.users }) })}`);
  return `[\n${items.join(',\n')}\n]`;
}

/**
 * The `stat` datagrams (up + down per port, compact JSON, string keys),
 * at most {@link MAX_STAT_PORTS_PER_DATAGRAM} ports each; one empty
 * `stat: {}` when there are no ports.
 */
export function formatStat(traffic: ReadonlyMap<number, PortTraffic>): string[] {
  return chunks(traffic, (t) => t.up + t.down).map((o) => `stat: ${JSON.stringify(o)}`);
}

/** The `stat_ext` datagrams: the same figures split into `up` and `down`. */
export function formatStatExt(traffic: ReadonlyMap<number, PortTraffic>): string[] {
  return chunks(traffic, (t) => ({ up: t.up, down: t.down })).map((o) => `stat_ext: ${JSON.stringify(o)}`);
}

function chunks<T>(traffic: ReadonlyMap<number, PortTraffic>, value: (t: PortTraffic) => T): Record<string, T>[] {
  const out: Record<string, T>[] = [];
  let current: Record<string, T> = {};
  let n = 0;
  for (const [port, t] of traffic) {
    if (n === MAX_STAT_PORTS_PER_DATAGRAM) {
      out.push(current);
      current = {};
      n = 0;
    }
    current[String(port)] = value(t);
    n++;
  }
  out.push(current);
  return out;
}
