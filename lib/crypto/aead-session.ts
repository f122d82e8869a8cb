/**
 * One direction of an AEAD conversation: a subkey and a nonce counter.
 *
 *   nonce = 00 00 .. 00 (12 or 24 bytes), little-endian, +1 after every seal or open
 *   no associated data; 16-byte tag
 *
 * A TCP chunk costs two nonces (length, then payload); a UDP packet seals once
 * with the all-zero nonce. ChaCha20-Poly1305 (and XChaCha20) goes through
 * libsodium where `sodium-native` is installed (sodium-aead.ts): sealed
 * straight into the caller's buffer, no cipher object per operation.
 */
import { createCipheriv, createDecipheriv, type CipherGCM, type DecipherGCM } from 'node:crypto';
import type { CipherSpec } from './methods.js';
import { hchacha20 } from './hchacha20.js';
import { sodiumAead, type SodiumAead } from './sodium-aead.js';
import { GcmLengthChunk } from './gcm-length-chunk.js';

/**
 * AES-GCM sessions take the 2-byte fast path (gcm-length-chunk.ts) from this
 * many 2-byte chunks on: a connection that carries a few frames only (an idle
 * one) keeps no ECB context.
 */
export const GCM_FAST_AFTER = 3;

// The 2-byte plaintext of a length chunk, written and sealed at once (never
// held across calls), so shared by every session.
const lengthPlain = Buffer.alloc(2);

/** Adds one to a little-endian counter in place (libsodium `sodium_increment`). */
export function incrementNonce(nonce: Buffer): void {
  for (let i = 0; i < nonce.length; i++) {
    const v = (nonce[i]! + 1) & 0xff;
    nonce[i] = v;
    if (v !== 0) return;
  }
}

/**
 * Seals and opens with one subkey and a running nonce. Not thread-safe in any
 * sense: one session belongs to one direction of one stream.
 */
export class AeadSession {
  readonly #spec: CipherSpec;
  readonly #key: Buffer;
  readonly #nonce: Buffer;
  // What the cipher is created with: the subkey and nonce, or for XChaCha20
  // the HChaCha20 output and the 12-byte IETF nonce (4 zero bytes + nonce[16..24]),
  // refreshed in place before each operation.
  readonly #cipherKey: Buffer;
  readonly #iv: Buffer;
  readonly #extended: boolean;
  readonly #gcm: boolean;
  #shortChunks = 0;
  #gcmLength: GcmLengthChunk | undefined;
  // The native seal and open for this session's algorithm, when the native path is on.
  readonly #nativeSeal: SodiumAead['crypto_aead_chacha20poly1305_ietf_encrypt'] | undefined;
  readonly #nativeOpen: SodiumAead['crypto_aead_chacha20poly1305_ietf_decrypt_detached'] | undefined;

  /**
   * @param spec the method
   * @param subkey the per-salt subkey (`spec.keyLength` bytes)
   */
  constructor(spec: CipherSpec, subkey: Buffer) {
    this.#spec = spec;
    this.#key = subkey;
    // From the shared pool (zeroed here): a connection holds two nonces for
    // its whole life, and Buffer.alloc() would give each its own backing store.
    this.#nonce = Buffer.allocUnsafe(spec.nonceLength).fill(0);
    this.#extended = spec.extendedNonce;
    this.#cipherKey = this.#extended ? Buffer.allocUnsafe(32) : subkey;
    this.#iv = this.#extended ? Buffer.alloc(12) : this.#nonce;
    this.#gcm = spec.algorithm.endsWith('-gcm');
    const sodium = spec.algorithm === 'chacha20-poly1305' ? sodiumAead() : undefined;
    if (sodium !== undefined) {
      this.#nativeSeal = this.#extended ? sodium.crypto_aead_xchacha20poly1305_ietf_encrypt : sodium.crypto_aead_chacha20poly1305_ietf_encrypt;
      this.#nativeOpen = this.#extended ? sodium.crypto_aead_xchacha20poly1305_ietf_decrypt_detached : sodium.crypto_aead_chacha20poly1305_ietf_decrypt_detached;
    }
  }

  /** True when this session seals and opens through libsodium. */
  get native(): boolean {
    return this.#nativeSeal !== undefined;
  }

  /** The current nonce (a copy), for tests. */
  get nonce(): Buffer {
    return Buffer.from(this.#nonce);
  }

  #refreshXChaCha(): void {
    hchacha20(this.#key, this.#nonce.subarray(0, 16), this.#cipherKey);
    this.#nonce.copy(this.#iv, 4, 16, 24);
  }

  // The AES-GCM 2-byte fast path, once this session has sealed or opened GCM_FAST_AFTER 2-byte chunks.
  #shortCodec(): GcmLengthChunk | undefined {
    if (this.#gcmLength !== undefined || !this.#gcm || ++this.#shortChunks < GCM_FAST_AFTER) return this.#gcmLength;
    this.#gcmLength = new GcmLengthChunk(this.#key);
    return this.#gcmLength;
  }

  #cipher(): CipherGCM {
    if (this.#extended) this.#refreshXChaCha();
    return createCipheriv(this.#spec.algorithm as 'aes-256-gcm', this.#cipherKey, this.#iv, { authTagLength: this.#spec.tagLength }) as CipherGCM;
  }

  /**
   * Encrypts `plaintext` and advances the nonce.
   * @returns the ciphertext (same length as the plaintext) and the 16-byte tag
   */
  seal(plaintext: Buffer): [ciphertext: Buffer, tag: Buffer] {
    if (this.#nativeSeal !== undefined) {
      const out = Buffer.allocUnsafe(plaintext.length + this.#spec.tagLength);
      this.sealInto(plaintext, out, 0);
      return [out.subarray(0, plaintext.length), out.subarray(plaintext.length)];
    }
    const cipher = this.#cipher();
    const ciphertext = cipher.update(plaintext);
    cipher.final();
    incrementNonce(this.#nonce);
    return [ciphertext, cipher.getAuthTag()];
  }

  /**
   * Seals `plaintext` into `out` at `offset` as `ciphertext || tag`.
   * @returns the offset just past the tag
   */
  sealInto(plaintext: Buffer, out: Buffer, offset: number): number {
    if (this.#nativeSeal !== undefined) {
      const end = offset + plaintext.length + this.#spec.tagLength;
      this.#nativeSeal(out.subarray(offset, end), plaintext, null, null, this.#nonce, this.#key);
      incrementNonce(this.#nonce);
      return end;
    }
    const cipher = this.#cipher();
    const end = offset + cipher.update(plaintext).copy(out, offset);
    cipher.final();
    incrementNonce(this.#nonce);
    return end + cipher.getAuthTag().copy(out, end);
  }

  /**
   * Bytes {@link sealChunksInto} writes for `length` plaintext bytes cut
   * into pieces of at most `maxPayload`.
   */
  chunkedLength(length: number, maxPayload: number): number {
    return length + Math.ceil(length / maxPayload) * (2 + 2 * this.#spec.tagLength);
  }

  /**
   * Seals `data` as TCP chunks into `out` at `offset`, each piece of at most
   * `maxPayload` bytes: `[seal(len u16be) | tag] [seal(piece) | tag]` ...
   * (one allocation-free pass; `out` must have {@link chunkedLength} bytes).
   * @returns the offset just past the last tag
   */
  sealChunksInto(data: Buffer, maxPayload: number, out: Buffer, offset: number): number {
    let at = offset;
    for (let start = 0; start < data.length; start += maxPayload) {
      const piece = data.subarray(start, start + maxPayload);
      const fast = this.#shortCodec();
      if (fast !== undefined) {
        at = fast.seal(piece.length, this.#nonce, out, at);
        incrementNonce(this.#nonce);
      } else {
        lengthPlain.writeUInt16BE(piece.length, 0);
        at = this.sealInto(lengthPlain, out, at);
      }
      at = this.sealInto(piece, out, at);
    }
    return at;
  }

  /**
   * Decrypts and authenticates, then advances the nonce (also on failure:
   * a failed stream is never read again).
   * @returns the plaintext, or `null` if the tag does not match
   */
  open(ciphertext: Buffer, tag: Buffer): Buffer | null {
    if (this.#nativeOpen !== undefined) return this.#openNative(ciphertext, tag);
    const fast = ciphertext.length === 2 ? this.#shortCodec() : undefined;
    if (fast !== undefined) {
      const plaintext = fast.open(ciphertext, tag, this.#nonce);
      incrementNonce(this.#nonce);
      return plaintext;
    }
    if (this.#extended) this.#refreshXChaCha();
    const decipher = createDecipheriv(this.#spec.algorithm as 'aes-256-gcm', this.#cipherKey, this.#iv, { authTagLength: this.#spec.tagLength }) as DecipherGCM;
    decipher.setAuthTag(tag);
    const plaintext = decipher.update(ciphertext);
    incrementNonce(this.#nonce);
    try {
      decipher.final();
    } catch {
      return null;
    }
    return plaintext;
  }

  #openNative(ciphertext: Buffer, tag: Buffer): Buffer | null {
    const plaintext = Buffer.allocUnsafe(ciphertext.length);
    try {
      this.#nativeOpen!(plaintext, null, ciphertext, tag, null, this.#nonce, this.#key);
    } catch {
      return null; // the tag does not match
    } finally {
      incrementNonce(this.#nonce);
    }
    return plaintext;
  }
}
