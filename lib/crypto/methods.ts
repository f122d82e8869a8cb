/**
 * The single table of methods: AEAD (SIP004/SIP007), Shadowsocks 2022
 * (SIP022) and the legacy stream ciphers. Every size used anywhere in the
 * package comes from here.
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
 *
 * Legacy stream ciphers (PROTOCOL.md section 2; no integrity, opt-in only):
 *
 *   method                          kind    key   IV  implementation
 *   aes-{128,192,256}-{cfb,ctr,ofb,cfb8,cfb1}  stream  16/24/32  16  OpenSSL (same name)
 *   camellia-{128,192,256}-cfb      stream  16/24/32  16  OpenSSL (same name)
 *   bf-cfb cast5-cfb idea-cfb rc2-cfb  stream  16   8   OpenSSL legacy provider
 *   des-cfb                         stream    8   8   OpenSSL legacy provider
 *   seed-cfb                        stream   16  16   OpenSSL legacy provider
 *   chacha20-ietf                   stream   32  12   OpenSSL chacha20, IV = 0(4) || iv
 *   chacha20                        stream   32   8   OpenSSL chacha20, IV = 0(8) || iv (64-bit counter)
 *   salsa20                         stream   32   8   @noble/ciphers salsa20
 *   rc4-md5                         stream   16  16   RC4 (ours) keyed MD5(key || iv)
 *   rc4                             stream   16   0   RC4 (ours)
 *   table                           stream    0   0   Python's substitution table (ours); the key is the password
 *
 * For stream methods `saltLength` is the IV length and there is no tag.
 * For `aead` and `stream` the key comes from a password (EVP_BytesToKey); for
 * `aead-2022` it is the PSK itself, base64 of exactly `keyLength` bytes
 * (PROTOCOL.md section 4.1). 2022-blake3-chacha8-poly1305 is left out: no
 * well-kept library gives ChaCha8 at a usable speed in Node.
 */
import { getCiphers } from 'node:crypto';
import { TAG_LENGTH } from '../constants.js';

/**
 * A method's family: how its streams and packets are framed and keyed.
 * `'aead'` (SIP004), `'aead-2022'` (SIP022) or `'stream'` (the legacy
 * stream ciphers); each has its own family in `stream/` (see
 * `stream/cipher-family-of.ts`).
 */
export type CipherKind = 'aead' | 'aead-2022' | 'stream';

/** The AEAD algorithms, by their `crypto.createCipheriv` names. */
export type AeadAlgorithm = 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

/**
 * How a stream method is computed: an OpenSSL cipher name for
 * `crypto.createCipheriv` (`chacha20` for both ChaCha variants, the IV laid
 * out per method), or one of our own: `salsa20` (@noble/ciphers), `rc4`,
 * `rc4-md5`, `table`.
 */
export type StreamAlgorithm = string;

/** What a method needs: sizes in bytes and the Node cipher behind it. */
export interface CipherSpec {
  /** The Shadowsocks method name. */
  readonly name: MethodName;
  /** The family that frames and keys it (see {@link CipherKind}). */
  readonly kind: CipherKind;
  /** Master key and subkey length. */
  readonly keyLength: number;
  /** Salt length; equals the key length for every AEAD method. For a stream method: the IV length (0 for rc4 and table). */
  readonly saltLength: number;
  /** AEAD nonce length: 12, or 24 for XChaCha20; 0 for stream methods. */
  readonly nonceLength: number;
  /** AEAD tag length: always 16; 0 for stream methods. */
  readonly tagLength: number;
  /** The `crypto.createCipheriv` algorithm name (stream: see {@link StreamAlgorithm}). */
  readonly algorithm: AeadAlgorithm | StreamAlgorithm;
  /** True when the 24-byte nonce is reduced with HChaCha20 first (XChaCha20). */
  readonly extendedNonce: boolean;
  /**
   * True for stream methods whose OpenSSL cipher lives in OpenSSL 3's legacy
   * provider (bf, cast5, des, idea, rc2, seed): Node has them only when
   * started with `--openssl-legacy-provider`.
   */
  readonly legacyProvider: boolean;
}

// An AEAD method's row. Rows keep their names' literal types, so that
// `MethodName` is derived from this table alone.
function spec<N extends string>(name: N, keyLength: number, algorithm: AeadAlgorithm, extendedNonce = false, kind: CipherKind = 'aead'): readonly [N, CipherSpec] {
  return [name, Object.freeze({
    name: name as string as MethodName,
    kind,
    keyLength,
    saltLength: keyLength,
    nonceLength: extendedNonce ? 24 : 12,
    tagLength: TAG_LENGTH,
    algorithm,
    extendedNonce,
    legacyProvider: false,
  })];
}

// A stream method's row: key and IV length, and how it is computed.
function stream<N extends string>(name: N, keyLength: number, ivLength: number, algorithm: StreamAlgorithm = name, legacyProvider = false): readonly [N, CipherSpec] {
  return [name, Object.freeze({ name: name as string as MethodName, kind: 'stream', keyLength, saltLength: ivLength, nonceLength: 0, tagLength: 0, algorithm, extendedNonce: false, legacyProvider })];
}

const legacy = <N extends string>(name: N, keyLength: number, ivLength: number): readonly [N, CipherSpec] => stream(name, keyLength, ivLength, name, true);

// aes-{128,192,256}-{cfb,ctr,ofb,cfb8,cfb1}, the same names in OpenSSL.
const AES_STREAM = (['cfb', 'ctr', 'ofb', 'cfb8', 'cfb1'] as const).flatMap((mode) => ([128, 192, 256] as const).map((bits) => stream(`aes-${bits}-${mode}` as const, bits / 8, 16)));

const TABLE = [
  spec('aes-128-gcm', 16, 'aes-128-gcm'),
  spec('aes-192-gcm', 24, 'aes-192-gcm'),
  spec('aes-256-gcm', 32, 'aes-256-gcm'),
  spec('chacha20-ietf-poly1305', 32, 'chacha20-poly1305'),
  spec('xchacha20-ietf-poly1305', 32, 'chacha20-poly1305', true),
  spec('2022-blake3-aes-128-gcm', 16, 'aes-128-gcm', false, 'aead-2022'),
  spec('2022-blake3-aes-256-gcm', 32, 'aes-256-gcm', false, 'aead-2022'),
  spec('2022-blake3-chacha20-poly1305', 32, 'chacha20-poly1305', false, 'aead-2022'),
  ...AES_STREAM,
  stream('camellia-128-cfb', 16, 16),
  stream('camellia-192-cfb', 24, 16),
  stream('camellia-256-cfb', 32, 16),
  stream('chacha20-ietf', 32, 12, 'chacha20'),
  stream('chacha20', 32, 8, 'chacha20'),
  stream('salsa20', 32, 8),
  stream('rc4-md5', 16, 16),
  stream('rc4', 16, 0),
  legacy('bf-cfb', 16, 8),
  legacy('cast5-cfb', 16, 8),
  legacy('des-cfb', 8, 8),
  legacy('idea-cfb', 16, 8),
  legacy('rc2-cfb', 16, 8),
  legacy('seed-cfb', 16, 16),
  stream('table', 0, 0),
];

/**
 * The name of a supported method, derived from the table: `'aes-256-gcm'`,
 * `'chacha20-ietf-poly1305'`, `'2022-blake3-aes-256-gcm'`, ... A misspelt
 * name in a typed `method` option fails to compile.
 */
export type MethodName = (typeof TABLE)[number][0];

/** Every supported method, by name. */
export const METHODS: ReadonlyMap<MethodName, CipherSpec> = new Map(TABLE);

/** The names of every supported method, in table order. */
export const METHOD_NAMES: readonly MethodName[] = [...METHODS.keys()];

/** Whether `name` is a supported method's exact (lower-case) name. */
export function isMethodName(name: string): name is MethodName {
  return METHODS.has(name as MethodName);
}

/** Looks a method up by name (case-insensitive); `undefined` if unknown. */
export function getMethod(name: string): CipherSpec | undefined {
  const lower = name.toLowerCase();
  return isMethodName(lower) ? METHODS.get(lower) : undefined;
}

/**
 * Whether a method carries SIP023 identity headers (several users on one
 * port, told apart by the header): the AES 2022 methods only. ChaCha 2022
 * has none (shadowsocks-rust `method_support_eih`; PROTOCOL.md 4.4).
 */
export function supportsIdentityHeaders(spec: CipherSpec): boolean {
  return spec.kind === 'aead-2022' && spec.algorithm !== 'chacha20-poly1305';
}

/**
 * Why a method cannot run in this Node process, or `undefined` if it can:
 * a legacy-provider cipher (bf, cast5, des, idea, rc2, seed) when Node was
 * not started with `--openssl-legacy-provider`.
 */
export function methodUnavailable(spec: CipherSpec): string | undefined {
  if (!spec.legacyProvider || getCiphers().includes(spec.algorithm)) return undefined;
  return `${spec.name} needs OpenSSL's legacy provider, which this Node process has not loaded: start node with --openssl-legacy-provider (for the commands: NODE_OPTIONS=--openssl-legacy-provider)`;
}

/**
 * The warning logged when a server or client starts with a stream method:
 * what is lost, and what to use instead.
 */
export function streamMethodWarning(spec: CipherSpec): string | undefined {
  if (spec.kind !== 'stream') return undefined;
  return `${spec.name} is a legacy stream cipher: no integrity (traffic can be modified undetected, and the redirect attack can decrypt it) and servers using it are detectable by active probing; use an AEAD method (chacha20-ietf-poly1305, aes-256-gcm) or a 2022 method (2022-blake3-aes-256-gcm) instead`;
}
