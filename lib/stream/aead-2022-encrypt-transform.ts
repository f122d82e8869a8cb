/**
 * Aead2022EncryptTransform: plaintext in, a Shadowsocks 2022 stream out
 * (SIP022; PROTOCOL.md 4.2). The first non-empty write carries the headers:
 *
 *   client  first write = address header || payload (FirstPacketTransform makes it so)
 *           ──▶ salt | [EIH per identity PSK] | seal(0, ts, vlen) | seal(address | padding_len | padding | initial payload) | chunks...
 *   server  first write = the target's first bytes (the request salt comes from the context)
 *           ──▶ salt | seal(1, ts, request salt, len) | seal(first payload) | chunks...
 *   later   ──▶ seal(len u16be) | seal(payload), payloads of at most 0xFFFF bytes
 *
 * A client request with no initial payload gets 1..900 random bytes of
 * padding (SIP022 requires non-zero padding then; shadowsocks-rust can draw
 * 0). Everything of one write leaves as one buffer: salt, headers and first
 * payload in one write, as the spec asks of a client.
 */
import { randomInt } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AeadSession } from '../crypto/aead-session.js';
import { sealTcpIdentityHeaders } from '../crypto/identity-header.js';
import { sessionSubkey } from '../crypto/kdf-2022.js';
import type { CipherSpec } from '../crypto/methods.js';
import { randomSalt } from '../crypto/random-salt.js';
import { SsError } from '../errors.js';
import { decodeAddress } from '../protocol/address.js';
import { encodeFixedHeader, encodeResponseHeader, encodeVariableHeader, MAX_PADDING, MAX_PAYLOAD_2022 } from '../protocol/header-2022.js';
import type { CipherContext } from './cipher-context.js';
import type { StreamSide } from './cipher-family.js';

/** Options for {@link Aead2022EncryptTransform}. */
export interface Aead2022EncryptOptions {
  /** A 2022 method. */
  spec: CipherSpec;
  /** `'client'` writes a request stream, `'server'` a response stream. */
  side: StreamSide;
  /** The PSK (the identified user's on the server; the user PSK, last of the chain, on a client). */
  key: Buffer;
  /** A client's identity PSKs (SIP023), outermost first: one identity header each after the salt. */
  identityKeys?: readonly Buffer[];
  /** Shared with the decrypt side: the server reads the request salt from it; the client records its own salt. */
  context: CipherContext;
  /** A fixed salt, for known-answer tests only. Default: random. */
  salt?: Buffer;
  /** Clock in ms, for timestamps (tests). Default `Date.now`. */
  now?: () => number;
  /** Padding length of a request without payload (tests). Default: random 1..900. */
  padding?: () => number;
}

/** Encrypts a byte stream into a Shadowsocks 2022 stream. */
export class Aead2022EncryptTransform extends Transform {
  readonly #o: Aead2022EncryptOptions;
  readonly #salt: Buffer;
  readonly #session: AeadSession;
  readonly #tag: number;
  #headerSent = false;

  constructor(options: Aead2022EncryptOptions) {
    super();
    this.#o = options;
    this.#salt = options.salt ?? randomSalt(options.spec.saltLength);
    if (this.#salt.length !== options.spec.saltLength) throw new TypeError(`salt must be ${options.spec.saltLength} bytes`);
    this.#session = new AeadSession(options.spec, sessionSubkey(options.key, this.#salt));
    this.#tag = options.spec.tagLength;
    if (options.side === 'client') options.context.ownSalt = this.#salt;
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
    if (this.#headerSent) {
      callback(null, this.#chunks(chunk));
      return;
    }
    let parts: Buffer[];
    try {
      parts = this.#o.side === 'client' ? this.#request(chunk) : this.#response(chunk);
    } catch (err) {
      callback(err as Error);
      return;
    }
    this.#headerSent = true;
    callback(null, Buffer.concat(parts));
  }

  #request(chunk: Buffer): Buffer[] {
    const decoded = decodeAddress(chunk, 0);
    if (decoded === null) throw new SsError('ERR_SS_INTERNAL', 'the first write of a 2022 request must start with a whole address header');
    const address = chunk.subarray(0, decoded.length);
    const payload = chunk.subarray(decoded.length);
    const padding = payload.length === 0 ? randomPadding(this.#o.padding) : Buffer.alloc(0);
    // The variable header is one chunk: whatever does not fit follows as ordinary chunks.
    const room = MAX_PAYLOAD_2022 - address.length - 2 - padding.length;
    const variable = encodeVariableHeader(address, padding, payload.subarray(0, room));
    const parts = [this.#salt, this.#seal(encodeFixedHeader(variable.length, this.#now())), this.#seal(variable)];
    const identityKeys = this.#o.identityKeys ?? [];
    if (identityKeys.length > 0) parts.splice(1, 0, sealTcpIdentityHeaders(identityKeys, this.#o.key, this.#salt));
    parts.push(this.#chunks(payload.subarray(room)));
    return parts;
  }

  #response(chunk: Buffer): Buffer[] {
    const requestSalt = this.#o.context.peerSalt;
    if (requestSalt === undefined) throw new SsError('ERR_SS_INTERNAL', 'a 2022 response needs the request salt');
    const first = chunk.subarray(0, MAX_PAYLOAD_2022);
    const parts = [this.#salt, this.#seal(encodeResponseHeader(requestSalt, first.length, this.#now())), this.#seal(first)];
    parts.push(this.#chunks(chunk.subarray(first.length)));
    return parts;
  }

  // `seal(len) | seal(piece)` for each piece of at most 0xFFFF bytes, in one buffer.
  #chunks(data: Buffer): Buffer {
    const out = Buffer.allocUnsafe(this.#session.chunkedLength(data.length, MAX_PAYLOAD_2022));
    this.#session.sealChunksInto(data, MAX_PAYLOAD_2022, out, 0);
    return out;
  }

  #seal(plain: Buffer): Buffer {
    const out = Buffer.allocUnsafe(plain.length + this.#tag);
    this.#session.sealInto(plain, out, 0);
    return out;
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }
}

function randomPadding(choose: (() => number) | undefined): Buffer {
  const length = choose?.() ?? randomInt(1, MAX_PADDING + 1);
  return length === 0 ? Buffer.alloc(0) : Buffer.from(randomSalt(length));
}
