/**
 * Key derivation for AEAD methods (PROTOCOL.md section 1 and 3).
 *
 *   master key = EVP_BytesToKey(MD5, password):  D1 = MD5(pw), Di = MD5(D(i-1) || pw)
 *   subkey     = HKDF-SHA1(ikm = master key, salt = salt, info = "ss-subkey")
 */
import { createHash, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';

const SUBKEY_INFO = 'ss-subkey';

/**
 * OpenSSL `EVP_BytesToKey` with MD5, one iteration and no salt: the password
 * to master key derivation of every pre-2022 Shadowsocks method.
 * @param password UTF-8 password (a Buffer is used as is)
 * @param keyLength bytes of key wanted
 */
export function evpBytesToKey(password: string | Buffer, keyLength: number): Buffer {
  const pw = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  const parts: Buffer[] = [];
  let have = 0;
  let prev = Buffer.alloc(0);
  while (have < keyLength) {
    prev = createHash('md5').update(prev).update(pw).digest();
    parts.push(prev);
    have += prev.length;
  }
  return Buffer.concat(parts, have).subarray(0, keyLength);
}

// hkdfSync turns a Buffer key into a KeyObject on every call (about 2 µs of
// the 11): master keys live as long as their users, so each gets one, once.
// Keyed by the Buffer itself, so a key must not be changed in place after use.
const keyObjects = new WeakMap<Buffer, KeyObject>();

/**
 * HKDF-SHA1 with info `ss-subkey`: the per-salt session subkey.
 * @param masterKey the master key
 * @param salt the salt from the wire (its length equals the key length)
 */
export function deriveSubkey(masterKey: Buffer, salt: Buffer): Buffer {
  let key = keyObjects.get(masterKey);
  if (key === undefined) {
    key = createSecretKey(masterKey);
    keyObjects.set(masterKey, key);
  }
  // Copied into a pooled Buffer: a subkey lives as long as its connection,
  // and hkdfSync's own ArrayBuffer would keep a backing store (about 300
  // bytes of native memory with its bookkeeping) for 32 bytes.
  const subkey = Buffer.allocUnsafe(masterKey.length);
  subkey.set(new Uint8Array(hkdfSync('sha1', key, salt, SUBKEY_INFO, masterKey.length)));
  return subkey;
}
