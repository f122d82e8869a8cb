/**
 * A bounded two-generation set of salts (Outline's replay cache shape).
 * New salts go into the active generation; when it holds `capacity` salts it
 * becomes the archive and a fresh active generation starts, so at most
 * `2 * capacity` salts are remembered and the memory stays bounded.
 * A salt is "seen" if it is in either generation.
 */
export class ReplayFilter {
  readonly #capacity: number;
  readonly #onAdd: ((salt: Buffer) => void) | undefined;
  #active = new Set<string>();
  #archive = new Set<string>();

  /**
   * @param capacity salts per generation (at least 1)
   * @param onAdd called with every salt newly added through `add()` (not
   *   `import()`), to share salts with other processes (cluster workers)
   */
  constructor(capacity: number, onAdd?: (salt: Buffer) => void) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError('capacity must be a positive integer');
    this.#capacity = capacity;
    this.#onAdd = onAdd;
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
    this.#insert(key);
    this.#onAdd?.(salt);
    return true;
  }

  /** Adds a salt seen elsewhere (another worker); does not call `onAdd`. */
  import(salt: Buffer): void {
    const key = salt.toString('latin1');
    if (!this.#active.has(key) && !this.#archive.has(key)) this.#insert(key);
  }

  #insert(key: string): void {
    if (this.#active.size >= this.#capacity) {
      this.#archive = this.#active;
      this.#active = new Set();
    }
    this.#active.add(key);
  }
}
