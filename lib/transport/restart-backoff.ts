/**
 * When to restart a process that died (a cluster worker, a SIP003 plugin), and when to stop trying: an
 * exponential delay per failure, and a bound on failures in a sliding window
 * (a crash loop is handed to the service manager instead of spinning).
 *
 *   failure 1 ─▶ 100 ms, 2 ─▶ 200 ms, 3 ─▶ 400 ms ... capped at 10 s
 *   more than 5 failures within 60 s ─▶ give up (undefined)
 *
 * Pure: time comes from the injected `now()`.
 */

/** Options of {@link RestartBackoff}; every field has a default. */
export interface RestartBackoffOptions {
  /** Delay before the first restart in a window, ms. Default 100. */
  initialDelayMs?: number;
  /** Largest delay, ms. Default 10 000. */
  maxDelayMs?: number;
  /** Restarts allowed within `windowMs`; one more failure gives up. Default 5. */
  maxRestarts?: number;
  /** Length of the sliding window, ms. Default 60 000. */
  windowMs?: number;
}

/** The defaults of {@link RestartBackoffOptions}. */
export const RESTART_BACKOFF_DEFAULTS: Readonly<Required<RestartBackoffOptions>> = Object.freeze({
  initialDelayMs: 100,
  maxDelayMs: 10_000,
  maxRestarts: 5,
  windowMs: 60_000,
});

/** Failure bookkeeping for one worker slot. */
export class RestartBackoff {
  readonly #o: Required<RestartBackoffOptions>;
  readonly #now: () => number;
  /** Times of the failures still inside the window, oldest first. */
  readonly #failures: number[] = [];

  constructor(options: RestartBackoffOptions = {}, now: () => number = Date.now) {
    this.#o = { ...RESTART_BACKOFF_DEFAULTS, ...options };
    this.#now = now;
  }

  /** The window's length, ms. */
  get windowMs(): number {
    return this.#o.windowMs;
  }

  /** Failures counted in the current window. */
  get recentFailures(): number {
    this.#forgetOld(this.#now());
    return this.#failures.length;
  }

  /**
   * Records a failure now. Returns the delay before the restart (ms), or
   * `undefined` when more than `maxRestarts` failures fell within the window.
   */
  next(): number | undefined {
    const now = this.#now();
    this.#forgetOld(now);
    this.#failures.push(now);
    const n = this.#failures.length;
    if (n > this.#o.maxRestarts) return undefined;
    return Math.min(this.#o.maxDelayMs, this.#o.initialDelayMs * 2 ** (n - 1));
  }

  #forgetOld(now: number): void {
    while (this.#failures.length > 0 && now - this.#failures[0]! >= this.#o.windowMs) this.#failures.shift();
  }
}
