import { hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { hkdfSha1 } from '../../../lib/crypto/hkdf-sha1.js';

interface Rfc5869Vector { name: string; ikm: string; salt: string; info: string; length: number; okm: string }
const { vectors } = JSON.parse(readFileSync(new URL('../../fixtures/vectors/rfc5869-sha1.json', import.meta.url), 'utf8')) as { vectors: Rfc5869Vector[] };

t.test('gives the RFC 5869 SHA-1 test vectors', async (t) => {
  for (const v of vectors) {
    t.equal(hkdfSha1(Buffer.from(v.ikm, 'hex'), Buffer.from(v.salt, 'hex'), Buffer.from(v.info, 'hex'), v.length).toString('hex'), v.okm, v.name);
  }
});

t.test('agrees with OpenSSL for every length of key, salt, info and output it takes', async (t) => {
  let mismatches = 0;
  for (let i = 0; i < 3000; i++) {
    const ikm = randomBytes(i % 64);
    const salt = randomBytes((i * 7) % 65);
    const info = randomBytes((i * 13) % 43);
    const length = 1 + ((i * 31) % 120);
    if (!hkdfSha1(ikm, salt, info, length).equals(Buffer.from(hkdfSync('sha1', ikm, salt, info, length)))) mismatches++;
  }
  t.equal(mismatches, 0);
});

t.test('a flipped bit of the salt or the key changes the subkey', async (t) => {
  const key = randomBytes(32);
  const salt = randomBytes(32);
  const info = Buffer.from('ss-subkey');
  const subkey = hkdfSha1(key, salt, info, 32);
  const salt2 = Buffer.from(salt);
  salt2[31]! ^= 1;
  const key2 = Buffer.from(key);
  key2[0]! ^= 0x80;
  t.not(hkdfSha1(key, salt2, info, 32).toString('hex'), subkey.toString('hex'));
  t.not(hkdfSha1(key2, salt, info, 32).toString('hex'), subkey.toString('hex'));
  t.equal(hkdfSha1(key, salt, info, 32).toString('hex'), subkey.toString('hex'), 'and the same inputs give the same subkey');
});

t.test('refuses inputs longer than one block', async (t) => {
  t.throws(() => hkdfSha1(randomBytes(64), randomBytes(32), Buffer.alloc(0), 32), RangeError);
  t.throws(() => hkdfSha1(randomBytes(32), randomBytes(65), Buffer.alloc(0), 32), RangeError);
  t.throws(() => hkdfSha1(randomBytes(32), randomBytes(32), Buffer.alloc(43), 32), RangeError);
  t.throws(() => hkdfSha1(randomBytes(32), randomBytes(32), Buffer.alloc(0), 255 * 20 + 1), RangeError);
});
