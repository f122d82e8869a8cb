/**
 * Key derivation for AEAD methods (PROTOCOL.md section 1 and 3).
 *
 *   master key = EVP_BytesToKey(MD5, password):  D1 = MD5(pw), Di = MD5(D(i-1) || pw)
 *   subkey     = HKDF-SHA1(ikm = master key, salt = salt, info = "ss-subkey")
 */
import { createHash } from 'node:crypto';
import { hkdfSha1 } from './hkdf-sha1.js';

const SUBKEY_INFO = Buffer.from('ss-subkey');

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

/**
 * HKDF-SHA1 with info `ss-subkey`: the per-salt session subkey.
 * @param masterKey the master key
 * @param salt the salt from the wire (its length equals the key length)
 */
export function deriveSubkey(masterKey: Buffer, salt: Buffer): Buffer {
  // Our own HKDF-SHA1 (hkdf-sha1.ts): inside a busy server node:crypto's
  // hkdfSync cost 20-28 µs a call, two per connection; this about 3.5. The
  // subkey is a slice of the Buffer pool, as it lives as long as its connection.
  return hkdfSha1(masterKey, salt, SUBKEY_INFO, masterKey.length);
}
