/**
 * The master key of a user, from a password or a raw key: the one place a
 * secret becomes key bytes on either side.
 */
import type { CipherSpec } from '../crypto/methods.js';
import { evpBytesToKey } from '../crypto/kdf.js';
import { configError } from '../errors.js';
import { checkString } from './check.js';
import { toSecret } from './converters.js';

/**
 * Derives the master key from a password (EVP_BytesToKey) or decodes a raw
 * base64 key. Exactly one of the two must be given.
 * @throws SsError `ERR_SS_CONFIG` naming `password` or `key`: missing, both,
 *   not a string, empty, a password that is not Unicode text (a lone
 *   surrogate: refused, never replaced), or a key too short for the method
 */
export function deriveMasterKey(spec: CipherSpec, password: unknown, key: unknown): Buffer {
  if (key !== undefined) {
    if (password !== undefined) throw configError('key', 'give either password or key, not both');
    const raw = Buffer.from(checkString(key, 'key', true), 'base64');
    if (raw.length < spec.keyLength) throw configError('key', `must decode to at least ${spec.keyLength} bytes for ${spec.name}`);
    return raw.subarray(0, spec.keyLength);
  }
  if (password === undefined) throw configError('password', 'is required');
  return evpBytesToKey(toSecret(password, 'password'), spec.keyLength);
}

