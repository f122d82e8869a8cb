import { createCipheriv, randomBytes } from 'node:crypto';
import t from 'tap';
import { GcmLengthChunk, gfMul } from '../../../lib/crypto/gcm-length-chunk.js';
import { AeadSession, GCM_FAST_AFTER } from '../../../lib/crypto/aead-session.js';
import { getMethod } from '../../../lib/crypto/methods.js';

/** node:crypto's AES-GCM seal of `plain` as ciphertext || tag: the reference. */
function reference(key: Buffer, nonce: Buffer, plain: Buffer): Buffer {
  const c = createCipheriv(`aes-${key.length * 8}-gcm` as 'aes-256-gcm', key, nonce);
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

t.test('seal matches node:crypto AES-GCM for every key size, random nonces and lengths, and the edge values', async (t) => {
  for (const keyLength of [16, 24, 32]) {
    let mismatches = 0;
    for (let i = 0; i < 500; i++) {
      const key = randomBytes(keyLength);
      const nonce = randomBytes(12);
      const length = [0, 1, 0x3fff, 0x8000, 0xffff][i] ?? randomBytes(2).readUInt16BE();
      const out = Buffer.alloc(20, 0xee);
      t.equal(new GcmLengthChunk(key).seal(length, nonce, out, 1), 19);
      if (!out.subarray(1, 19).equals(reference(key, nonce, u16(length))) || out[0] !== 0xee || out[19] !== 0xee) mismatches++;
    }
    t.equal(mismatches, 0, `AES-${keyLength * 8}: 500 seals byte for byte, nothing written outside`);
  }
});

t.test('open recovers what node:crypto sealed, and refuses any flipped bit or another nonce', async (t) => {
  const key = randomBytes(32);
  const codec = new GcmLengthChunk(key);
  for (let i = 0; i < 200; i++) {
    const nonce = randomBytes(12);
    const plain = randomBytes(2);
    const sealed = reference(key, nonce, plain);
    t.same(codec.open(sealed.subarray(0, 2), sealed.subarray(2), nonce), plain);
  }
  const nonce = randomBytes(12);
  const sealed = reference(key, nonce, u16(1234));
  for (let bit = 0; bit < 18 * 8; bit++) {
    const bad = Buffer.from(sealed);
    bad[bit >> 3]! ^= 1 << (bit & 7);
    if (codec.open(bad.subarray(0, 2), bad.subarray(2), nonce) !== null) t.fail(`bit ${bit} flipped and still opened`);
  }
  const other = Buffer.from(nonce);
  other[11]! ^= 1;
  t.equal(codec.open(sealed.subarray(0, 2), sealed.subarray(2), other), null, 'another nonce');
  t.equal(codec.open(sealed.subarray(0, 2), sealed.subarray(2, 17), nonce), null, 'a short tag');
});

t.test('gfMul: 1 is the identity (the block 0x80 00 .. 00) and the product commutes', async (t) => {
  const one = Uint32Array.of(0x80000000, 0, 0, 0);
  const a = new Uint32Array(randomBytes(16).buffer.slice(0, 16));
  const b = new Uint32Array(randomBytes(16).buffer.slice(0, 16));
  t.same([...gfMul(a, one)], [...a]);
  t.same([...gfMul(a, b)], [...gfMul(b, a)]);
});

t.test('an AES-GCM session switches to the fast path after a few length chunks and its bytes do not change', async (t) => {
  for (const name of ['aes-128-gcm', 'aes-192-gcm', 'aes-256-gcm']) {
    const spec = getMethod(name)!;
    const key = randomBytes(spec.keyLength);
    const data = randomBytes(100);
    const pieces = 20; // maxPayload 5: 20 chunks, well past GCM_FAST_AFTER
    t.ok(pieces > GCM_FAST_AFTER * 2);
    const session = new AeadSession(spec, key);
    const out = Buffer.alloc(session.chunkedLength(data.length, 5));
    session.sealChunksInto(data, 5, out, 0);
    const expected: Buffer[] = [];
    for (let i = 0; i < pieces; i++) {
      const nonce = (n: number): Buffer => {
        const b = Buffer.alloc(12);
        b.writeUIntLE(n, 0, 6);
        return b;
      };
      expected.push(reference(key, nonce(2 * i), u16(5)), reference(key, nonce(2 * i + 1), data.subarray(5 * i, 5 * i + 5)));
    }
    t.same(out, Buffer.concat(expected), `${name}: sealChunksInto equals node:crypto chunk by chunk`);
    const reader = new AeadSession(spec, key);
    const plain: Buffer[] = [];
    for (let at = 0; at < out.length; at += 18 + 21) {
      t.equal(reader.open(out.subarray(at, at + 2), out.subarray(at + 2, at + 18))?.readUInt16BE(), 5);
      plain.push(reader.open(out.subarray(at + 18, at + 23), out.subarray(at + 23, at + 39))!);
    }
    t.same(Buffer.concat(plain), data, `${name}: open reads it back`);
    const tampered = Buffer.from(out);
    tampered[(18 + 21) * 10]! ^= 1;
    const r2 = new AeadSession(spec, key);
    for (let i = 0; i < 10; i++) {
      r2.open(tampered.subarray(i * 39, i * 39 + 2), tampered.subarray(i * 39 + 2, i * 39 + 18));
      r2.open(tampered.subarray(i * 39 + 18, i * 39 + 23), tampered.subarray(i * 39 + 23, i * 39 + 39));
    }
    t.equal(r2.open(tampered.subarray(390, 392), tampered.subarray(392, 408)), null, `${name}: a flipped length chunk on the fast path is refused`);
  }
});
