/**
 * A token bucket in bytes: the rate limit of one user in one direction,
 * shared by all the user's connections. Taking more than is in the bucket
 * is allowed (the bucket goes into debt) and answers how long to wait
 * before the next take, so a stream is slowed, never cut or dropped.
 *
 *   tokens ──(+rate per second, up to burst)──▶ take(n): tokens -= n
 *                                               tokens < 0 ──▶ wait −tokens / rate
 */

/** A monotonic clock in milliseconds. */
export type Clock = () => number;

/** Burst of a bucket: a tenth of a second of its rate, at least this many bytes (one full read). */
export const MIN_BURST_BYTES = 64 * 1024;

/** One rate in bytes per second, with a burst allowance. */
export class TokenBucket {
  /** Bytes per second. */
  readonly rate: number;
  /** Most bytes that pass without waiting after an idle spell. */
  readonly burst: number;
  readonly #now: Clock;
  #tokens: number;
  #last: number;
  #waits = 0;
  #waitedMs = 0;

  /**
   * @param rate bytes per second (> 0)
   * @param burst bytes; default a tenth of a second of `rate`, at least {@link MIN_BURST_BYTES}
   * @param now the clock; default `performance.now`
   */
  constructor(rate: number, burst = Math.max(MIN_BURST_BYTES, Math.ceil(rate / 10)), now: Clock = () => performance.now()) {
    if (!(rate > 0) || !(burst > 0)) throw new TypeError('rate and burst must be positive');
    this.rate = rate;
    this.burst = burst;
    this.#now = now;
    this.#tokens = burst;
    this.#last = now();
  }

  /** How many times a take had to wait. */
  get waits(): number {
    return this.#waits;
  }

  /** The total of the waits asked for, ms. */
  get waitedMs(): number {
    return this.#waitedMs;
  }

  /** Takes `bytes` from the bucket. @returns ms to wait before the next take (0: none) */
  take(bytes: number): number {
    const now = this.#now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.rate) / 1000);
    this.#last = now;
    this.#tokens -= bytes;
    if (this.#tokens >= 0) return 0;
    const wait = (-this.#tokens * 1000) / this.rate;
    this.#waits++;
    this.#waitedMs += wait;
    return wait;
  }
}
