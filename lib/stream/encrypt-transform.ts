/**
 * EncryptTransform: plaintext in, a Shadowsocks AEAD stream out.
 *
 *   [salt] [seal(len u16be) | tag] [seal(payload) | tag] [seal(len) | tag] [seal(payload) | tag] ...
 *          \________ 18 ________/ \____ len + 16 ____/
 *
 * The salt goes in front of the first output; input is cut into chunks of at
 * most 0x3FFF bytes. Each input write becomes one output buffer, so nothing is
 * buffered between writes and `_flush` has nothing to do.
 */
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { MAX_PAYLOAD } from '../constants.js';
import { AeadSession } from '../crypto/aead-session.js';
import { deriveSubkey } from '../crypto/kdf.js';
import type { CipherSpec } from '../crypto/methods.js';
import type { SaltFilter } from '../crypto/salt-filter.js';
import { randomSalt } from '../crypto/random-salt.js';

/** Options for {@link EncryptTransform}. */
export interface EncryptTransformOptions extends Pick<TransformOptions, 'highWaterMark' | 'writableHighWaterMark' | 'readableHighWaterMark'> {
  /** The method (from `getMethod()`). */
  spec: CipherSpec;
  /** The master key (from `evpBytesToKey()`), never the password. */
  masterKey: Buffer;
  /** A fixed salt, for known-answer tests only. Default: random. */
  salt?: Buffer;
  /**
   * Where our own salt is recorded, so that a client (or attacker) sending
   * it back to us is caught as a replay. Default: none.
   */
  replayFilter?: SaltFilter;
}

/** Encrypts a byte stream into Shadowsocks AEAD chunks. */
export class EncryptTransform extends Transform {
  readonly #salt: Buffer;
  readonly #session: AeadSession;
  #saltSent = false;

  constructor(options: EncryptTransformOptions) {
    const { spec, masterKey, salt, replayFilter, ...streamOptions } = options;
    super(streamOptions);
    this.#salt = salt ?? randomSalt(spec.saltLength);
    if (this.#salt.length !== spec.saltLength) throw new TypeError(`salt must be ${spec.saltLength} bytes`);
    replayFilter?.add(this.#salt);
    this.#session = new AeadSession(spec, deriveSubkey(masterKey, this.#salt));
  }

  /** The salt this stream starts with. */
  get salt(): Buffer {
    return this.#salt;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (chunk.length === 0) {
      callback();
      return;
    }
    const head = this.#saltSent ? 0 : this.#salt.length;
    const out = Buffer.allocUnsafe(head + this.#session.chunkedLength(chunk.length, MAX_PAYLOAD));
    if (head > 0) {
      this.#salt.copy(out, 0);
      this.#saltSent = true;
    }
    this.#session.sealChunksInto(chunk, MAX_PAYLOAD, out, head);
    callback(null, out);
  }
}
