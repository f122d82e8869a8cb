/**
 * The single table of methods: AEAD (SIP004/SIP007) and Shadowsocks 2022
 * (SIP022). Every size used anywhere in the package comes from here.
 *
 *   method                          kind       key  salt nonce tag  Node cipher
 *   aes-128-gcm                     aead        16   16   12   16   aes-128-gcm
 *   aes-192-gcm                     aead        24   24   12   16   aes-192-gcm
 *   aes-256-gcm                     aead        32   32   12   16   aes-256-gcm
 *   chacha20-ietf-poly1305          aead        32   32   12   16   chacha20-poly1305
 *   xchacha20-ietf-poly1305         aead        32   32   24   16   HChaCha20 + chacha20-poly1305
 *   2022-blake3-aes-128-gcm         aead-2022   16   16   12   16   aes-128-gcm (UDP: + aes-128-ecb header)
 *   2022-blake3-aes-256-gcm         aead-2022   32   32   12   16   aes-256-gcm (UDP: + aes-256-ecb header)
 *   2022-blake3-chacha20-poly1305   aead-2022   32   32   12   16   chacha20-poly1305 (UDP: XChaCha20-Poly1305)
 *
 * For `aead` the key comes from a password (EVP_BytesToKey); for
 * `aead-2022` it is the PSK itself, base64 of exactly `keyLength` bytes
 * (PROTOCOL.md section 4.1). 2022-blake3-chacha8-poly1305 is left out: no
 * well-kept library gives ChaCha8 at a usable speed in Node.
 */
import { TAG_LENGTH } from '../constants.js';

/**
 * A method's family: how its streams and packets are framed and keyed.
 * `'aead'` (SIP004) or `'aead-2022'` (SIP022); each has its own family in
 * `stream/` (see `stream/cipher-family-of.ts`).
 */
export type CipherKind = 'aead' | 'aead-2022';

/** What a method needs: sizes in bytes and the Node cipher behind it. */
export interface CipherSpec {
  /** The Shadowsocks method name. */
  readonly name: string;
  /** The family that frames and keys it (see {@link CipherKind}). */
  readonly kind: CipherKind;
  /** Master key and subkey length. */
  readonly keyLength: number;
  /** Salt length; equals the key length for every AEAD method. */
  readonly saltLength: number;
  /** AEAD nonce length: 12, or 24 for XChaCha20. */
  readonly nonceLength: number;
  /** AEAD tag length: always 16. */
  readonly tagLength: number;
  /** The `crypto.createCipheriv` algorithm name. */
  readonly algorithm: 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  /** True when the 24-byte nonce is reduced with HChaCha20 first (XChaCha20). */
  readonly extendedNonce: boolean;
}

function spec(name: string, keyLength: number, algorithm: CipherSpec['algorithm'], extendedNonce = false, kind: CipherKind = 'aead'): CipherSpec {
  return Object.freeze({
    name,
    kind,
    keyLength,
    saltLength: keyLength,
    nonceLength: extendedNonce ? 24 : 12,
    tagLength: TAG_LENGTH,
    algorithm,
    extendedNonce,
  });
}

/** Every supported method, by name. */
export const METHODS: ReadonlyMap<string, CipherSpec> = new Map([
  ['aes-128-gcm', spec('aes-128-gcm', 16, 'aes-128-gcm')],
  ['aes-192-gcm', spec('aes-192-gcm', 24, 'aes-192-gcm')],
  ['aes-256-gcm', spec('aes-256-gcm', 32, 'aes-256-gcm')],
  ['chacha20-ietf-poly1305', spec('chacha20-ietf-poly1305', 32, 'chacha20-poly1305')],
  ['xchacha20-ietf-poly1305', spec('xchacha20-ietf-poly1305', 32, 'chacha20-poly1305', true)],
  ['2022-blake3-aes-128-gcm', spec('2022-blake3-aes-128-gcm', 16, 'aes-128-gcm', false, 'aead-2022')],
  ['2022-blake3-aes-256-gcm', spec('2022-blake3-aes-256-gcm', 32, 'aes-256-gcm', false, 'aead-2022')],
  ['2022-blake3-chacha20-poly1305', spec('2022-blake3-chacha20-poly1305', 32, 'chacha20-poly1305', false, 'aead-2022')],
]);

/** The names of every supported method, in table order. */
export const METHOD_NAMES: readonly string[] = [...METHODS.keys()];

/** Looks a method up by name (case-insensitive); `undefined` if unknown. */
export function getMethod(name: string): CipherSpec | undefined {
  return METHODS.get(name.toLowerCase());
}

/**
 * Whether a method carries SIP023 identity headers (several users on one
 * port, told apart by the header): the AES 2022 methods only. ChaCha 2022
 * has none (shadowsocks-rust `method_support_eih`; PROTOCOL.md 4.4).
 */
export function supportsIdentityHeaders(spec: CipherSpec): boolean {
  return spec.kind === 'aead-2022' && spec.algorithm !== 'chacha20-poly1305';
}
