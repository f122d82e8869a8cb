import { createHash } from 'node:crypto';
import t from 'tap';
import { deriveSubkey, evpBytesToKey } from '../../../lib/crypto/kdf.js';
import { METHODS } from '../../../lib/crypto/methods.js';
import { evpVectors, hex, hkdfVectors } from '../../fixtures/vectors.js';

t.test('evpBytesToKey matches the EVP_BytesToKey vectors', async (t) => {
  for (const v of evpVectors().vectors) {
    t.equal(evpBytesToKey(v.password, v.keyLength).toString('hex'), v.key, `${v.password} / ${v.keyLength}`);
  }
});

t.test('evpBytesToKey gives each method a key of its own length, prefixes of one another', async (t) => {
  const long = evpBytesToKey('foobar', 64);
  t.equal(long.subarray(0, 16).toString('hex'), '3858f62230ac3c915f300c664312c63f');
  for (const spec of [...METHODS.values()].filter((s) => s.kind !== 'stream')) {
    const key = evpBytesToKey('foobar', spec.keyLength);
    t.equal(key.length, spec.keyLength, spec.name);
    t.same(key, long.subarray(0, spec.keyLength), spec.name);
  }
});

t.test('evpBytesToKey takes the password as UTF-8 and accepts a Buffer as is', async (t) => {
  const pw = 'pässwörd-密码';
  const bytes = Buffer.from(pw, 'utf8');
  const d1 = createHash('md5').update(bytes).digest();
  const d2 = createHash('md5').update(d1).update(bytes).digest();
  t.same(evpBytesToKey(pw, 32), Buffer.concat([d1, d2]));
  t.same(evpBytesToKey(bytes, 24), Buffer.concat([d1, d2]).subarray(0, 24));
  t.notSame(evpBytesToKey(pw, 16), evpBytesToKey(Buffer.from(pw, 'latin1'), 16));
});

t.test('deriveSubkey matches the HKDF-SHA1 ss-subkey vectors', async (t) => {
  for (const v of hkdfVectors().vectors) {
    const masterKey = hex(v.masterKey);
    t.same(masterKey, evpBytesToKey(v.password, masterKey.length), 'master key from the password');
    t.equal(deriveSubkey(masterKey, hex(v.salt)).toString('hex'), v.subkey);
  }
});

t.test('deriveSubkey returns a Buffer as long as the master key, different per salt', async (t) => {
  for (const len of [16, 24, 32]) {
    const key = evpBytesToKey('foobar', len);
    const a = deriveSubkey(key, Buffer.alloc(len, 1));
    const b = deriveSubkey(key, Buffer.alloc(len, 2));
    t.ok(Buffer.isBuffer(a), 'a Buffer, not an ArrayBuffer');
    t.equal(a.length, len);
    t.notSame(a, b);
  }
});
