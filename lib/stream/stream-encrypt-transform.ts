/**
 * StreamEncryptTransform: plaintext in, a legacy stream-cipher direction out
 * (PROTOCOL.md section 2).
 *
 *   [IV] [keystream ^ plaintext ...]
 *
 * The IV goes in front of the first output; each input write becomes one
 * output buffer of the same length, so nothing is buffered. Our own IV is
 * recorded in the replay filter, so a reflection of this stream back at a
 * server is refused (libev adds its own IVs too).
 */
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import type { CipherSpec } from '../crypto/methods.js';
import { randomSalt } from '../crypto/random-salt.js';
import type { SaltFilter } from '../crypto/salt-filter.js';
import { createStreamCipher, type StreamCipher } from '../crypto/stream-cipher.js';

/** Options for {@link StreamEncryptTransform}. */
export interface StreamEncryptTransformOptions extends Pick<TransformOptions, 'highWaterMark' | 'writableHighWaterMark' | 'readableHighWaterMark'> {
  /** A stream method (from `getMethod()`). */
  spec: CipherSpec;
  /** The key (from `evpBytesToKey()`; the password bytes for `table`). */
  key: Buffer;
  /** A fixed IV, for known-answer tests only. Default: random. */
  iv?: Buffer;
  /** Where our own IV is recorded. Default: none. */
  replayFilter?: SaltFilter;
}

/** Encrypts one direction of a stream-cipher connection. */
export class StreamEncryptTransform extends Transform {
  readonly #iv: Buffer;
  readonly #cipher: StreamCipher;
  #ivSent = false;

  /** @throws TypeError if `iv` has the wrong length */
  constructor(options: StreamEncryptTransformOptions) {
    const { spec, key, iv, replayFilter, ...streamOptions } = options;
    super(streamOptions);
    this.#iv = iv ?? randomSalt(spec.saltLength);
    if (this.#iv.length !== spec.saltLength) throw new TypeError(`iv must be ${spec.saltLength} bytes`);
    if (spec.saltLength > 0) replayFilter?.add(this.#iv);
    this.#cipher = createStreamCipher(spec, key, this.#iv, false);
  }

  /** The IV this stream starts with. */
  get iv(): Buffer {
    return this.#iv;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (chunk.length === 0) {
      callback();
      return;
    }
    const body = this.#cipher.update(chunk);
    if (this.#ivSent || this.#iv.length === 0) {
      callback(null, body);
      return;
    }
    this.#ivSent = true;
    callback(null, Buffer.concat([this.#iv, body]));
  }
}
