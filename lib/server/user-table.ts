/**
 * The users of one listener: who may connect, with which key. The decrypt
 * side of each new connection (and each datagram) tries their keys in this
 * table's order and tells it which one matched.
 *
 *   candidates() ──▶ [most recently matched, ..., least recently matched]
 *   matched(u)   ──▶ u moves to the front
 *   set / delete ──▶ affect new connections only: a live connection keeps
 *                    the user object (and key) it was identified with
 *
 * A listener's users come from the `users` setting (or one, `default`, from
 * `password` or `key`); the table is also the seam for SIP023 identity
 * headers, the manager API and reload.
 */
import type { CipherUser, KeyRing } from '../crypto/key-ring.js';
import { pskHash } from '../crypto/kdf-2022.js';

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

/** One user of a listener. */
export interface User extends CipherUser {}

/** A listener's users, in most-recently-matched order. */
export class UserTable implements KeyRing<User> {
  // Most recently matched first. Small tables today; a per-client index
  // comes with many users per port.
  #order: User[] = [];
  // H(key) → user, for SIP023 identity headers; rebuilt on first use after a change.
  #byHash: Map<string, User> | undefined;

  /** @throws TypeError if two users share a name */
  constructor(users: Iterable<User> = []) {
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
    return this.#order.some((u) => u.name === name);
  }

  /** The user of this name, if any. */
  get(name: string): User | undefined {
    return this.#order.find((u) => u.name === name);
  }

  /**
   * Adds a user, or replaces the one of the same name (a new key). Live
   * connections of the old entry keep their key; new ones use the new.
   */
  set(user: User): void {
    const frozen: User = Object.freeze({ name: user.name, key: user.key });
    const i = this.#order.findIndex((u) => u.name === user.name);
    // Copy on write: a caller iterating candidates() never sees a change.
    const next = this.#order.slice();
    if (i === -1) next.push(frozen);
    else next[i] = frozen;
    this.#order = next;
    this.#byHash = undefined;
  }

  /** Removes a user; its live connections go on. @returns whether it existed */
  delete(name: string): boolean {
    const next = this.#order.filter((u) => u.name !== name);
    const existed = next.length !== this.#order.length;
    this.#order = next;
    this.#byHash = undefined;
    return existed;
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
  candidates(_clientAddress?: string): readonly User[] {
    return this.#order;
  }

  /** {@inheritDoc KeyRing.matched} */
  matched(user: User, _clientAddress?: string): void {
    const order = this.#order;
    if (order[0] === user) return; // the common case: no work, no allocation
    const i = order.indexOf(user);
    if (i === -1) return; // deleted or re-keyed since
    const next = order.slice();
    next.splice(i, 1);
    next.unshift(user);
    this.#order = next;
  }
}
