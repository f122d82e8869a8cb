/**
 * StreamDecryptTransform: a legacy stream-cipher direction in, plaintext out
 * (PROTOCOL.md section 2).
 *
 *   WaitIv ──iv_len bytes──▶ Decrypt (every later byte through one running keystream)
 *
 * There is no integrity: any bytes decrypt to something, and only the
 * address header after them can be wrong (the probe policy, docs/PROBES.md).
 * The IV goes through the replay filter when it arrives, as libev's
 * ppbloom does for TCP (methods with an IV only: not rc4 or table). The key
 * is the first of the ring's users: a stream cipher cannot tell users apart.
 */
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import type { CipherUser } from '../crypto/key-ring.js';
import type { CipherSpec } from '../crypto/methods.js';
import type { SaltFilter } from '../crypto/salt-filter.js';
import { createStreamCipher, type StreamCipher } from '../crypto/stream-cipher.js';
import { replayError, truncatedError } from '../errors.js';
import { ChunkQueue } from '../protocol/chunk-queue.js';
import type { CipherContext } from './cipher-context.js';

/** Options for {@link StreamDecryptTransform}. */
export interface StreamDecryptTransformOptions extends Pick<TransformOptions, 'highWaterMark' | 'writableHighWaterMark' | 'readableHighWaterMark'> {
  /** A stream method (from `getMethod()`). */
  spec: CipherSpec;
  /** The user whose key decrypts. */
  user: CipherUser;
  /** Where the user and the peer's IV are recorded for the encrypt side. */
  context?: CipherContext;
  /** IVs already seen; a repeat fails with `ERR_SS_REPLAY`. Default: no replay check. */
  replayFilter?: SaltFilter;
}

/** Decrypts one direction of a stream-cipher connection. */
export class StreamDecryptTransform extends Transform {
  readonly #spec: CipherSpec;
  readonly #user: CipherUser;
  readonly #context: CipherContext | undefined;
  readonly #replayFilter: SaltFilter | undefined;
  readonly #queue = new ChunkQueue();
  #cipher: StreamCipher | undefined;
  #failed = false;

  constructor(options: StreamDecryptTransformOptions) {
    const { spec, user, context, replayFilter, ...streamOptions } = options;
    super(streamOptions);
    this.#spec = spec;
    this.#user = user;
    this.#context = context;
    this.#replayFilter = replayFilter;
  }

  /** True once the IV has arrived and passed the replay filter (a stream cipher authenticates nothing). */
  get authenticated(): boolean {
    return this.#cipher !== undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#failed) {
      callback();
      return;
    }
    if (this.#cipher !== undefined) {
      callback(null, this.#cipher.update(chunk));
      return;
    }
    this.#queue.push(chunk);
    const ivLength = this.#spec.saltLength;
    if (this.#queue.length < ivLength) {
      callback();
      return;
    }
    const iv = Buffer.from(this.#queue.read(ivLength));
    if (ivLength > 0 && this.#replayFilter && !this.#replayFilter.add(iv)) {
      this.#failed = true;
      callback(replayError());
      return;
    }
    this.#cipher = createStreamCipher(this.#spec, this.#user.key, iv, true);
    if (this.#context) {
      this.#context.user = this.#user;
      this.#context.peerSalt = iv;
    }
    const rest = this.#queue.readAll();
    callback(null, rest.length > 0 ? this.#cipher.update(rest) : undefined);
  }

  override _flush(callback: TransformCallback): void {
    const queued = this.#queue.length;
    callback(this.#cipher === undefined && queued > 0 && !this.#failed ? truncatedError('the IV') : undefined);
  }
}
