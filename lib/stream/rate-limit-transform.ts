/**
 * Slows a stream to a {@link TokenBucket}'s rate through backpressure: each
 * chunk passes at once (no copy), and when the bucket is in debt the next
 * chunk is not accepted until the debt is paid. Upstream writes then buffer
 * up to the high-water mark and the pipeline pauses the source socket, so
 * TCP flow control slows the peer. No data is dropped.
 *
 *   chunk ──▶ push(chunk) ──▶ bucket.take(n) ── 0 ──▶ callback now
 *                                           └─ w ──▶ callback in w ms
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { TokenBucket } from './token-bucket.js';

/** A pass-through Transform paced by a shared token bucket. */
export class RateLimitTransform extends Transform {
  readonly #bucket: TokenBucket;
  #pending: TransformCallback | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(bucket: TokenBucket) {
    super();
    this.#bucket = bucket;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.push(chunk);
    const wait = this.#bucket.take(chunk.length);
    if (wait === 0) {
      callback();
      return;
    }
    // Timers only when throttled: the fast path allocates nothing.
    this.#pending = callback;
    this.#timer = setTimeout(this.#release, Math.ceil(wait));
  }

  readonly #release = (): void => {
    const callback = this.#pending;
    this.#pending = undefined;
    this.#timer = undefined;
    callback?.();
  };

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.#timer);
    this.#pending = undefined;
    callback(err);
  }
}
