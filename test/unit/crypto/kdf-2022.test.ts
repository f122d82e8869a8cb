import { blake3 } from '@noble/hashes/blake3.js';
import t from 'tap';
import { identitySubkey, pskHash, sessionSubkey } from '../../../lib/crypto/kdf-2022.js';
import { hex, sip022Vectors } from '../../fixtures/vectors.js';

const v = sip022Vectors();

t.test('session and identity subkeys match the SIP022 vectors of PROTOCOL.md section 9', async (t) => {
  for (const k of v.subkeys) {
    const derive = k.kind === 'session' ? sessionSubkey : identitySubkey;
    t.equal(derive(hex(k.psk), hex(k.salt)).toString('hex'), k.subkey, `${k.kind} subkey, ${k.psk.length / 2}-byte PSK, ${k.salt.length / 2}-byte salt`);
  }
});

t.test('a subkey is as long as the PSK', async (t) => {
  t.equal(sessionSubkey(Buffer.alloc(16), Buffer.alloc(16)).length, 16);
  t.equal(sessionSubkey(Buffer.alloc(32), Buffer.alloc(32)).length, 32);
  t.equal(identitySubkey(Buffer.alloc(32), Buffer.alloc(32)).length, 32);
});

t.test('the 16-byte subkey is the prefix of the 32-byte derive_key output (XOF fill)', async (t) => {
  const k = v.subkeys[0]!;
  const full = blake3(Buffer.concat([hex(k.psk), hex(k.salt)]), { context: new TextEncoder().encode('shadowsocks 2022 session subkey'), dkLen: 32 });
  t.equal(Buffer.from(full).subarray(0, 16).toString('hex'), sessionSubkey(hex(k.psk), hex(k.salt)).toString('hex'));
});

t.test('pskHash is the first 16 bytes of BLAKE3(PSK)', async (t) => {
  t.equal(pskHash(hex(v.pskHash.psk)).toString('hex'), v.pskHash.hash);
});
