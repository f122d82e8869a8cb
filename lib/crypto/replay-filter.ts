/**
 * A bounded two-generation set of salts (Outline's replay cache shape).
 * New salts go into the active generation; when it holds `capacity` salts it
 * becomes the archive and a fresh active generation starts, so at most
 * `2 * capacity` salts are remembered and the memory stays bounded.
 * A salt is "seen" if it is in either generation.
 */
export class ReplayFilter {
  readonly #capacity: number;
  #active = new Set<string>();
  #archive = new Set<string>();

  /** @param capacity salts per generation (at least 1) */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError('capacity must be a positive integer');
    this.#capacity = capacity;
  }

  /** How many salts are remembered now (both generations). */
  get size(): number {
    return this.#active.size + this.#archive.size;
  }

  /** True if `salt` was added before and not yet forgotten. */
  has(salt: Buffer): boolean {
    const key = salt.toString('latin1');
    return this.#active.has(key) || this.#archive.has(key);
  }

  /**
   * Adds `salt` unless already present.
   * @returns false if the salt was already there (a replay), true if it is new
   */
  add(salt: Buffer): boolean {
    const key = salt.toString('latin1');
    if (this.#active.has(key) || this.#archive.has(key)) return false;
    if (this.#active.size >= this.#capacity) {
      this.#archive = this.#active;
      this.#active = new Set();
    }
    this.#active.add(key);
    return true;
  }
}
