import t from 'tap';
import { decodePsk, deriveMasterKey } from '../../../lib/config/master-key.js';
import { getMethod } from '../../../lib/crypto/methods.js';
import { isSsError } from '../../../lib/errors.js';
import { evpBytesToKey } from '../../../lib/crypto/kdf.js';
import { sip022Vectors } from '../../fixtures/vectors.js';

const aes128 = getMethod('2022-blake3-aes-128-gcm')!;
const aes256 = getMethod('2022-blake3-aes-256-gcm')!;
const v = sip022Vectors();

t.test('a 2022 password is the base64 PSK itself, decoded without derivation', async (t) => {
  t.equal(deriveMasterKey(aes128, v.psk16Base64, undefined).toString('hex'), v.psk16);
  t.equal(deriveMasterKey(aes128, undefined, v.psk16Base64).toString('hex'), v.psk16, 'also given as key');
  const k32 = Buffer.from(v.psk32, 'hex');
  t.equal(deriveMasterKey(aes256, k32.toString('base64'), undefined).toString('hex'), v.psk32);
});

t.test('a 2022 PSK may be URL-safe and unpadded', async (t) => {
  const k = Buffer.from('fbff' + '00'.repeat(14), 'hex');
  t.same(decodePsk(aes128, k.toString('base64url'), 'password'), k);
  t.same(decodePsk(aes128, k.toString('base64').replace(/=+$/, ''), 'password'), k);
});

t.test('a 2022 PSK of the wrong length is refused, saying the length wanted and not the secret', async (t) => {
  const short = Buffer.alloc(12, 1).toString('base64');
  const long = Buffer.alloc(32, 1).toString('base64');
  for (const [spec, text] of [[aes128, short], [aes128, long], [aes256, Buffer.alloc(16, 1).toString('base64')]] as const) {
    try {
      deriveMasterKey(spec, text, undefined);
      t.fail('accepted');
    } catch (err) {
      t.ok(isSsError(err, 'ERR_SS_CONFIG'));
      t.match((err as Error).message, new RegExp(`^password: must be a base64 key of exactly ${spec.keyLength} bytes for ${spec.name} .*decodes to \\d+ bytes$`));
      t.notMatch((err as Error).message, text);
    }
  }
});

t.test('a 2022 PSK that is not base64 is refused as such', async (t) => {
  for (const text of ['a plain password!', 'AAECAwQFBgcICQoLDA0ODw==x', 'AAECA+QFBgc_CQoLDA0ODw==', 'A']) {
    t.throws(() => deriveMasterKey(aes128, text, undefined), { code: 'ERR_SS_CONFIG', message: /^password: .*it is not base64$/ }, text);
  }
  t.throws(() => deriveMasterKey(aes128, undefined, 'not base64!'), { message: /^key: .*it is not base64$/ });
});

t.test('a 2022 method without a PSK asks for one', async (t) => {
  t.throws(() => deriveMasterKey(aes128, undefined, undefined), { code: 'ERR_SS_CONFIG', message: /^password: is required: a base64 key of 16 bytes/ });
  t.throws(() => deriveMasterKey(aes128, v.psk16Base64, v.psk16Base64), { message: /^key: give either password or key, not both$/ });
});

t.test('an AEAD password still goes through EVP_BytesToKey', async (t) => {
  t.equal(deriveMasterKey(getMethod('aes-128-gcm')!, 'foobar', undefined).toString('hex'), '3858f62230ac3c915f300c664312c63f');
});

const spec = getMethod('aes-256-gcm')!;

t.test('derives the key from the UTF-8 bytes of the password, or decodes a base64 key', async (t) => {
  t.same(deriveMasterKey(spec, 'pässwörd', undefined), evpBytesToKey(Buffer.from('pässwörd', 'utf8'), 32));
  const raw = Buffer.alloc(32, 0xff);
  t.same(deriveMasterKey(spec, undefined, raw.toString('base64')), raw, 'a key carries bytes that are no text');
});

t.test('refuses a password that is not Unicode text, so two different ones never share a key', async (t) => {
  // Each lone surrogate would be encoded as U+FFFD: both would give EVP_BytesToKey("\xef\xbf\xbd").
  for (const password of ['\udfff', '\ud800', 'pw\udc80']) {
    const err = t.throws(() => deriveMasterKey(spec, password, undefined), { code: 'ERR_SS_CONFIG', message: /^password: is not valid UTF-8 text, and a secret is never altered: .*give its key \(base64\) instead$/ }) as Error;
    t.notMatch(err.message, /pw/, 'the password is not quoted');
  }
});

t.test('names the problem: missing, both, wrong type, empty, short key', async (t) => {
  t.throws(() => deriveMasterKey(spec, undefined, undefined), { message: 'password: is required' });
  t.throws(() => deriveMasterKey(spec, 'pw', 'AAAA'), { message: 'key: give either password or key, not both' });
  t.throws(() => deriveMasterKey(spec, 42, undefined), { message: 'password: must be a string, got number' });
  t.throws(() => deriveMasterKey(spec, '', undefined), { message: 'password: must not be empty' });
  t.throws(() => deriveMasterKey(spec, undefined, 'AAAA'), { message: 'key: must decode to at least 32 bytes for aes-256-gcm' });
});

t.test('a raw key (--key) that is not base64 is refused as such, not decoded into stray bytes', async (t) => {
  const long = 'this is a long password, not a key at all!!';
  for (const text of [long, 'abc$', 'AAAAA']) {
    t.throws(() => deriveMasterKey(spec, undefined, text), { code: 'ERR_SS_CONFIG', message: /^key: must be base64 \(standard or URL-safe\); it is not base64/ }, text);
  }
  t.notMatch((() => { try { deriveMasterKey(spec, undefined, long); } catch (err) { return (err as Error).message; } return ''; })(), /long password/, 'the text is not echoed');
  t.equal(deriveMasterKey(spec, undefined, Buffer.alloc(32, 1).toString('base64url')).length, 32, 'URL-safe base64 is fine');
});

t.test('a client password iPSK:uPSK (or longer) is a SIP023 chain for the AES 2022 methods only', async (t) => {
  const { deriveClientKeys } = await import('../../../lib/config/master-key.js');
  const [a, b, c] = [1, 2, 3].map((n) => Buffer.alloc(16, n));
  t.same(deriveClientKeys(aes128, `${a!.toString('base64')}:${b!.toString('base64')}:${c!.toString('base64')}`, undefined), { key: c, identityKeys: [a, b] });
  t.same(deriveClientKeys(aes128, a!.toString('base64'), undefined), { key: a, identityKeys: [] }, 'one PSK: no identity headers');
  t.throws(() => deriveClientKeys(aes128, `${a!.toString('base64')}:short`, undefined), { message: /^password \(PSK 2 of 2\): must be a base64 key of exactly 16 bytes/ });
  const chacha = getMethod('2022-blake3-chacha20-poly1305')!;
  const k32 = Buffer.alloc(32, 1).toString('base64');
  t.throws(() => deriveClientKeys(chacha, `${k32}:${k32}`, undefined), { message: /^password: a chain iPSK:uPSK needs identity headers, which 2022-blake3-chacha20-poly1305 does not have/ });
  t.same(deriveClientKeys(getMethod('aes-128-gcm')!, 'pass:word', undefined).identityKeys, [], 'an AEAD password may contain a colon');
});
