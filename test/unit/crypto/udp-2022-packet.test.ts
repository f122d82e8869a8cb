import t from 'tap';
import { sessionSubkey } from '../../../lib/crypto/kdf-2022.js';
import { getMethod } from '../../../lib/crypto/methods.js';
import { aesBlock, openAesBody, openChachaPacket, sealAesPacket, sealChachaPacket, separateHeader } from '../../../lib/crypto/udp-2022-packet.js';
import { hex, sip022Vectors, spacedHex } from '../../fixtures/vectors.js';

const v = sip022Vectors();

t.test('seals the section 9 AES datagram: separate header under AES-ECB with the PSK, body under the session subkey', async (t) => {
  const spec = getMethod(v.udpAes.method)!;
  const psk = hex(v.psk16);
  const sid = hex(v.udpAes.sessionId);
  const header = separateHeader(sid, v.udpAes.packetId);
  const packet = sealAesPacket(spec, psk, sessionSubkey(psk, sid), header, spacedHex(v.udpAes.body));
  t.equal(packet.toString('hex'), v.udpAes.encryptedSeparateHeader + v.udpAes.bodyAndTag);
  const opened = aesBlock(psk, packet.subarray(0, 16), true);
  t.same(opened, header, 'the separate header decrypts back');
  t.same(openAesBody(spec, sessionSubkey(psk, sid), opened, packet.subarray(16)), spacedHex(v.udpAes.body));
  const bad = Buffer.from(packet);
  bad[20]! ^= 1;
  t.equal(openAesBody(spec, sessionSubkey(psk, sid), opened, bad.subarray(16)), null, 'a flipped body byte fails');
});

t.test('seals the section 9 ChaCha datagram: XChaCha20-Poly1305 with the PSK over session id, packet id and body', async (t) => {
  const psk = hex(v.psk32);
  const header = separateHeader(hex(v.udpChacha.sessionId), v.udpChacha.packetId);
  const packet = sealChachaPacket(psk, header, spacedHex(v.udpChacha.body), hex(v.udpChacha.nonce));
  t.equal(packet.toString('hex'), v.udpChacha.nonce + v.udpChacha.bodyAndTag);
  t.same(openChachaPacket(psk, packet), { header, body: spacedHex(v.udpChacha.body) });
  t.equal(openChachaPacket(Buffer.alloc(32), packet), null, 'another PSK fails');
  t.equal(openChachaPacket(psk, packet.subarray(0, 40)), null, 'too short');
});
