import { randomBytes } from 'node:crypto';
import t from 'tap';
import { evpBytesToKey } from '../../../lib/crypto/kdf.js';
import { METHODS } from '../../../lib/crypto/methods.js';
import { isSsError } from '../../../lib/errors.js';
import { decryptPacket, encryptPacket, MAX_UDP_PACKET_BYTES, packetOverhead } from '../../../lib/crypto/aead-packet.js';
import { hex, specOf, udpVectors } from '../../fixtures/vectors.js';

t.test('encryptPacket reproduces the PROTOCOL.md section 9 UDP vector', async (t) => {
  for (const v of udpVectors().vectors) {
    const spec = specOf(v);
    t.equal(evpBytesToKey(v.password, spec.keyLength).toString('hex'), v.masterKey);
    t.equal(encryptPacket(spec, hex(v.masterKey), hex(v.plaintext), hex(v.salt)).toString('hex'), v.packet, v.method);
    t.equal(decryptPacket(spec, hex(v.masterKey), hex(v.packet)).toString('hex'), v.plaintext, v.method);
  }
});

t.test('packets round-trip under every method, with a fresh salt each time', async (t) => {
  for (const spec of [...METHODS.values()].filter((s) => s.kind !== 'stream')) {
    const key = evpBytesToKey('pw', spec.keyLength);
    for (const n of [0, 1, 7, 100, 1400, 16_384]) {
      const plain = randomBytes(n);
      const a = encryptPacket(spec, key, plain);
      const b = encryptPacket(spec, key, plain);
      t.equal(a.length, spec.saltLength + n + spec.tagLength, `${spec.name} ${n}: salt + plaintext + tag`);
      t.notSame(a.subarray(0, spec.saltLength), b.subarray(0, spec.saltLength), `${spec.name} ${n}: salts differ`);
      t.same(decryptPacket(spec, key, a), plain, `${spec.name} ${n}`);
    }
  }
});

t.test('decryptPacket throws ERR_SS_PACKET_TOO_SHORT below salt + tag', async (t) => {
  for (const spec of [...METHODS.values()].filter((s) => s.kind !== 'stream')) {
    const key = evpBytesToKey('pw', spec.keyLength);
    const packet = encryptPacket(spec, key, Buffer.alloc(0));
    t.equal(packet.length, packetOverhead(spec));
    t.same(decryptPacket(spec, key, packet), Buffer.alloc(0), `${spec.name}: an empty plaintext is fine`);
    for (let n = 0; n < packet.length; n++) {
      t.throws(() => decryptPacket(spec, key, packet.subarray(0, n)), { code: 'ERR_SS_PACKET_TOO_SHORT' }, `${spec.name}: ${n} bytes`);
    }
  }
});

t.test('decryptPacket throws ERR_SS_DECRYPT if any byte is flipped', async (t) => {
  const spec = specOf({ method: 'chacha20-ietf-poly1305' });
  const key = evpBytesToKey('pw', spec.keyLength);
  const packet = encryptPacket(spec, key, Buffer.from('0101020304005068656c6c6f', 'hex'));
  for (let i = 0; i < packet.length; i++) {
    const bad = Buffer.from(packet);
    bad[i]! ^= 0x01;
    t.throws(() => decryptPacket(spec, key, bad), { code: 'ERR_SS_DECRYPT' }, `byte ${i}`);
  }
});

t.test('decryptPacket throws ERR_SS_DECRYPT for a wrong key, truncation or random bytes', async (t) => {
  for (const spec of [...METHODS.values()].filter((s) => s.kind !== 'stream')) {
    const key = evpBytesToKey('pw', spec.keyLength);
    const packet = encryptPacket(spec, key, Buffer.from('hello'));
    t.throws(() => decryptPacket(spec, evpBytesToKey('other', spec.keyLength), packet), { code: 'ERR_SS_DECRYPT' }, `${spec.name}: wrong key`);
    t.throws(() => decryptPacket(spec, key, packet.subarray(0, -1)), { code: 'ERR_SS_DECRYPT' }, `${spec.name}: one byte short`);
    t.throws(() => decryptPacket(spec, key, randomBytes(200)), { code: 'ERR_SS_DECRYPT' }, `${spec.name}: random`);
  }
});

t.test('encryptPacket refuses packets above the largest datagram', async (t) => {
  const spec = specOf({ method: 'aes-128-gcm' });
  const key = evpBytesToKey('pw', spec.keyLength);
  const fits = MAX_UDP_PACKET_BYTES - packetOverhead(spec);
  t.equal(encryptPacket(spec, key, Buffer.alloc(fits)).length, MAX_UDP_PACKET_BYTES);
  const err = (() => { try { encryptPacket(spec, key, Buffer.alloc(fits + 1)); } catch (e) { return e; } return undefined; })();
  t.ok(isSsError(err, 'ERR_SS_PACKET_TOO_LARGE'));
  t.throws(() => encryptPacket(spec, key, Buffer.alloc(1), Buffer.alloc(15)), TypeError, 'a salt of the wrong length');
});
