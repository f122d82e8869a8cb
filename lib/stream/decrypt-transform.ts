/**
 * DecryptTransform: a Shadowsocks AEAD stream in, plaintext out.
 *
 *   WaitSalt ──salt + 18 bytes──▶ ReadPayload ──len + 16──▶ ReadLength ──18 bytes──▶ ReadPayload ...
 *            (identify the user:
 *             the first key whose subkey opens the first length chunk)
 *
 * Nothing is pushed before its tag is verified. A length above 0x3FFF (or
 * zero) is refused before its bytes are awaited, so the queue never holds
 * more than one frame after a write is processed. The salt enters the replay
 * filter only once the first length chunk authenticates: unauthenticated
 * garbage cannot fill the filter.
 *
 * With a key ring of several users, the first length chunk is tried with
 * each candidate's subkey in the ring's order (trial decryption, as
 * Outline): a miss costs one HKDF and one 18-byte open per key.
 */
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { MAX_PAYLOAD } from '../constants.js';
import { AeadSession } from '../crypto/aead-session.js';
import { deriveSubkey } from '../crypto/kdf.js';
import { singleKeyRing, type CipherUser, type KeyRing } from '../crypto/key-ring.js';
import type { CipherSpec } from '../crypto/methods.js';
import type { SaltFilter } from '../crypto/salt-filter.js';
import { chunkEmptyError, chunkTooLargeError, decryptError, replayError, truncatedError, type SsError } from '../errors.js';
import { ChunkQueue } from '../protocol/chunk-queue.js';
import type { CipherContext } from './cipher-context.js';

const State = { WaitSalt: 0, ReadLength: 1, ReadPayload: 2, Failed: 3 } as const;
type State = (typeof State)[keyof typeof State];

/** Options for {@link DecryptTransform}. */
export interface DecryptTransformOptions extends Pick<TransformOptions, 'highWaterMark' | 'writableHighWaterMark' | 'readableHighWaterMark'> {
  /** The method (from `getMethod()`). */
  spec: CipherSpec;
  /** The master key (from `evpBytesToKey()`), never the password. Give this or `keys`. */
  masterKey?: Buffer;
  /** The users whose keys may open the stream, tried in the ring's order. Give this or `masterKey`. */
  keys?: KeyRing;
  /** The client's address, for the ring's per-client ordering. */
  clientAddress?: string;
  /** Where the identified user and the peer's salt are recorded for the encrypt side. */
  context?: CipherContext;
  /** Salts already seen; a repeat fails with `ERR_SS_REPLAY`. Default: no replay check. */
  replayFilter?: SaltFilter;
}

/** Decrypts and authenticates a Shadowsocks AEAD byte stream. */
export class DecryptTransform extends Transform {
  readonly #spec: CipherSpec;
  readonly #keys: KeyRing;
  readonly #clientAddress: string | undefined;
  readonly #context: CipherContext | undefined;
  readonly #replayFilter: SaltFilter | undefined;
  readonly #queue = new ChunkQueue();
  #state: State = State.WaitSalt;
  #need: number;
  #session: AeadSession | undefined;
  #user: CipherUser | undefined;
  #identifyMicros: number | undefined;

  /** @throws TypeError unless exactly one of `masterKey` and `keys` is given */
  constructor(options: DecryptTransformOptions) {
    const { spec, masterKey, keys, clientAddress, context, replayFilter, ...streamOptions } = options;
    super(streamOptions);
    if ((masterKey === undefined) === (keys === undefined)) throw new TypeError('give exactly one of masterKey and keys');
    this.#spec = spec;
    this.#keys = keys ?? singleKeyRing(masterKey!);
    this.#clientAddress = clientAddress;
    this.#context = context;
    this.#replayFilter = replayFilter;
    this.#need = spec.saltLength + 2 + spec.tagLength;
  }

  /** True once the first chunk has authenticated (the peer knows the key). */
  get authenticated(): boolean {
    return this.#user !== undefined;
  }

  /** Microseconds spent finding the user (trial decryption); unset until the first chunk authenticates. */
  get identifyMicros(): number | undefined {
    return this.#user === undefined ? undefined : this.#identifyMicros;
  }

  /** The user whose key opened the stream; unset until the first chunk authenticates. */
  get user(): CipherUser | undefined {
    return this.#user;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#state === State.Failed) {
      callback();
      return;
    }
    this.#queue.push(chunk);
    const err = this.#parse();
    if (err) this.#state = State.Failed;
    callback(err);
  }

  override _flush(callback: TransformCallback): void {
    const queued = this.#queue.length;
    // A stream that ends on a frame boundary is clean: also right after the salt, with no chunk.
    const clean = this.#state === State.WaitSalt ? queued === 0 || queued === this.#spec.saltLength : this.#state === State.ReadLength && queued === 0;
    if (clean || this.#state === State.Failed) callback();
    else callback(truncatedError(this.#state === State.WaitSalt && queued < this.#spec.saltLength ? 'the salt' : 'a chunk'));
  }

  // Runs the state machine over the queue; returns an error to fail with.
  #parse(): SsError | null {
    const tagLength = this.#spec.tagLength;
    while (this.#queue.length >= this.#need) {
      switch (this.#state) {
        case State.WaitSalt: {
          const salt = Buffer.from(this.#queue.read(this.#spec.saltLength));
          const started = performance.now();
          const plain = this.#identify(salt, this.#queue.read(2 + tagLength));
          this.#identifyMicros = (performance.now() - started) * 1000;
          if (plain === null) return decryptError('length chunk');
          // Only an authenticated salt is recorded (shadowsocks-rust #442, Outline tcp.go).
          if (this.#replayFilter && !this.#replayFilter.add(salt)) return replayError();
          if (this.#context) {
            this.#context.user = this.#user;
            this.#context.peerSalt = salt;
          }
          const err = this.#expectPayload(plain);
          if (err) return err;
          break;
        }
        case State.ReadLength: {
          const frame = this.#queue.read(this.#need);
          const plain = this.#session!.open(frame.subarray(0, 2), frame.subarray(2));
          if (plain === null) return decryptError('length chunk');
          const err = this.#expectPayload(plain);
          if (err) return err;
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

  // Trial decryption: the first candidate whose subkey opens the first length chunk.
  #identify(salt: Buffer, frame: Buffer): Buffer | null {
    const ciphertext = frame.subarray(0, 2);
    const tag = frame.subarray(2);
    for (const user of this.#keys.candidates(this.#clientAddress)) {
      const session = new AeadSession(this.#spec, deriveSubkey(user.key, salt));
      const plain = session.open(ciphertext, tag);
      if (plain === null) continue;
      this.#session = session;
      this.#user = user;
      this.#keys.matched(user, this.#clientAddress);
      return plain;
    }
    return null;
  }

  // A decrypted length: checked, then its payload is awaited.
  #expectPayload(plain: Buffer): SsError | null {
    const length = plain.readUInt16BE(0);
    if (length > MAX_PAYLOAD) return chunkTooLargeError(length);
    if (length === 0) return chunkEmptyError();
    this.#state = State.ReadPayload;
    this.#need = length + this.#spec.tagLength;
    return null;
  }
}
