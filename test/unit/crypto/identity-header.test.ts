import { createCipheriv } from 'node:crypto';
import t from 'tap';
import { openTcpIdentityHeader, openUdpIdentityHeader, sealTcpIdentityHeaders, sealUdpIdentityHeaders } from '../../../lib/crypto/identity-header.js';
import { pskHash } from '../../../lib/crypto/kdf-2022.js';
import { separateHeader } from '../../../lib/crypto/udp-2022-packet.js';
import { hex, sip022Vectors } from '../../fixtures/vectors.js';

const v = sip022Vectors();
const identity = v.subkeys.find((k) => k.kind === 'identity')!;

function aesEcb(key: Buffer, block: Buffer): Buffer {
  const c = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

t.test('a TCP identity header is H(uPSK) under the identity subkey of PROTOCOL.md section 9', async (t) => {
  // iPSK = uPSK = PSK16, salt 10..1f: the vector's identity subkey seals the vector's H(PSK16).
  const eih = sealTcpIdentityHeaders([hex(v.psk16)], hex(v.psk16), hex(identity.salt));
  t.same(eih, aesEcb(hex(identity.subkey), hex(v.pskHash.hash)));
  t.equal(eih.length, 16);
  t.same(openTcpIdentityHeader(hex(v.psk16), hex(identity.salt), eih), hex(v.pskHash.hash), 'the server opens it with the iPSK');
});

t.test('a UDP identity header is H(uPSK) XOR the plaintext separate header, under the iPSK', async (t) => {
  const header = separateHeader(hex(v.udpAes.sessionId), 0);
  const eih = sealUdpIdentityHeaders([hex(v.psk16)], hex(v.psk16), header);
  const xored = Buffer.from(hex(v.pskHash.hash).map((b, i) => b ^ header[i]!));
  t.same(eih, aesEcb(hex(v.psk16), xored));
  t.same(openUdpIdentityHeader(hex(v.psk16), eih, header), hex(v.pskHash.hash));
});

t.test('a chain iPSK1:iPSK2:uPSK has one header per identity PSK, each naming the next key', async (t) => {
  const [i1, i2, u] = [Buffer.alloc(32, 1), Buffer.alloc(32, 2), Buffer.alloc(32, 3)];
  const salt = Buffer.alloc(32, 9);
  const tcp = sealTcpIdentityHeaders([i1, i2], u, salt);
  t.equal(tcp.length, 32);
  t.same(openTcpIdentityHeader(i1, salt, tcp.subarray(0, 16)), pskHash(i2), 'the first relay learns the next iPSK');
  t.same(openTcpIdentityHeader(i2, salt, tcp.subarray(16)), pskHash(u), 'the last server learns the user');
  const header = separateHeader(Buffer.alloc(8, 5), 7);
  const udp = sealUdpIdentityHeaders([i1, i2], u, header);
  t.same(openUdpIdentityHeader(i1, udp.subarray(0, 16), header), pskHash(i2));
  t.same(openUdpIdentityHeader(i2, udp.subarray(16), header), pskHash(u));
});
