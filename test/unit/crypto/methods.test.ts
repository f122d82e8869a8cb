import { getCipherInfo } from 'node:crypto';
import t from 'tap';
import { getMethod, METHOD_NAMES, METHODS } from '../../../lib/crypto/methods.js';

const TABLE = [
  // name, key, salt, nonce, tag, Node algorithm, extended nonce
  ['aes-128-gcm', 16, 16, 12, 16, 'aes-128-gcm', false],
  ['aes-192-gcm', 24, 24, 12, 16, 'aes-192-gcm', false],
  ['aes-256-gcm', 32, 32, 12, 16, 'aes-256-gcm', false],
  ['chacha20-ietf-poly1305', 32, 32, 12, 16, 'chacha20-poly1305', false],
  ['xchacha20-ietf-poly1305', 32, 32, 24, 16, 'chacha20-poly1305', true],
  ['2022-blake3-aes-128-gcm', 16, 16, 12, 16, 'aes-128-gcm', false],
  ['2022-blake3-aes-256-gcm', 32, 32, 12, 16, 'aes-256-gcm', false],
  ['2022-blake3-chacha20-poly1305', 32, 32, 12, 16, 'chacha20-poly1305', false],
] as const;

t.test('the table has the family and sizes of the five AEAD and three 2022 methods', async (t) => {
  t.same(METHOD_NAMES, TABLE.map((row) => row[0]));
  t.equal(METHODS.size, 8);
  for (const [name, keyLength, saltLength, nonceLength, tagLength, algorithm, extendedNonce] of TABLE) {
    t.same(getMethod(name), { name, kind: name.startsWith('2022-') ? 'aead-2022' : 'aead', keyLength, saltLength, nonceLength, tagLength, algorithm, extendedNonce }, name);
  }
});

t.test('each Node algorithm exists and takes the key length of its method', async (t) => {
  for (const spec of METHODS.values()) {
    const info = getCipherInfo(spec.algorithm);
    t.ok(info, `${spec.algorithm} is available`);
    t.equal(info?.keyLength, spec.keyLength, spec.name);
    // The 24-byte XChaCha20 nonce is reduced to the 12-byte IETF nonce.
    t.equal(info?.ivLength, 12, spec.name);
  }
});

t.test('getMethod is case-insensitive and returns undefined for unknown methods', async (t) => {
  t.equal(getMethod('AES-256-GCM'), getMethod('aes-256-gcm'));
  t.equal(getMethod('Chacha20-IETF-Poly1305')?.name, 'chacha20-ietf-poly1305');
  for (const name of ['aes-256-cfb', 'rc4-md5', 'chacha20-poly1305', '2022-blake3-chacha8-poly1305', '2022-blake3-aes-192-gcm', '']) {
    t.equal(getMethod(name), undefined, `'${name}'`);
  }
});

t.test('specs are frozen', async (t) => {
  const spec = getMethod('aes-128-gcm')!;
  t.ok(Object.isFrozen(spec));
  t.throws(() => { (spec as { keyLength: number }).keyLength = 32; });
});
