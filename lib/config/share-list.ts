/**
 * Which servers a configuration lets people connect to, as a client needs
 * them: one entry for every port, and on a port with `users`, one for every
 * user. This is the list that `--print-uri` prints as SIP002 URIs and
 * `--sip008` writes as a SIP008 document.
 *
 *   method                 users        password a client uses
 *   AEAD, stream           none         password
 *                          [alice, ..]  default (top-level password, if any), then each user's password
 *   2022 ChaCha            same         the base64 PSK
 *   2022 AES (SIP023)      none         the base64 PSK
 *                          [alice, ..]  iPSK:uPSK for each user (the top-level password is the iPSK)
 *
 * A raw `key` of an AEAD or stream method cannot be shared (a client takes a
 * password): that entry is left out with a warning. Pure; the result holds
 * secrets, so only print it where printing passwords is the point.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_METHOD, DEFAULT_SERVER_PORT } from '../constants.js';
import { getMethod, supportsIdentityHeaders, type CipherSpec } from '../crypto/methods.js';
import { DEFAULT_USER_NAME } from '../crypto/key-ring.js';
import { configError } from '../errors.js';
import { toClientPlugin, type ClientPlugin } from './client-plugin.js';
import { deriveMasterKey } from './master-key.js';
import type { ServerSettings, UserSettings } from './server-settings.js';

/** What one listening port offers: the settings a share entry is made from. */
export interface ShareEntry {
  /** The port clients connect to. */
  port: number;
  method: string;
  password?: string;
  key?: string;
  users?: readonly UserSettings[];
  /** The server-side SIP003 plugin (name or path) and its options, if any. */
  plugin?: string;
  pluginOpts?: string;
}

/** One server as a client sees it. `password` is a secret. */
export interface SharedServer {
  /** A UUID derived from host, port and user name: stable across runs, no secret in it. */
  id: string;
  /** A display name: the name, then the port when there are several, then the user. */
  remarks: string;
  host: string;
  port: number;
  method: string;
  password: string;
  /** The client-side plugin, converted from the server's. */
  plugin?: ClientPlugin;
}

/** The result of {@link listSharedServers}. */
export interface ShareList {
  servers: SharedServer[];
  /** Why an entry was left out, or a plugin passed through unchanged. No secrets. */
  warnings: string[];
}

/** The display name put first in every `remarks`. */
export const DEFAULT_SHARE_NAME = 'ss-stream-server';

/**
 * The share entry of one server's settings, with the plugin taken from the
 * settings' `plugin` and `pluginOpts` fields when they exist.
 * @param port the port clients reach; default the settings' port (or 8388)
 */
export function shareEntryOf(settings: ServerSettings, port = settings.port ?? DEFAULT_SERVER_PORT): ShareEntry {
  const entry: ShareEntry = { port, method: settings.method ?? DEFAULT_METHOD };
  if (settings.password !== undefined) entry.password = settings.password;
  if (settings.key !== undefined) entry.key = settings.key;
  if (settings.users !== undefined) entry.users = settings.users;
  if (settings.plugin !== undefined && settings.plugin !== '') entry.plugin = settings.plugin;
  if (settings.pluginOpts !== undefined && settings.pluginOpts !== '') entry.pluginOpts = settings.pluginOpts;
  return entry;
}

/**
 * Lists every server and user of `entries` reachable at `host`.
 * @param name put first in every `remarks`
 * @throws SsError `ERR_SS_CONFIG` for an unknown method, a port outside
 *   1..65535, or a secret the server itself would refuse (named, never shown)
 */
export function listSharedServers(entries: readonly ShareEntry[], host: string, name = DEFAULT_SHARE_NAME): ShareList {
  const servers: SharedServer[] = [];
  const warnings: string[] = [];
  for (const entry of entries) {
    const spec = getMethod(entry.method);
    if (spec === undefined) throw configError('method', `unknown method '${entry.method}'`);
    if (!Number.isInteger(entry.port) || entry.port < 1 || entry.port > 65535) throw configError('port', `${entry.port} cannot be shared: give the port clients connect to`);
    const plugin = entry.plugin === undefined ? undefined : toClientPlugin(entry.plugin, entry.pluginOpts, (w) => warnings.push(`port ${entry.port}: ${w}`));
    const base = entries.length > 1 ? `${name} ${entry.port}` : name;
    for (const { user, password } of passwordsOf(spec, entry, warnings)) {
      const server: SharedServer = {
        id: uuidFor(`${host}\n${entry.port}\n${user ?? ''}`),
        remarks: user === undefined ? base : `${base} ${user}`,
        host, port: entry.port, method: spec.name, password,
      };
      if (plugin !== undefined) server.plugin = plugin;
      servers.push(server);
    }
  }
  return { servers, warnings };
}

interface UserPassword {
  /** Absent for a port without users. */
  user?: string;
  password: string;
}

function passwordsOf(spec: CipherSpec, entry: ShareEntry, warnings: string[]): UserPassword[] {
  const is2022 = spec.kind === 'aead-2022';
  const one = (password: string | undefined, key: string | undefined, prefix: string): string | undefined => {
    // A 2022 password is its PSK: written back in standard base64, whichever alphabet it came in.
    if (is2022) return deriveMasterKey(spec, password, key, prefix).toString('base64');
    if (password !== undefined) return password;
    warnings.push(`port ${entry.port}: ${prefix}key is a raw key, which a client cannot take as a password: not shared (give a password to share it)`);
    return undefined;
  };
  const { users } = entry;
  const hasTop = entry.password !== undefined || entry.key !== undefined;
  if (users === undefined) {
    const password = hasTop ? one(entry.password, entry.key, '') : undefined;
    if (!hasTop) warnings.push(`port ${entry.port}: no password, key or users: nothing to share`);
    return password === undefined ? [] : [{ password }];
  }
  if (supportsIdentityHeaders(spec)) {
    if (!hasTop) throw configError('password', `is required with users and ${spec.name}: the server's identity PSK (SIP023)`);
    const identity = deriveMasterKey(spec, entry.password, entry.key).toString('base64');
    return users.map((u, i) => ({ user: u.name, password: `${identity}:${one(u.password, u.key, `users[${i}].`)!}` }));
  }
  const out: UserPassword[] = [];
  const top = hasTop ? one(entry.password, entry.key, '') : undefined;
  if (top !== undefined) out.push({ user: DEFAULT_USER_NAME, password: top });
  for (const [i, u] of users.entries()) {
    const password = one(u.password, u.key, `users[${i}].`);
    if (password !== undefined) out.push({ user: u.name, password });
  }
  return out;
}

// A name-based UUID (RFC 9562 version 5 layout, SHA-1 of a fixed namespace and the name).
const NAMESPACE = Buffer.from('7c3f2a9e5b1d4e8f9a0b6c2d1e3f4a5b', 'hex');

function uuidFor(name: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
