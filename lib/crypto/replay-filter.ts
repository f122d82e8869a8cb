/**
 * A bounded two-generation set of salts (Outline's replay cache shape).
 * New salts go into the active generation; when it holds `capacity` salts it
 * becomes the archive and a fresh active generation starts, so at most
 * `2 * capacity` salts are remembered and the memory stays bounded.
 * A salt is "seen" if it is in either generation.
 *
 * Each generation is a fixed open-addressing table of 64-bit fingerprints,
 * allocated once (zeroed pages, touched as they fill):
 *
 *   slot i = [hi u32][lo u32]      0/0 = empty; slots = 2^k ≥ 2 × capacity
 *   fingerprint = keyed 2 × 32-bit mix of the salt's bytes and length
 *
 * That is 16 bytes of table per remembered salt, whatever the churn, where a
 * Set of strings cost about 140 bytes and grew with every generation. The
 * mixing key is random per filter, so nobody can choose salts that crowd one
 * region of the table; a probe still never looks at more than
 * {@link MAX_PROBE} slots (a full window drops its first slot's salt, the
 * same as forgetting it a little early). Two salts share a fingerprint with
 * probability 2^-64: the cost is one honest connection refused as a replay.
 */
import { randomBytes } from 'node:crypto';

/** Slots looked at per lookup or insert, at most. */
const MAX_PROBE = 64;

/** A generation: the table and how many slots are used. */
interface Generation {
  table: Uint32Array;
  count: number;
}

/** Remembers the last `capacity` to `2 × capacity` salts, in fixed memory. */
export class ReplayFilter {
  readonly #capacity: number;
  readonly #onAdd: ((salt: Buffer) => void) | undefined;
  readonly #mask: number;
  readonly #k0: number;
  readonly #k1: number;
  #active: Generation;
  #archive: Generation;
  // The fingerprint of the salt last passed to #fingerprint().
  #hi = 0;
  #lo = 0;

  /**
   * @param capacity salts per generation (at least 1)
   * @param onAdd called with every salt newly added through `add()` (not
   *   `import()`), to share salts with other processes (cluster workers)
   */
  constructor(capacity: number, onAdd?: (salt: Buffer) => void) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError('capacity must be a positive integer');
    this.#capacity = capacity;
    this.#onAdd = onAdd;
    let slots = 16;
    while (slots < 2 * capacity) slots *= 2;
    this.#mask = slots - 1;
    const key = randomBytes(8);
    this.#k0 = key.readUInt32LE(0);
    this.#k1 = key.readUInt32LE(4);
    this.#active = { table: new Uint32Array(2 * slots), count: 0 };
    this.#archive = { table: new Uint32Array(2 * slots), count: 0 };
  }

  /** How many salts are remembered now (both generations). */
  get size(): number {
    return this.#active.count + this.#archive.count;
  }

  /** True if `salt` was added before and not yet forgotten. */
  has(salt: Buffer): boolean {
    this.#fingerprint(salt);
    return this.#find(this.#active) || this.#find(this.#archive);
  }

  /**
   * Adds `salt` unless already present.
   * @returns false if the salt was already there (a replay), true if it is new
   */
  add(salt: Buffer): boolean {
    if (this.has(salt)) return false;
    this.#insert();
    this.#onAdd?.(salt);
    return true;
  }

  /** Adds a salt seen elsewhere (another worker); does not call `onAdd`. */
  import(salt: Buffer): void {
    if (!this.has(salt)) this.#insert();
  }

  // Sets #hi/#lo: two 32-bit lanes (murmur3-style rounds, fmix32 finish)
  // over the bytes, seeded with the filter's key and the length.
  #fingerprint(salt: Buffer): void {
    const n = salt.length;
    let a = (this.#k0 ^ n) | 0;
    let b = (this.#k1 ^ Math.imul(n, 0x9e3779b1)) | 0;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const w = salt[i]! | (salt[i + 1]! << 8) | (salt[i + 2]! << 16) | (salt[i + 3]! << 24);
      a = Math.imul(rotl(a ^ Math.imul(w, 0xcc9e2d51), 15), 0x1b873593) + 0xe6546b64;
      b = Math.imul(rotl(b ^ Math.imul(w, 0x85ebca6b), 17), 0xc2b2ae35) + 0x27d4eb2f;
    }
    for (; i < n; i++) {
      a = Math.imul(a ^ salt[i]!, 0x01000193);
      b = Math.imul(b ^ salt[i]!, 0x5bd1e995);
    }
    a = fmix32(a ^ b);
    b = fmix32(b + a);
    if (a === 0 && b === 0) b = 1; // 0/0 marks an empty slot
    this.#hi = a;
    this.#lo = b;
  }

  #find(gen: Generation): boolean {
    const { table } = gen;
    const hi = this.#hi;
    const lo = this.#lo;
    let slot = hi & this.#mask;
    for (let p = 0; p < MAX_PROBE; p++) {
      const h = table[2 * slot]!;
      const l = table[2 * slot + 1]!;
      if (h === hi && l === lo) return true;
      if (h === 0 && l === 0) return false;
      slot = (slot + 1) & this.#mask;
    }
    return false;
  }

  #insert(): void {
    if (this.#active.count >= this.#capacity) {
      const old = this.#archive;
      old.table.fill(0);
      old.count = 0;
      this.#archive = this.#active;
      this.#active = old;
    }
    const gen = this.#active;
    const { table } = gen;
    const start = this.#hi & this.#mask;
    let slot = start;
    let free = -1;
    for (let p = 0; p < MAX_PROBE; p++) {
      if (table[2 * slot] === 0 && table[2 * slot + 1] === 0) {
        free = slot;
        break;
      }
      slot = (slot + 1) & this.#mask;
    }
    if (free === -1) slot = start; // a full window: its first salt is forgotten early
    else gen.count++;
    table[2 * slot] = this.#hi;
    table[2 * slot + 1] = this.#lo;
  }
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
