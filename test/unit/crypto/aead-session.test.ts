import { randomBytes } from 'node:crypto';
import { gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import t from 'tap';
import { AeadSession, incrementNonce } from '../../../lib/crypto/aead-session.js';
import { deriveSubkey } from '../../../lib/crypto/kdf.js';
import { getMethod, METHODS, type CipherSpec } from '../../../lib/crypto/methods.js';
import { useNativeCrypto } from '../../../lib/crypto/sodium-aead.js';
import { hex, specOf, tcpVectors, udpVectors } from '../../fixtures/vectors.js';

/** The n-th nonce as a little-endian counter. */
function nonceOf(n: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  b.writeUIntLE(n, 0, 6);
  return b;
}

/** @noble/ciphers' AEAD for a method: an independent implementation. */
function noble(spec: CipherSpec, key: Buffer, nonce: Buffer): { encrypt(m: Uint8Array): Uint8Array } {
  if (spec.extendedNonce) return xchacha20poly1305(key, nonce);
  return spec.algorithm === 'chacha20-poly1305' ? chacha20poly1305(key, nonce) : gcm(key, nonce);
}

const sealed = (s: AeadSession, m: Buffer): string => Buffer.concat(s.seal(m)).toString('hex');

t.test('ChaCha20-Poly1305 sessions go through libsodium when it is on, AES-GCM never', async (t) => {
  t.ok(useNativeCrypto(true), 'sodium-native is installed (an optionalDependency)');
  t.ok(new AeadSession(getMethod('chacha20-ietf-poly1305')!, randomBytes(32)).native);
  t.ok(new AeadSession(getMethod('xchacha20-ietf-poly1305')!, randomBytes(32)).native);
  t.notOk(new AeadSession(getMethod('aes-256-gcm')!, randomBytes(32)).native);
  t.notOk(useNativeCrypto(false));
  t.notOk(new AeadSession(getMethod('chacha20-ietf-poly1305')!, randomBytes(32)).native, 'switched off: node:crypto');
});

// Every test below runs on both paths: libsodium for the ChaCha methods, then node:crypto for all.
for (const [path, native] of [['libsodium', true], ['node:crypto', false]] as const) {
  t.test(`on the ${path} path`, async (tt) => {
    tt.equal(useNativeCrypto(native), native);
    tt.test('seal produces the TCP chunk vectors, length then payload, nonce after nonce', async (t) => {
      for (const v of tcpVectors()) {
        const session = new AeadSession(specOf(v), deriveSubkey(hex(v.masterKey), hex(v.salt)));
        for (const c of v.chunks) {
          const len = Buffer.alloc(2);
          len.writeUInt16BE(hex(c.plaintext).length);
          t.equal(sealed(session, len), c.lengthChunk, `${v.name}: length`);
          t.equal(sealed(session, hex(c.plaintext)), c.payloadChunk, `${v.name}: payload`);
        }
      }
    });

    tt.test('open recovers the TCP chunk vectors', async (t) => {
      for (const v of tcpVectors()) {
        const session = new AeadSession(specOf(v), deriveSubkey(hex(v.masterKey), hex(v.salt)));
        for (const c of v.chunks) {
          const lengthChunk = hex(c.lengthChunk);
          const payloadChunk = hex(c.payloadChunk);
          t.equal(session.open(lengthChunk.subarray(0, 2), lengthChunk.subarray(2))?.readUInt16BE(0), payloadChunk.length - 16, v.name);
          t.equal(session.open(payloadChunk.subarray(0, -16), payloadChunk.subarray(-16))?.toString('hex'), c.plaintext, v.name);
        }
      }
    });

    tt.test('seal with the all-zero nonce produces the UDP packet vector', async (t) => {
      const file = udpVectors();
      t.ok(file.source);
      for (const v of file.vectors) {
        const salt = hex(v.salt);
        const session = new AeadSession(specOf(v), deriveSubkey(hex(v.masterKey), salt));
        t.equal(salt.toString('hex') + sealed(session, hex(v.plaintext)), v.packet);
      }
    });

    tt.test('sealInto writes ciphertext and tag at the offset and returns the end', async (t) => {
      const v = tcpVectors()[0]!;
      const session = new AeadSession(specOf(v), deriveSubkey(hex(v.masterKey), hex(v.salt)));
      const out = Buffer.alloc(3 + 18 + 1, 0xee);
      const len = Buffer.from([0, hex(v.chunks[0]!.plaintext).length]);
      t.equal(session.sealInto(len, out, 3), 21);
      t.equal(out.subarray(3, 21).toString('hex'), v.chunks[0]!.lengthChunk);
      t.equal(out[2], 0xee, 'bytes before the offset untouched');
      t.equal(out[21], 0xee, 'bytes after the tag untouched');
    });

    tt.test('incrementNonce adds one little-endian, with carry, wrapping at the top', async (t) => {
      const cases = [
        ['000000', '010000'],
        ['fe0000', 'ff0000'],
        ['ff0000', '000100'],
        ['ffff00', '000001'],
        ['ff01ff', '0002ff'],
        ['ffffff', '000000'],
      ];
      for (const [before, after] of cases) {
        const n = hex(before!);
        incrementNonce(n);
        t.equal(n.toString('hex'), after, `${before} + 1`);
      }
    });

    tt.test('the session nonce advances once per seal or open, carrying into the next byte', async (t) => {
      for (const spec of [...METHODS.values()].filter((s) => s.kind !== 'stream')) {
        const key = randomBytes(spec.keyLength);
        const s = new AeadSession(spec, key);
        t.same(s.nonce, Buffer.alloc(spec.nonceLength), `${spec.name}: starts at zero`);
        for (let i = 0; i < 256; i++) s.seal(Buffer.from([i]));
        t.same(s.nonce, nonceOf(256, spec.nonceLength), `${spec.name}: 256 seals carry into byte 1`);
        // The 257th seal uses nonce 256 = 00 01 00 .. 00.
        const m = Buffer.from('after the carry');
        t.equal(sealed(s, m), Buffer.from(noble(spec, key, nonceOf(256, spec.nonceLength)).encrypt(m)).toString('hex'), spec.name);
        const r = new AeadSession(spec, key);
        const [ct, tag] = new AeadSession(spec, key).seal(m);
        r.open(Buffer.alloc(1), Buffer.alloc(16));
        t.same(r.nonce, nonceOf(1, spec.nonceLength), `${spec.name}: a failed open advances too`);
        t.equal(r.open(ct, tag), null, `${spec.name}: the next open uses nonce 1, not 0`);
      }
    });

    tt.test('every method matches @noble/ciphers over several consecutive nonces', async (t) => {
      for (const spec of [...METHODS.values()].filter((s) => s.kind !== 'stream')) {
        const key = randomBytes(spec.keyLength);
        const s = new AeadSession(spec, key);
        for (let n = 0; n < 8; n++) {
          const m = randomBytes(n * 100);
          const theirs = Buffer.from(noble(spec, key, nonceOf(n, spec.nonceLength)).encrypt(m)).toString('hex');
          t.equal(sealed(s, m), theirs, `${spec.name}, nonce ${n}`);
        }
      }
    });

    tt.test('open returns null when a tag or ciphertext byte is flipped', async (t) => {
      for (const spec of [...METHODS.values()].filter((s) => s.kind !== 'stream')) {
        const key = randomBytes(spec.keyLength);
        const m = randomBytes(40);
        const [ct, tag] = new AeadSession(spec, key).seal(m);
        t.same(new AeadSession(spec, key).open(ct, tag), m, `${spec.name}: intact`);
        for (const [what, i] of [['tag', 0], ['tag', 15], ['ciphertext', 0], ['ciphertext', 39]] as const) {
          const c = Buffer.from(ct);
          const g = Buffer.from(tag);
          (what === 'tag' ? g : c)[i]! ^= 0x01;
          t.equal(new AeadSession(spec, key).open(c, g), null, `${spec.name}: ${what} byte ${i}`);
        }
        t.equal(new AeadSession(spec, randomBytes(spec.keyLength)).open(ct, tag), null, `${spec.name}: wrong key`);
        t.equal(new AeadSession(spec, key).open(ct.subarray(1), tag), null, `${spec.name}: short ciphertext`);
      }
    });
  });
}
