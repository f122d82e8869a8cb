import { createCipheriv, randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import t from 'tap';
import { hchacha20 } from '../../../lib/crypto/hchacha20.js';

// draft-irtf-cfrg-xchacha-03, section 2.2.1.
const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const NONCE = Buffer.from('000000090000004a0000000031415927', 'hex');
const EXPECTED = '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc';

t.test('hchacha20 matches the draft-irtf-cfrg-xchacha 2.2.1 test vector', async (t) => {
  t.equal(hchacha20(KEY, NONCE).toString('hex'), EXPECTED);
});

t.test('hchacha20 writes into the buffer it is given and can reuse it', async (t) => {
  const out = Buffer.alloc(32);
  t.equal(hchacha20(KEY, NONCE, out), out);
  t.equal(out.toString('hex'), EXPECTED);
  hchacha20(Buffer.alloc(32), Buffer.alloc(16), out);
  t.not(out.toString('hex'), EXPECTED);
  t.equal(hchacha20(KEY, NONCE, out).toString('hex'), EXPECTED, 'same input, same output after reuse');
});

t.test('hchacha20 reads only the first 16 bytes of a longer nonce', async (t) => {
  const nonce24 = Buffer.concat([NONCE, randomBytes(8)]);
  t.equal(hchacha20(KEY, nonce24.subarray(0, 16)).toString('hex'), EXPECTED);
});

t.test('HChaCha20 + native chacha20-poly1305 equals @noble/ciphers xchacha20poly1305', async (t) => {
  for (let i = 0; i < 16; i++) {
    const key = randomBytes(32);
    const nonce = randomBytes(24);
    const msg = randomBytes(i * 37);
    const subkey = hchacha20(key, nonce.subarray(0, 16));
    const iv = Buffer.concat([Buffer.alloc(4), nonce.subarray(16)]);
    const c = createCipheriv('chacha20-poly1305', subkey, iv, { authTagLength: 16 });
    const ours = Buffer.concat([c.update(msg), c.final(), c.getAuthTag()]);
    const theirs = Buffer.from(xchacha20poly1305(key, nonce).encrypt(msg));
    t.equal(ours.toString('hex'), theirs.toString('hex'), `random case ${i}`);
  }
});
