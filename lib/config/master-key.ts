/**
 * The master key of a user, from a password or a raw key: the one place a
 * secret becomes key bytes on either side. It branches on the method's kind:
 *
 *   aead       password ──EVP_BytesToKey──▶ key       or  key (base64, at least keyLength bytes)
 *   stream     the same; `table` (key length 0) uses the password bytes (or the whole decoded key)
 *   aead-2022  password (or key) = base64 PSK of exactly keyLength bytes (SIP022); no derivation
 */
import { supportsIdentityHeaders, type CipherSpec } from '../crypto/methods.js';
import { evpBytesToKey } from '../crypto/kdf.js';
import { configError } from '../errors.js';
import { checkString } from './check.js';
import { toSecret } from './converters.js';

// Standard or URL-safe alphabet, padding optional (shadowsocks-rust decodes "padding indifferent").
const BASE64 = /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/;

/**
 * Derives the master key from a password (EVP_BytesToKey) or decodes a raw
 * base64 key. Exactly one of the two must be given. For a 2022 method the
 * password is the PSK itself: base64 of exactly the key length.
 * @param prefix put before `password` / `key` in errors (`users[2].`)
 * @throws SsError `ERR_SS_CONFIG` naming `password` or `key` (never the secret):
 *   missing, both, not a string, empty, a password that is not Unicode text
 *   (a lone surrogate: refused, never replaced), a key too short for the
 *   method, or a 2022 PSK that is not base64 of exactly the key length
 */
export function deriveMasterKey(spec: CipherSpec, password: unknown, key: unknown, prefix = ''): Buffer {
  const [pwName, keyName] = [`${prefix}password`, `${prefix}key`];
  if (key !== undefined && password !== undefined) throw configError(keyName, 'give either password or key, not both');
  if (spec.kind === 'aead-2022') {
    if (key !== undefined) return decodePsk(spec, checkString(key, keyName, true), keyName);
    if (password === undefined) throw configError(pwName, `is required: a base64 key of ${spec.keyLength} bytes for ${spec.name} (make one with --genkey)`);
    return decodePsk(spec, checkString(password, pwName, true), pwName);
  }
  if (key !== undefined) {
    const text = checkString(key, keyName, true);
    // Buffer.from() skips what is not base64: "my password" would decode to a few stray bytes.
    if (!BASE64.test(text) || text.replace(/=+$/, '').length % 4 === 1) throw configError(keyName, 'must be base64 (standard or URL-safe); it is not base64 (a password goes in password / -k instead)');
    const raw = Buffer.from(text, 'base64');
    if (spec.keyLength === 0) return raw;
    if (raw.length < spec.keyLength) throw configError(keyName, `must decode to at least ${spec.keyLength} bytes for ${spec.name}`);
    return raw.subarray(0, spec.keyLength);
  }
  if (password === undefined) throw configError(pwName, 'is required');
  // Python's `table` keys its substitution with the password itself (2.8.2 encrypt.py: key length 0).
  if (spec.keyLength === 0) return Buffer.from(toSecret(password, pwName), 'utf8');
  return evpBytesToKey(toSecret(password, pwName), spec.keyLength);
}

/**
 * Decodes one SIP022 PSK: base64 (standard or URL-safe, padding optional)
 * of exactly `spec.keyLength` bytes.
 * @param name the setting named in errors (`password`, `key`, `users[0].password`)
 * @throws SsError `ERR_SS_CONFIG` for bad base64 or a wrong length
 */
export function decodePsk(spec: CipherSpec, text: string, name: string): Buffer {
  const want = `a base64 key of exactly ${spec.keyLength} bytes for ${spec.name} (make one with --genkey)`;
  if (!BASE64.test(text) || text.replace(/=+$/, '').length % 4 === 1) throw configError(name, `must be ${want}; it is not base64`);
  const raw = Buffer.from(text, 'base64');
  if (raw.length !== spec.keyLength) throw configError(name, `must be ${want}; it decodes to ${raw.length} bytes`);
  return raw;
}

/** A client's keys: the user key, and for SIP023 the identity PSKs before it. */
export interface ClientKeys {
  /** The user key (the last PSK of a chain). */
  key: Buffer;
  /** Identity PSKs, outermost first; empty without identity headers. */
  identityKeys: Buffer[];
}

/**
 * A client's keys. For an AES 2022 method the password (or key) may be a
 * chain `iPSK1:...:iPSKn:uPSK` (SIP023; PROTOCOL.md 4.4): every part a
 * base64 PSK of the key length, the last the user's. Other methods take
 * one password, which may itself contain `:`.
 * @throws SsError `ERR_SS_CONFIG` naming `password` or `key` (never the secret)
 */
export function deriveClientKeys(spec: CipherSpec, password: unknown, key: unknown): ClientKeys {
  const text = key ?? password;
  if (spec.kind !== 'aead-2022' || typeof text !== 'string' || !text.includes(':') || (key !== undefined && password !== undefined)) {
    return { key: deriveMasterKey(spec, password, key), identityKeys: [] };
  }
  const name = key !== undefined ? 'key' : 'password';
  if (!supportsIdentityHeaders(spec)) throw configError(name, `a chain iPSK:uPSK needs identity headers, which ${spec.name} does not have (SIP023: AES 2022 methods only)`);
  const parts = text.split(':');
  const keys = parts.map((part, i) => decodePsk(spec, part, `${name} (PSK ${i + 1} of ${parts.length})`));
  return { key: keys.pop()!, identityKeys: keys };
}
