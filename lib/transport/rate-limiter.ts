/**
 * A per-kind rate limiter for repeated log lines: at most one event of each
 * kind passes per interval, and the one that passes learns how many were
 * held back since the last one that did.
 *
 *   t=0   take('accept') -> 0          (passes)
 *   t=1s  take('accept') -> undefined  (held back, counted)
 *   t=2s  take('accept') -> undefined  (held back, counted)
 *   t=10s take('accept') -> 2          (passes: 2 held back since t=0)
 *
 * Held-back events are reported with the next event that passes; a burst
 * that stops for good leaves its count unreported (no timer is kept).
 */

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Minimum time between two events of one kind that pass, ms. Default 10 000. */
  intervalMs?: number;
  /** Time source, ms. Default `Date.now`. */
  now?: () => number;
}

/** Default interval of a {@link RateLimiter}: one line per kind per 10 s. */
export const DEFAULT_RATE_LIMIT_INTERVAL_MS = 10_000;

interface KindState {
  /** When an event of this kind last passed. */
  passedAt: number;
  /** Events held back since then. */
  held: number;
}

/** Lets one event per kind through per interval and counts the rest. */
export class RateLimiter {
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #kinds = new Map<string, KindState>();

  /** @throws TypeError for an `intervalMs` that is not a non-negative integer */
  constructor(options: RateLimiterOptions = {}) {
    this.#intervalMs = options.intervalMs ?? DEFAULT_RATE_LIMIT_INTERVAL_MS;
    this.#now = options.now ?? Date.now;
    if (!Number.isInteger(this.#intervalMs) || this.#intervalMs < 0) throw new TypeError(`intervalMs must be a non-negative integer, got ${this.#intervalMs}`);
  }

  /**
   * Records an event of `kind`. Returns the number of events of that kind
   * held back since the last one that passed when this one passes, or
   * `undefined` when it is held back. Keep the set of kinds small and
   * fixed: each kind is remembered for the limiter's lifetime.
   */
  take(kind: string): number | undefined {
    const now = this.#now();
    const state = this.#kinds.get(kind);
    if (state === undefined) {
      this.#kinds.set(kind, { passedAt: now, held: 0 });
      return 0;
    }
    if (now - state.passedAt < this.#intervalMs) {
      state.held++;
      return undefined;
    }
    const held = state.held;
    state.passedAt = now;
    state.held = 0;
    return held;
  }
}
