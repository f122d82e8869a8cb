/**
 * The users of one listener: who may connect, with which key and limits. The
 * decrypt side of each new connection (and each datagram) tries their keys
 * in this table's order and tells it which one matched.
 *
 * The order is Outline's (outline-ss-server `SnapshotForClientIP`): the
 * users whose keys recently opened connections from this client IP first,
 * then the rest, most recently matched first.
 *
 *   candidates(ip) ──▶ [ip's recent users..., then most recently matched, ..., least]
 *   matched(u, ip) ──▶ u moves to the front of the order and of ip's recent users
 *   set / delete   ──▶ affect new connections only: a live connection keeps
 *                      the user object (and key) it was identified with
 *
 * Cost: a client whose last user is also the most recently matched one (one
 * user, or one busy client) gets the shared order with no allocation; any
 * other gets a fresh array, O(users). The per-IP memory is bounded (an LRU
 * of client IPs, a few users each; see `client-key-memory.ts`).
 *
 * A listener's users come from the `users` setting (or one, `default`, from
 * `password` or `key`); the table is also the seam for SIP023 identity
 * headers, the manager API and reload.
 */
import type { UpstreamProxy } from '../protocol/proxy-url.js';
import type { CipherUser, KeyRing } from '../crypto/key-ring.js';
import { pskHash } from '../crypto/kdf-2022.js';
import { ClientKeyMemory, DEFAULT_CLIENT_IP_CAPACITY } from './client-key-memory.js';

// The hash of each user object's key, computed once per key (BLAKE3, a few µs).
const HASHES = new WeakMap<User, string>();

function hashOf(user: User): string {
  let hex = HASHES.get(user);
  if (hex === undefined) {
    hex = pskHash(user.key).toString('hex');
    HASHES.set(user, hex);
  }
  return hex;
}

/** One user of a listener, with its limits (none when absent). */
export interface User extends CipherUser {
  /** Most concurrent TCP connections (per server process). */
  readonly maxConnections?: number | undefined;
  /** Most bytes per second in each direction, over all the user's TCP connections (per server process). */
  readonly rateLimit?: number | undefined;
  /** The upstream proxy of this user's targets, instead of the server's (issue 17). Holds credentials. */
  readonly outboundProxy?: UpstreamProxy | undefined;
}

/** Options of a {@link UserTable}. */
export interface UserTableOptions {
  /** How many client IPs' recent users to remember. Default 4096. */
  clientIpCapacity?: number;
}

function freeze(user: User): User {
  const u: { name: string; key: Buffer; maxConnections?: number; rateLimit?: number; outboundProxy?: UpstreamProxy } = { name: user.name, key: user.key };
  if (user.maxConnections !== undefined) u.maxConnections = user.maxConnections;
  if (user.rateLimit !== undefined) u.rateLimit = user.rateLimit;
  if (user.outboundProxy !== undefined) u.outboundProxy = user.outboundProxy;
  return Object.freeze(u);
}

/** A listener's users, tried in the Outline order. */
export class UserTable implements KeyRing<User> {
  // Most recently matched first. Copy on write: a caller iterating a
  // candidates() array never sees a change.
  #order: readonly User[] = [];
  readonly #byName = new Map<string, User>();
  readonly #recent: ClientKeyMemory<User>;
  // H(key) → user, for SIP023 identity headers; rebuilt on first use after a change.
  #byHash: Map<string, User> | undefined;

  /** @throws TypeError if two users share a name */
  constructor(users: Iterable<User> = [], options: UserTableOptions = {}) {
    this.#recent = new ClientKeyMemory(options.clientIpCapacity ?? DEFAULT_CLIENT_IP_CAPACITY);
    for (const user of users) {
      if (this.has(user.name)) throw new TypeError(`user '${user.name}' is listed twice`);
      this.set(user);
    }
  }

  /** How many users there are. */
  get size(): number {
    return this.#order.length;
  }

  /** The user names, most recently matched first. */
  names(): string[] {
    return this.#order.map((u) => u.name);
  }

  /** Whether a user of this name exists. */
  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** The user of this name, if any. */
  get(name: string): User | undefined {
    return this.#byName.get(name);
  }

  /**
   * Adds a user, or replaces the one of the same name (a new key or new
   * limits). Live connections of the old entry keep their key; new ones use
   * the new.
   */
  set(user: User): void {
    const frozen = freeze(user);
    const old = this.#byName.get(user.name);
    const next = this.#order.slice();
    if (old === undefined) next.push(frozen);
    else next[next.indexOf(old)] = frozen;
    this.#order = next;
    this.#byName.set(user.name, frozen);
    this.#byHash = undefined;
  }

  /**
   * Makes the table hold exactly `users`: removes the others, and adds or
   * replaces those whose key or limits differ (an unchanged user keeps its
   * entry and its place in the order). Live connections go on with theirs.
   */
  replaceAll(users: readonly User[]): void {
    const keep = new Set(users.map((u) => u.name));
    for (const name of this.names()) if (!keep.has(name)) this.delete(name);
    for (const u of users) {
      const old = this.#byName.get(u.name);
      if (old === undefined || !old.key.equals(u.key) || old.maxConnections !== u.maxConnections || old.rateLimit !== u.rateLimit) this.set(u);
    }
  }

  /** Removes a user; its live connections go on. @returns whether it existed */
  delete(name: string): boolean {
    const old = this.#byName.get(name);
    if (old === undefined) return false;
    this.#order = this.#order.filter((u) => u !== old);
    this.#byName.delete(name);
    this.#byHash = undefined;
    return true;
  }

  /** {@inheritDoc KeyRing.findByPskHash} */
  findByPskHash(hash: Buffer): User | undefined {
    if (this.#byHash === undefined) {
      this.#byHash = new Map();
      for (const user of this.#order) this.#byHash.set(hashOf(user), user);
    }
    return this.#byHash.get(hash.toString('hex'));
  }

  /** {@inheritDoc KeyRing.candidates} */
  candidates(clientAddress?: string): readonly User[] {
    const order = this.#order;
    if (clientAddress === undefined || order.length <= 1) return order;
    const recent = this.#recent.recall(clientAddress);
    if (recent === undefined) return order;
    // The common case: this client's recent users already lead the order.
    let lead = 0;
    while (lead < recent.length && order[lead] === recent[lead]) lead++;
    if (lead === recent.length) return order;
    const out: User[] = [];
    for (const u of recent) if (this.#byName.get(u.name) === u) out.push(u); // skip deleted or re-keyed
    for (const u of order) if (!recent.includes(u)) out.push(u);
    return out;
  }

  /** {@inheritDoc KeyRing.matched} */
  matched(user: User, clientAddress?: string): void {
    if (this.#byName.get(user.name) !== user) return; // deleted or re-keyed since
    const order = this.#order;
    if (clientAddress !== undefined && order.length > 1) this.#recent.remember(clientAddress, user);
    if (order[0] === user) return; // the common case: no work, no allocation
    const next = order.slice();
    next.splice(next.indexOf(user), 1);
    next.unshift(user);
    this.#order = next;
  }
}
