/**
 * Aead2022DecryptTransform: a Shadowsocks 2022 stream in, plaintext out
 * (SIP022; PROTOCOL.md 4.2). On the server it opens a request, on the client
 * a response:
 *
 *   server  WaitHeader ──salt [+ EIH] + seal(11)──▶ ReadVariableHeader ──seal(vlen)──▶ ReadLength ⇄ ReadPayload
 *           (user, type 0, timestamp,       (push address || initial payload,
 *            then the salt pool)             padding dropped)
 *
 * The server finds the user by trial (each candidate's PSK opens the fixed
 * header) or, given an identity PSK (SIP023), by the identity header after
 * the salt: one AES block opened with the identity subkey names H(uPSK),
 * looked up in the user table; an unknown hash fails like a wrong key.
 *   client  WaitHeader ──salt + seal(11 + salt)──▶ ReadPayload (first, len from the header) ──▶ ReadLength ⇄ ReadPayload
 *           (type 1, timestamp, our request salt)
 *
 * The server's plaintext is exactly what an AEAD stream carries (`address
 * header || payload`), so the HeaderParser and the rest of the pipeline do
 * not change. A first flight may arrive in any number of pieces: nothing is
 * decided until a whole header chunk is there. The salt enters the replay
 * set only after the fixed header authenticates and its timestamp is fresh.
 * Chunks carry at most 0xFFFF bytes, so the queue never holds more than one
 * frame after a write is processed.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { AeadSession } from '../crypto/aead-session.js';
import { sessionSubkey } from '../crypto/kdf-2022.js';
import { IDENTITY_HEADER_LENGTH, openTcpIdentityHeader } from '../crypto/identity-header.js';
import type { CipherUser } from '../crypto/key-ring.js';
import type { CipherSpec } from '../crypto/methods.js';
import { chunkEmptyError, decryptError, replayError, toSsError, truncatedError, type SsError } from '../errors.js';
import { ChunkQueue } from '../protocol/chunk-queue.js';
import { decodeFixedHeader, decodeResponseHeader, decodeVariableHeader, FIXED_HEADER_LENGTH, responseHeaderLength } from '../protocol/header-2022.js';
import type { DecryptOptions } from './cipher-family.js';

const State = { WaitHeader: 0, ReadVariableHeader: 1, ReadLength: 2, ReadPayload: 3, Failed: 4 } as const;
type State = (typeof State)[keyof typeof State];

/** Options for {@link Aead2022DecryptTransform}: the family's, plus the method and a clock. */
export interface Aead2022DecryptOptions extends DecryptOptions {
  /** A 2022 method. */
  spec: CipherSpec;
  /** Clock in ms, for timestamps (tests). Default `Date.now`. */
  now?: () => number;
}

/** Decrypts and checks a Shadowsocks 2022 byte stream. */
export class Aead2022DecryptTransform extends Transform {
  readonly #o: Aead2022DecryptOptions;
  readonly #tag: number;
  readonly #queue = new ChunkQueue();
  readonly #now: () => number;
  #state: State = State.WaitHeader;
  #need: number;
  #session: AeadSession | undefined;
  #user: CipherUser | undefined;

  constructor(options: Aead2022DecryptOptions) {
    super();
    this.#o = options;
    this.#tag = options.spec.tagLength;
    this.#now = options.now ?? Date.now;
    const header = options.side === 'server' ? FIXED_HEADER_LENGTH : responseHeaderLength(options.spec.saltLength);
    const identity = options.side === 'server' && options.identityKey !== undefined ? IDENTITY_HEADER_LENGTH : 0;
    this.#need = options.spec.saltLength + identity + header + this.#tag;
  }

  /** True once the header chunk has authenticated. */
  get authenticated(): boolean {
    return this.#user !== undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#state === State.Failed) {
      callback();
      return;
    }
    this.#queue.push(chunk);
    let err: SsError | null;
    try {
      err = this.#parse();
    } catch (e) {
      err = toSsError(e); // the header codecs throw coded errors
    }
    if (err) this.#state = State.Failed;
    callback(err);
  }

  override _flush(callback: TransformCallback): void {
    const clean = (this.#state === State.WaitHeader || this.#state === State.ReadLength) && this.#queue.length === 0;
    callback(clean || this.#state === State.Failed ? null : truncatedError(this.#state === State.WaitHeader ? 'the 2022 header' : 'a chunk'));
  }

  #parse(): SsError | null {
    while (this.#queue.length >= this.#need) {
      const err = this.#step();
      if (err) return err;
    }
    return null;
  }

  #step(): SsError | null {
    switch (this.#state) {
      case State.WaitHeader:
        return this.#o.side === 'server' ? this.#openRequestHeader() : this.#openResponseHeader();
      case State.ReadVariableHeader: {
        const plain = this.#open(this.#queue.read(this.#need));
        if (plain === null) return decryptError('variable header chunk');
        const { address, payload } = decodeVariableHeader(plain);
        this.push(Buffer.concat([address, payload]));
        return this.#expectLength();
      }
      case State.ReadLength: {
        const plain = this.#open(this.#queue.read(this.#need));
        if (plain === null) return decryptError('length chunk');
        const length = plain.readUInt16BE(0);
        if (length === 0) return chunkEmptyError();
        return this.#expectPayload(length);
      }
      default: {
        const plain = this.#open(this.#queue.read(this.#need));
        if (plain === null) return decryptError('payload chunk');
        if (plain.length > 0) this.push(plain);
        return this.#expectLength();
      }
    }
  }

  // Server: salt, [the identity header,] then the fixed header, opened with the
  // identified user's session subkey or else each candidate's.
  #openRequestHeader(): SsError | null {
    const { spec, keys, clientAddress, context, replayFilter, identityKey } = this.#o;
    const salt = Buffer.from(this.#queue.read(spec.saltLength));
    let candidates = keys.candidates(clientAddress);
    if (identityKey !== undefined) {
      const user = keys.findByPskHash?.(openTcpIdentityHeader(identityKey, salt, this.#queue.read(IDENTITY_HEADER_LENGTH)));
      candidates = user === undefined ? [] : [user];
    }
    const frame = this.#queue.read(FIXED_HEADER_LENGTH + this.#tag);
    let plain: Buffer | null = null;
    for (const user of candidates) {
      const session = new AeadSession(spec, sessionSubkey(user.key, salt));
      plain = this.#openWith(session, frame);
      if (plain === null) continue;
      this.#session = session;
      this.#user = user;
      keys.matched(user, clientAddress);
      break;
    }
    if (plain === null) return decryptError('header chunk');
    const vlen = decodeFixedHeader(plain, this.#now());
    // Recorded only once authenticated and fresh (shadowsocks-rust check_nonce_replay after decryption).
    if (replayFilter && !replayFilter.add(salt)) return replayError();
    context.user = this.#user;
    context.peerSalt = salt;
    this.#state = State.ReadVariableHeader;
    this.#need = vlen + this.#tag;
    return null;
  }

  // Client: salt, then the response header, bound to the salt our request started with.
  #openResponseHeader(): SsError | null {
    const { spec, keys, context } = this.#o;
    const salt = Buffer.from(this.#queue.read(spec.saltLength));
    const user = keys.candidates()[0]!;
    this.#session = new AeadSession(spec, sessionSubkey(user.key, salt));
    const plain = this.#open(this.#queue.read(responseHeaderLength(spec.saltLength) + this.#tag));
    if (plain === null) return decryptError('response header chunk');
    if (context.ownSalt === undefined) return decryptError('response before any request');
    const length = decodeResponseHeader(plain, context.ownSalt, this.#now());
    this.#user = user;
    context.peerSalt = salt;
    return this.#expectPayload(length);
  }

  #expectLength(): null {
    this.#state = State.ReadLength;
    this.#need = 2 + this.#tag;
    return null;
  }

  #expectPayload(length: number): null {
    this.#state = State.ReadPayload;
    this.#need = length + this.#tag;
    return null;
  }

  #open(frame: Buffer): Buffer | null {
    return this.#openWith(this.#session!, frame);
  }

  #openWith(session: AeadSession, frame: Buffer): Buffer | null {
    const split = frame.length - this.#tag;
    return session.open(frame.subarray(0, split), frame.subarray(split));
  }
}
