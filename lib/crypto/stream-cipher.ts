/**
 * One direction of a legacy stream cipher (PROTOCOL.md section 2): a
 * keystream started from the key and the peer's (or our) IV, run over every
 * byte of a TCP direction, or over one datagram.
 *
 *   OpenSSL modes (aes/camellia cfb, ctr, ofb, cfb8, cfb1; legacy bf, cast5, des, idea, rc2, seed cfb)
 *   chacha20-ietf  OpenSSL chacha20, IV = 00000000 || iv12  (32-bit block counter, then 96-bit nonce)
 *   chacha20       OpenSSL chacha20, IV = 00..00(8) || iv8  (64-bit counter, as libsodium crypto_stream_chacha20)
 *   salsa20        @noble/ciphers salsa20, continued across calls from the byte position
 *   rc4-md5        RC4 keyed with MD5(key || iv)
 *   rc4            RC4 keyed with the key
 *   table          Python's substitution table
 *
 * ChaCha's 16-byte OpenSSL IV is a little-endian 32-bit counter followed by
 * a 12-byte nonce, and OpenSSL carries the counter into the next word; with
 * the counter words zero this is libsodium's keystream for either nonce size.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { CipherSpec } from './methods.js';
import { Rc4 } from './rc4.js';
import { substitute, substitutionTables } from './table-cipher.js';

const require = createRequire(import.meta.url);

// @noble/ciphers is loaded by the first salsa20 cipher, not at start (about
// 2 MiB of RSS no other method needs: issue 18); a synchronous require() of
// the ES module (Node >= 20.19) keeps createStreamCipher synchronous.
let salsa20: typeof import('@noble/ciphers/salsa.js').salsa20 | undefined;

/** A running keystream: each call continues where the previous one stopped. */
export interface StreamCipher {
  /** Encrypts or decrypts the next bytes. */
  update(data: Buffer): Buffer;
}

const BLOCK = 64;

// Salsa20 continued from any byte: pad to the block start, as libev's
// crypto_stream_xor_ic callers do (PROTOCOL.md section 2).
class Salsa20Stream implements StreamCipher {
  readonly #key: Uint8Array;
  readonly #nonce: Uint8Array;
  #position = 0;

  constructor(key: Buffer, nonce: Buffer) {
    this.#key = Uint8Array.from(key);
    this.#nonce = Uint8Array.from(nonce);
    salsa20 ??= (require('@noble/ciphers/salsa.js') as typeof import('@noble/ciphers/salsa.js')).salsa20;
  }

  update(data: Buffer): Buffer {
    if (data.length === 0) return Buffer.alloc(0);
    const pad = this.#position % BLOCK;
    const input = new Uint8Array(pad + data.length);
    input.set(data, pad);
    const out = salsa20!(this.#key, this.#nonce, input, undefined, Math.floor(this.#position / BLOCK));
    this.#position += data.length;
    return Buffer.from(out.buffer, out.byteOffset + pad, data.length);
  }
}

/**
 * The keystream of `spec` for `key` and `iv` (`spec.saltLength` bytes).
 * @param decrypt true for the receiving direction (CFB differs; the others are symmetric)
 * @throws Error if the OpenSSL cipher is unavailable (see `methodUnavailable`)
 */
export function createStreamCipher(spec: CipherSpec, key: Buffer, iv: Buffer, decrypt: boolean): StreamCipher {
  switch (spec.algorithm) {
    case 'salsa20':
      return new Salsa20Stream(key, iv);
    case 'rc4':
      return new Rc4(key);
    case 'rc4-md5':
      return new Rc4(createHash('md5').update(key).update(iv).digest());
    case 'table': {
      const tables = substitutionTables(key);
      const table = decrypt ? tables.decrypt : tables.encrypt;
      return { update: (data) => substitute(table, data) };
    }
    case 'chacha20':
      return createCipheriv('chacha20', key, Buffer.concat([Buffer.alloc(16 - iv.length), iv]));
    default:
      return decrypt ? createDecipheriv(spec.algorithm, key, iv) : createCipheriv(spec.algorithm, key, iv);
  }
}
