/**
 * HChaCha20 (draft-irtf-cfrg-xchacha, section 2.2): derives a 32-byte subkey
 * from a 32-byte key and the first 16 bytes of an XChaCha20 nonce. Node has
 * no XChaCha20-Poly1305, so XChaCha20 is HChaCha20 followed by the native
 * ChaCha20-Poly1305 with nonce `00000000 || nonce[16..24]`.
 */

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];
const state = new Uint32Array(16);

function rotl(v: number, n: number): number {
  return (v << n) | (v >>> (32 - n));
}

function quarter(s: Uint32Array, a: number, b: number, c: number, d: number): void {
  s[a] = (s[a]! + s[b]!) | 0; s[d] = rotl(s[d]! ^ s[a]!, 16);
  s[c] = (s[c]! + s[d]!) | 0; s[b] = rotl(s[b]! ^ s[c]!, 12);
  s[a] = (s[a]! + s[b]!) | 0; s[d] = rotl(s[d]! ^ s[a]!, 8);
  s[c] = (s[c]! + s[d]!) | 0; s[b] = rotl(s[b]! ^ s[c]!, 7);
}

/**
 * Computes HChaCha20 into `out` (32 bytes).
 * @param key 32-byte key
 * @param nonce16 the first 16 bytes of the 24-byte nonce
 * @param out 32-byte output buffer (may be reused between calls)
 */
export function hchacha20(key: Buffer, nonce16: Buffer, out: Buffer = Buffer.allocUnsafe(32)): Buffer {
  const s = state;
  s[0] = SIGMA[0]!; s[1] = SIGMA[1]!; s[2] = SIGMA[2]!; s[3] = SIGMA[3]!;
  for (let i = 0; i < 8; i++) s[4 + i] = key.readUInt32LE(i * 4);
  for (let i = 0; i < 4; i++) s[12 + i] = nonce16.readUInt32LE(i * 4);
  for (let i = 0; i < 10; i++) {
    quarter(s, 0, 4, 8, 12); quarter(s, 1, 5, 9, 13); quarter(s, 2, 6, 10, 14); quarter(s, 3, 7, 11, 15);
    quarter(s, 0, 5, 10, 15); quarter(s, 1, 6, 11, 12); quarter(s, 2, 7, 8, 13); quarter(s, 3, 4, 9, 14);
  }
  for (let i = 0; i < 4; i++) out.writeUInt32LE(s[i]! >>> 0, i * 4);
  for (let i = 0; i < 4; i++) out.writeUInt32LE(s[12 + i]! >>> 0, 16 + i * 4);
  return out;
}
