/**
 * The `users` setting of a server (issue 12; shadowsocks-rust and sing-box
 * write it the same way), and how it becomes the listener's key list:
 *
 *   "users": [{"name": "alice", "password": "..."}, {"name": "bob", "key": "base64"}]
 *
 * Each user may carry limits (none by default), per server process (with
 * `--workers`, each worker counts its own): `max_connections` (API
 * `maxConnections`), the most concurrent TCP connections, and `rate_limit`
 * (API `rateLimit`), the most bytes per second in each direction over all
 * the user's TCP connections.
 *
 *   method                      top-level password / key        users
 *   AEAD, 2022 ChaCha           optional: one more user,        each a user; found by trial decryption
 *                               named `default`, tried first
 *   2022 AES (SIP023)           required: the identity PSK      each a user PSK; found by the identity
 *                               (iPSK), not a user               header (a hash lookup)
 *
 * With AES 2022, as in shadowsocks-rust, the server's own password is the
 * iPSK and only the users' PSKs open streams. With AEAD (which
 * shadowsocks-rust serves with its one password only) a top-level password
 * keeps working beside the users, as the user `default`. Names are unique and
 * non-blank; two users may not share a key (a key must name one user).
 * Secrets are never echoed.
 */
import type { CipherSpec } from '../crypto/methods.js';
import { supportsIdentityHeaders } from '../crypto/methods.js';
import { DEFAULT_USER_NAME } from '../crypto/key-ring.js';
import { configError } from '../errors.js';
import { checkInt, typeName } from './check.js';
import type { SettingSource } from './setting.js';
import { toSecret } from './converters.js';
import { deriveMasterKey } from './master-key.js';
import { toUpstreamProxy } from './to-upstream-proxy.js';
import type { UpstreamProxy } from '../protocol/proxy-url.js';

/** One entry of `users`: a name and a password, or a name and a raw key (base64). */
export interface UserSettings {
  /** Shown in connection info, stats, hooks and logs. Not a secret. */
  name: string;
  /** The user's password (for a 2022 method: its base64 PSK). */
  password?: string;
  /** A raw key, base64, instead of a password. */
  key?: string;
  /** Most concurrent TCP connections of this user (JSON `max_connections`). Default: no limit. */
  maxConnections?: number;
  /** Most bytes per second in each direction, over the user's TCP connections (JSON `rate_limit`). Default: no limit. */
  rateLimit?: number;
  /** This user's upstream proxy URL (JSON `outbound_proxy`), instead of the server's `outboundProxy`. Default: the server's. */
  outboundProxy?: string;
}

/** A user's limits and egress, as resolved (absent: none, or the server's). */
export interface UserLimitSettings {
  readonly maxConnections?: number;
  readonly rateLimit?: number;
  /** Holds credentials: print it only redacted. */
  readonly outboundProxy?: UpstreamProxy;
}

/** A user of a server: a name and a master key (base64). */
export interface ServerUser extends UserLimitSettings {
  readonly name: string;
  /** The derived master key, base64. A secret: never log it. */
  readonly key: string;
}

/** The keys of a listener: its users, and with SIP023 the identity PSK. */
export interface ResolvedUsers {
  users: ServerUser[];
  /** The identity PSK (base64) of an AES 2022 listener with `users`; absent otherwise. */
  identityKey?: string;
}

/** Longest user name, in characters. */
export const MAX_USER_NAME_LENGTH = 128;

/** Largest `max_connections`. */
export const MAX_USER_CONNECTIONS = 2 ** 20;

/** Largest `rate_limit`, bytes per second (1 TiB/s: no limit in practice). */
export const MAX_USER_RATE_LIMIT = 2 ** 40;

// The limits' names, as written in a file and in the API.
const LIMIT_KEYS = {
  file: { maxConnections: 'max_connections', rateLimit: 'rate_limit', outboundProxy: 'outbound_proxy' },
  option: { maxConnections: 'maxConnections', rateLimit: 'rateLimit', outboundProxy: 'outboundProxy' },
} as const;

/**
 * The `users` converter: a non-empty array of `{name, password | key}` with
 * optional limits, names unique. In a file the limits are `max_connections`
 * and `rate_limit`; in the API `maxConnections` and `rateLimit`.
 */
export function toUsers(v: unknown, key: string, source: SettingSource = 'option'): UserSettings[] {
  const limitKeys = source === 'option' ? LIMIT_KEYS.option : LIMIT_KEYS.file;
  const entryKeys = new Set(['name', 'password', 'key', limitKeys.maxConnections, limitKeys.rateLimit, limitKeys.outboundProxy]);
  if (!Array.isArray(v)) throw configError(key, `must be an array of {"name", "password"} objects, got ${typeName(v)}`);
  if (v.length === 0) throw configError(key, 'must list at least one user');
  const names = new Set<string>();
  return v.map((entry: unknown, i) => {
    const at = `${key}[${i}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw configError(at, `must be an object with name and password, got ${typeName(entry)}`);
    const e = entry as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!entryKeys.has(k)) throw configError(`${at}.${k}`, `unknown key (a user has name, password or key, ${limitKeys.maxConnections}, ${limitKeys.rateLimit} and ${limitKeys.outboundProxy})`);
    const name = toUserName(e['name'], `${at}.name`);
    if (names.has(name)) throw configError(`${at}.name`, `'${name}' is listed twice`);
    names.add(name);
    if ((e['password'] === undefined) === (e['key'] === undefined)) throw configError(at, 'needs exactly one of password and key');
    const user: UserSettings = e['password'] !== undefined ? { name, password: toSecret(e['password'], `${at}.password`) } : { name, key: toSecret(e['key'], `${at}.key`) };
    const max = e[limitKeys.maxConnections];
    if (max !== undefined) user.maxConnections = checkInt(max, `${at}.${limitKeys.maxConnections}`, 1, MAX_USER_CONNECTIONS);
    const rate = e[limitKeys.rateLimit];
    if (rate !== undefined) user.rateLimit = checkInt(rate, `${at}.${limitKeys.rateLimit}`, 1, MAX_USER_RATE_LIMIT);
    const proxy = e[limitKeys.outboundProxy];
    if (proxy !== undefined) {
      toUpstreamProxy(proxy, `${at}.${limitKeys.outboundProxy}`);
      user.outboundProxy = proxy as string;
    }
    return user;
  });
}

function limitsOf(u: UserSettings, i: number): UserLimitSettings {
  const out: { maxConnections?: number; rateLimit?: number; outboundProxy?: UpstreamProxy } = {};
  if (u.maxConnections !== undefined) out.maxConnections = u.maxConnections;
  if (u.rateLimit !== undefined) out.rateLimit = u.rateLimit;
  if (u.outboundProxy !== undefined) out.outboundProxy = toUpstreamProxy(u.outboundProxy, `users[${i}].outboundProxy`);
  return out;
}

function toUserName(v: unknown, key: string): string {
  if (typeof v !== 'string') throw configError(key, `must be a string, got ${typeName(v)}`);
  if (v.trim() === '') throw configError(key, 'must not be empty');
  if (v.length > MAX_USER_NAME_LENGTH) throw configError(key, `must be at most ${MAX_USER_NAME_LENGTH} characters`);
  if (/[\u0000-\u001f\u007f]/.test(v)) throw configError(key, 'must not contain control characters');
  return v;
}

/**
 * Turns the top-level `password` / `key` and `users` of one listener into
 * its users (keys derived) and, for AES 2022 with users, its identity PSK.
 * @throws SsError `ERR_SS_CONFIG` naming the setting (never the secret)
 */
export function resolveUsers(spec: CipherSpec, password: string | undefined, key: string | undefined, users: readonly UserSettings[] | undefined): ResolvedUsers {
  if (users === undefined) return { users: [{ name: DEFAULT_USER_NAME, key: deriveMasterKey(spec, password, key).toString('base64') }] };
  const listed = users.map((u, i) => ({ name: u.name, key: deriveMasterKey(spec, u.password, u.key, `users[${i}].`) }));
  checkDistinctKeys(listed);
  const out = listed.map((u, i) => ({ name: u.name, key: u.key.toString('base64'), ...limitsOf(users[i]!, i) }));
  if (supportsIdentityHeaders(spec)) {
    if (password === undefined && key === undefined) throw configError('password', `is required with users and ${spec.name}: the server's identity PSK (SIP023), a base64 key of ${spec.keyLength} bytes`);
    return { users: out, identityKey: deriveMasterKey(spec, password, key).toString('base64') };
  }
  if (password === undefined && key === undefined) return { users: out };
  const i = users.findIndex((u) => u.name === DEFAULT_USER_NAME);
  if (i !== -1) throw configError(`users[${i}].name`, `'${DEFAULT_USER_NAME}' is the name of the top-level password's user; choose another`);
  const top = deriveMasterKey(spec, password, key);
  checkDistinctKeys([{ name: DEFAULT_USER_NAME, key: top }, ...listed], 'the top-level password');
  return { users: [{ name: DEFAULT_USER_NAME, key: top.toString('base64') }, ...out] };
}

// A key must name one user: else which one connected would depend on the table's order.
function checkDistinctKeys(users: readonly { name: string; key: Buffer }[], first?: string): void {
  const seen = new Map<string, number>();
  for (const [i, u] of users.entries()) {
    const hex = u.key.toString('hex');
    const j = seen.get(hex);
    if (j !== undefined) {
      const other = first !== undefined ? (j === 0 ? first : `users[${j - 1}]`) : `users[${j}]`;
      throw configError(first !== undefined ? `users[${i - 1}]` : `users[${i}]`, `has the same key as ${other}`);
    }
    seen.set(hex, i);
  }
}
