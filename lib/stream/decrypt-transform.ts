/**
 * DecryptTransform: a Shadowsocks AEAD stream in, plaintext out.
 *
 *   WaitSalt ──salt──▶ ReadLength ──18 bytes──▶ ReadPayload ──len + 16──▶ ReadLength ...
 *
 * Nothing is pushed before its tag is verified. A length above 0x3FFF (or
 * zero) is refused before its bytes are awaited, so the queue never holds
 * more than one frame after a write is processed. The salt enters the replay
 * filter only once the first length chunk authenticates: unauthenticated
 * garbage cannot fill the filter.
 */
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { MAX_PAYLOAD } from '../constants.js';
import { AeadSession } from '../crypto/aead-session.js';
import { deriveSubkey } from '../crypto/kdf.js';
import type { CipherSpec } from '../crypto/methods.js';
import type { ReplayFilter } from '../crypto/replay-filter.js';
import { chunkEmptyError, chunkTooLargeError, decryptError, replayError, truncatedError, type SsError } from '../errors.js';
import { ChunkQueue } from '../protocol/chunk-queue.js';

const State = { WaitSalt: 0, ReadLength: 1, ReadPayload: 2, Failed: 3 } as const;
type State = (typeof State)[keyof typeof State];

/** Options for {@link DecryptTransform}. */
export interface DecryptTransformOptions extends Pick<TransformOptions, 'highWaterMark' | 'writableHighWaterMark' | 'readableHighWaterMark'> {
  /** The method (from `getMethod()`). */
  spec: CipherSpec;
  /** The master key (from `evpBytesToKey()`), never the password. */
  masterKey: Buffer;
  /** Salts already seen; a repeat fails with `ERR_SS_REPLAY`. Default: no replay check. */
  replayFilter?: ReplayFilter;
}

/** Decrypts and authenticates a Shadowsocks AEAD byte stream. */
export class DecryptTransform extends Transform {
  readonly #spec: CipherSpec;
  readonly #masterKey: Buffer;
  readonly #replayFilter: ReplayFilter | undefined;
  readonly #queue = new ChunkQueue();
  #state: State = State.WaitSalt;
  #need: number;
  #session: AeadSession | undefined;
  #salt: Buffer | undefined;
  #authenticated = false;

  constructor(options: DecryptTransformOptions) {
    const { spec, masterKey, replayFilter, ...streamOptions } = options;
    super(streamOptions);
    this.#spec = spec;
    this.#masterKey = masterKey;
    this.#replayFilter = replayFilter;
    this.#need = spec.saltLength;
  }

  /** True once the first chunk has authenticated (the peer knows the key). */
  get authenticated(): boolean {
    return this.#authenticated;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#state === State.Failed) {
      callback();
      return;
    }
    this.#queue.push(chunk);
    const err = this.#drain();
    if (err) this.#state = State.Failed;
    callback(err);
  }

  override _flush(callback: TransformCallback): void {
    const clean = this.#queue.length === 0 && (this.#state === State.ReadLength || this.#state === State.WaitSalt);
    if (clean || this.#state === State.Failed) callback();
    else callback(truncatedError(this.#state === State.WaitSalt ? 'the salt' : 'a chunk'));
  }

  // Runs the state machine over the queue; returns an error to fail with.
  #drain(): SsError | null {
    const tagLength = this.#spec.tagLength;
    while (this.#queue.length >= this.#need) {
      switch (this.#state) {
        case State.WaitSalt:
          this.#salt = Buffer.from(this.#queue.read(this.#need));
          this.#session = new AeadSession(this.#spec, deriveSubkey(this.#masterKey, this.#salt));
          this.#state = State.ReadLength;
          this.#need = 2 + tagLength;
          break;
        case State.ReadLength: {
          const frame = this.#queue.read(this.#need);
          const plain = this.#session!.open(frame.subarray(0, 2), frame.subarray(2));
          if (plain === null) return decryptError('length chunk');
          if (!this.#authenticated) {
            // Only an authenticated salt is recorded (shadowsocks-rust #442, Outline tcp.go).
            if (this.#replayFilter && !this.#replayFilter.add(this.#salt!)) return replayError();
            this.#authenticated = true;
          }
          const length = plain.readUInt16BE(0);
          if (length > MAX_PAYLOAD) return chunkTooLargeError(length);
          if (length === 0) return chunkEmptyError();
          this.#state = State.ReadPayload;
          this.#need = length + tagLength;
          break;
        }
        case State.ReadPayload: {
          const frame = this.#queue.read(this.#need);
          const split = frame.length - tagLength;
          const plain = this.#session!.open(frame.subarray(0, split), frame.subarray(split));
          if (plain === null) return decryptError('payload chunk');
          this.push(plain);
          this.#state = State.ReadLength;
          this.#need = 2 + tagLength;
          break;
        }
      }
    }
    return null;
  }
}
