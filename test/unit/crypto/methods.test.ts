import { getCipherInfo, getCiphers } from 'node:crypto';
import t from 'tap';
import { getMethod, isMethodName, METHOD_NAMES, METHODS, methodUnavailable } from '../../../lib/crypto/methods.js';

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
  t.same(METHOD_NAMES.slice(0, 8), TABLE.map((row) => row[0]));
  for (const [name, keyLength, saltLength, nonceLength, tagLength, algorithm, extendedNonce] of TABLE) {
    t.same(getMethod(name), { name, kind: name.startsWith('2022-') ? 'aead-2022' : 'aead', keyLength, saltLength, nonceLength, tagLength, algorithm, extendedNonce, legacyProvider: false }, name);
  }
});

// name, key, IV (PROTOCOL.md section 1)
const STREAM = [
  ...['cfb', 'ctr', 'ofb', 'cfb8', 'cfb1'].flatMap((m) => [[`aes-128-${m}`, 16, 16], [`aes-192-${m}`, 24, 16], [`aes-256-${m}`, 32, 16]] as const),
  ['camellia-128-cfb', 16, 16], ['camellia-192-cfb', 24, 16], ['camellia-256-cfb', 32, 16],
  ['chacha20-ietf', 32, 12], ['chacha20', 32, 8], ['salsa20', 32, 8], ['rc4-md5', 16, 16], ['rc4', 16, 0],
  ['bf-cfb', 16, 8], ['cast5-cfb', 16, 8], ['des-cfb', 8, 8], ['idea-cfb', 16, 8], ['rc2-cfb', 16, 8], ['seed-cfb', 16, 16], ['table', 0, 0],
] as const;

t.test('the table has the key and IV lengths of the stream methods, after the others', async (t) => {
  t.same(METHOD_NAMES.slice(8), STREAM.map((row) => row[0]));
  for (const [name, keyLength, ivLength] of STREAM) {
    const spec = getMethod(name)!;
    t.same([spec.kind, spec.keyLength, spec.saltLength, spec.tagLength], ['stream', keyLength, ivLength, 0], name);
    t.equal(spec.legacyProvider, ['bf-cfb', 'cast5-cfb', 'des-cfb', 'idea-cfb', 'rc2-cfb', 'seed-cfb'].includes(name), name);
    // OpenSSL's own sizes agree wherever OpenSSL is what runs it.
    const info = getCipherInfo(spec.algorithm);
    if (info && spec.algorithm !== 'chacha20') t.same([info.keyLength, info.ivLength ?? 0], [keyLength, ivLength], `${name} in OpenSSL`);
  }
});

t.test('a legacy-provider method says which flag it needs, unless Node has it', async (t) => {
  const bf = getMethod('bf-cfb')!;
  const reason = methodUnavailable(bf);
  if (getCiphers().includes('bf-cfb')) t.equal(reason, undefined);
  else t.match(reason, /bf-cfb needs OpenSSL's legacy provider.*--openssl-legacy-provider/);
  t.equal(methodUnavailable(getMethod('aes-256-cfb')!), undefined);
  t.equal(methodUnavailable(getMethod('rc4-md5')!), undefined);
});

t.test('each Node algorithm exists and takes the key length of its method', async (t) => {
  for (const spec of [...METHODS.values()].filter((s) => s.kind !== 'stream')) {
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
  for (const name of ['aes-128-ecb', 'xchacha20', 'chacha20-poly1305', '2022-blake3-chacha8-poly1305', '2022-blake3-aes-192-gcm', '']) {
    t.equal(getMethod(name), undefined, `'${name}'`);
  }
});

t.test('specs are frozen', async (t) => {
  const spec = getMethod('aes-128-gcm')!;
  t.ok(Object.isFrozen(spec));
  t.throws(() => { (spec as { keyLength: number }).keyLength = 32; });
});

t.test('isMethodName accepts exactly the lower-case names of the table', async (t) => {
  for (const name of METHOD_NAMES) t.ok(isMethodName(name), name);
  for (const name of ['aes-256-gmc', 'AES-256-GCM', '', 'chacha20-poly1305', 'toString']) t.notOk(isMethodName(name), name);
  t.equal(getMethod('AES-256-GCM')?.name, 'aes-256-gcm', 'getMethod still ignores case');
  t.equal(getMethod('toString'), undefined);
});
