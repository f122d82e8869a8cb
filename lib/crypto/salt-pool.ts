/**
 * The exact replay set of Shadowsocks 2022 (SIP022; PROTOCOL.md 4.2): every
 * accepted salt is kept for 60 s, twice the ±30 s a timestamp may be off, so
 * a request is either too old to be accepted or still remembered. No
 * probabilistic structure: a salt is refused exactly when it was accepted in
 * the last 60 s.
 *
 *   add(salt) ──▶ forget entries older than 60 s (oldest first) ──▶ seen? false : remember, true
 *
 * Entries expire in insertion order (one fixed lifetime), so pruning only
 * looks at the oldest ones. Only authenticated salts are added, so memory
 * grows with honest connections per minute, not with probes.
 */

/** How long an accepted salt is remembered, ms (shadowsocks-rust: 2 × 30 s). */
export const SALT_POOL_TTL_MS = 60_000;

/** An exact set of salts seen in the last {@link SALT_POOL_TTL_MS}. */
export class SaltPool {
  // Salt (as a latin1 string) to the time it was added; Map order is insertion order.
  readonly #seen = new Map<string, number>();
  readonly #now: () => number;
  readonly #ttlMs: number;

  /**
   * @param now clock in ms (tests). Default `Date.now`.
   * @param ttlMs how long a salt is kept. Default 60 000.
   */
  constructor(now: () => number = Date.now, ttlMs = SALT_POOL_TTL_MS) {
    this.#now = now;
    this.#ttlMs = ttlMs;
  }

  /** Salts remembered now. */
  get size(): number {
    this.#prune(this.#now());
    return this.#seen.size;
  }

  /** Records `salt`. @returns false if it was seen in the last 60 s (a replay) */
  add(salt: Buffer): boolean {
    const now = this.#now();
    this.#prune(now);
    const key = salt.toString('latin1');
    if (this.#seen.has(key)) return false;
    this.#seen.set(key, now);
    return true;
  }

  #prune(now: number): void {
    for (const [key, added] of this.#seen) {
      if (now - added < this.#ttlMs) return;
      this.#seen.delete(key);
    }
  }
}
