import t from 'tap';
import { deriveMasterKey } from '../../../lib/config/master-key.js';
import { evpBytesToKey } from '../../../lib/crypto/kdf.js';
import { getMethod } from '../../../lib/crypto/methods.js';

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
