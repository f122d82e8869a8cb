/**
 * RC4 (ARCFOUR), for the `rc4` and `rc4-md5` stream methods. OpenSSL 3 has
 * RC4 only in its legacy provider, which Node loads only with
 * `--openssl-legacy-provider`; these few lines spare users the flag.
 *
 *   KSA:  S = 0..255; j = 0; for i in 0..255: j += S[i] + key[i % len]; swap S[i], S[j]
 *   PRGA: i += 1; j += S[i]; swap S[i], S[j]; out = in ^ S[(S[i] + S[j]) & 255]
 */

/** One RC4 keystream; the same object encrypts and decrypts. */
export class Rc4 {
  readonly #s = new Uint8Array(256);
  #i = 0;
  #j = 0;

  /** @throws TypeError for an empty key or one longer than 256 bytes */
  constructor(key: Uint8Array) {
    if (key.length === 0 || key.length > 256) throw new TypeError('RC4 key must be 1 to 256 bytes');
    const s = this.#s;
    for (let i = 0; i < 256; i++) s[i] = i;
    let j = 0;
    for (let i = 0; i < 256; i++) {
      const t = s[i]!;
      j = (j + t + key[i % key.length]!) & 255;
      s[i] = s[j]!;
      s[j] = t;
    }
  }

  /** XORs `data` with the next `data.length` keystream bytes, into a new Buffer. */
  update(data: Uint8Array): Buffer {
    const s = this.#s;
    const out = Buffer.allocUnsafe(data.length);
    let i = this.#i;
    let j = this.#j;
    for (let n = 0; n < data.length; n++) {
      i = (i + 1) & 255;
      const si = s[i]!;
      j = (j + si) & 255;
      const sj = s[j]!;
      s[i] = sj;
      s[j] = si;
      out[n] = data[n]! ^ s[(si + sj) & 255]!;
    }
    this.#i = i;
    this.#j = j;
    return out;
  }
}
