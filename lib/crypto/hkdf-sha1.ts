/**
 * HKDF-SHA1 (RFC 5869) for Shadowsocks AEAD subkeys, in JavaScript: one
 * SHA-1 compression loop over Int32 words, with no call into OpenSSL.
 *
 *   PRK = HMAC-SHA1(salt, IKM)                         extract
 *   T1  = HMAC-SHA1(PRK, info || 01)                   expand
 *   T2  = HMAC-SHA1(PRK, T1 || info || 02) ...         OKM = T1 || T2 ... (first L bytes)
 *   HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)),  K zero-padded to 64 bytes
 *
 * Why not `crypto.hkdfSync`: a server derives two subkeys per connection,
 * and inside a busy server each call cost 20-28 µs of CPU (a profile of the
 * connection benchmark; 8 µs in a tight loop), most of it OpenSSL's
 * per-call setup. This costs about ten compressions. The key may be up to
 * 63 bytes (ours are 16 to 32), the salt up to 64 and info up to 42 (ours is
 * "ss-subkey"). FIPS 180-4 section 6.1 (SHA-1), RFC 2104 (HMAC).
 */

const W = new Int32Array(80);
// The hash state, and the ipad/opad states of the current HMAC key.
const H = new Int32Array(5);
const inner = new Int32Array(5);
const outer = new Int32Array(5);
const block = new Uint8Array(64);
const digest = new Uint8Array(20);
const IV = Int32Array.of(0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0);

// One SHA-1 compression of `block` into `state`.
function compress(state: Int32Array): void {
  for (let i = 0; i < 16; i++) W[i] = (block[4 * i]! << 24) | (block[4 * i + 1]! << 16) | (block[4 * i + 2]! << 8) | block[4 * i + 3]!;
  for (let i = 16; i < 80; i++) {
    const x = W[i - 3]! ^ W[i - 8]! ^ W[i - 14]! ^ W[i - 16]!;
    W[i] = (x << 1) | (x >>> 31);
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!, e = state[4]!;
  for (let i = 0; i < 80; i++) {
    let f: number, k: number;
    if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
    else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
    else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc | 0; }
    else { f = b ^ c ^ d; k = 0xca62c1d6 | 0; }
    const t = (((a << 5) | (a >>> 27)) + f + e + k + W[i]!) | 0;
    e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
  }
  state[0] = (state[0]! + a) | 0; state[1] = (state[1]! + b) | 0; state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0; state[4] = (state[4]! + e) | 0;
}

// `state` = the SHA-1 state after one block of key ^ pad.
function padState(state: Int32Array, key: Uint8Array, pad: number): void {
  block.fill(pad);
  for (let i = 0; i < key.length; i++) block[i] = key[i]! ^ pad;
  state.set(IV);
  compress(state);
}

// The HMAC key from now on: inner and outer states for it.
function setKey(key: Uint8Array): void {
  padState(inner, key, 0x36);
  padState(outer, key, 0x5c);
}

// Finishes a hash that has `done` bytes behind it (whole blocks, in H), with
// `block[0..n)` left: pads and writes the 20-byte digest into `digest`.
function finish(n: number, done: number): void {
  block[n] = 0x80;
  block.fill(0, n + 1);
  if (n + 1 > 56) {
    compress(H);
    block.fill(0);
  }
  const bits = (done + n) * 8;
  block[60] = bits >>> 24; block[61] = bits >>> 16; block[62] = bits >>> 8; block[63] = bits;
  compress(H);
  for (let i = 0; i < 5; i++) {
    const v = H[i]!;
    digest[4 * i] = v >>> 24; digest[4 * i + 1] = v >>> 16; digest[4 * i + 2] = v >>> 8; digest[4 * i + 3] = v;
  }
}

// digest = HMAC(current key, a || b || c), at most 63 bytes in all.
function hmac(a: Uint8Array, b: Uint8Array, c: Uint8Array): void {
  H.set(inner);
  block.set(a, 0);
  block.set(b, a.length);
  block.set(c, a.length + b.length);
  finish(a.length + b.length + c.length, 64);
  H.set(outer);
  block.set(digest, 0);
  finish(20, 64);
}

const NONE = new Uint8Array(0);

/**
 * HKDF-SHA1 of `ikm` with `salt` and `info`, `length` bytes, into a new
 * Buffer (a slice of the Buffer pool).
 * @throws RangeError when an input is longer than this implementation takes
 */
export function hkdfSha1(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Buffer {
  if (ikm.length > 63 || salt.length > 64 || info.length > 42 || length > 255 * 20) throw new RangeError('hkdfSha1: input too long');
  setKey(salt.length === 0 ? new Uint8Array(20) : salt);
  hmac(ikm, NONE, NONE);
  setKey(digest);
  const out = Buffer.allocUnsafe(length);
  const counter = new Uint8Array(1);
  const previous = new Uint8Array(20);
  for (let at = 0, i = 1; at < length; i++) {
    counter[0] = i;
    hmac(i === 1 ? NONE : previous, info, counter);
    previous.set(digest);
    out.set(length - at >= 20 ? digest : digest.subarray(0, length - at), at);
    at += 20;
  }
  return out;
}
