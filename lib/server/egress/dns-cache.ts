/**
 * The outbound resolver's answers, kept until their TTL runs out, at most
 * `capacity` names: the least recently used name goes first beyond that.
 * Expired entries are dropped when read; a full cache evicts before it grows,
 * so memory stays bounded whatever names clients send.
 */
import type { LookupAddress } from 'node:dns';

/** One cached answer: addresses, or the error code of a name that does not exist. */
export type DnsCacheEntry =
  | { readonly addresses: readonly LookupAddress[]; readonly error?: undefined }
  | { readonly addresses?: undefined; readonly error: { readonly code: string; readonly message: string } };

interface Slot {
  entry: DnsCacheEntry;
  expiresAt: number;
}

/** A least-recently-used map of name to answer, with expiry. */
export class DnsCache {
  readonly #capacity: number;
  readonly #slots = new Map<string, Slot>();

  /** @param capacity the most names kept (>= 1) */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Names held, expired ones included until they are read or evicted. */
  get size(): number {
    return this.#slots.size;
  }

  /** The answer for `name` if it has not expired at `now` (ms); marks it recently used. */
  get(name: string, now: number): DnsCacheEntry | undefined {
    const slot = this.#slots.get(name);
    if (slot === undefined) return undefined;
    this.#slots.delete(name);
    if (now >= slot.expiresAt) return undefined;
    this.#slots.set(name, slot);
    return slot.entry;
  }

  /** Keeps `entry` for `name` until `expiresAt` (ms), evicting the least recently used name if full. */
  set(name: string, entry: DnsCacheEntry, expiresAt: number): void {
    this.#slots.delete(name);
    while (this.#slots.size >= this.#capacity) this.#slots.delete(this.#slots.keys().next().value!);
    this.#slots.set(name, { entry, expiresAt });
  }
}
