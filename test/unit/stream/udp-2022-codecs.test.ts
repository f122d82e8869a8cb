import t from 'tap';
import { singleKeyRing } from '../../../lib/crypto/key-ring.js';
import { METHODS } from '../../../lib/crypto/methods.js';
import { getMethod } from '../../../lib/crypto/methods.js';
import { encodeAddress } from '../../../lib/protocol/address.js';
import { Udp2022ClientCodec } from '../../../lib/stream/udp-2022-client-codec.js';
import { Udp2022ServerCodec } from '../../../lib/stream/udp-2022-server-codec.js';
import { hex, sip022Vectors } from '../../fixtures/vectors.js';

const v = sip022Vectors();
const datagram = (s: string): Buffer => Buffer.concat([encodeAddress('127.0.0.1', 53), Buffer.from(s)]);

for (const spec of [...METHODS.values()].filter((s) => s.kind === 'aead-2022')) {
  const psk = Buffer.alloc(spec.keyLength, 3);
  const keys = singleKeyRing(psk);

  t.test(`${spec.name}: a client session and the server's session for it talk both ways`, async (t) => {
    const client = new Udp2022ClientCodec(spec, psk);
    const server = new Udp2022ServerCodec(spec, keys);
    const a = server.open(client.seal(datagram('one')), '127.0.0.1');
    t.same(a.plaintext, datagram('one'));
    t.equal(a.session, client.sessionId.toString('hex'), 'routed by the client session id');
    const b = server.open(client.seal(datagram('two')), '127.0.0.2');
    t.equal(b.session, a.session, 'the same session from another address');
    t.same(client.open(a.sealReply(datagram('r1'))), datagram('r1'));
    t.same(client.open(b.sealReply(datagram('r2'))), datagram('r2'));
    t.equal(server.size, 1);
  });

  t.test(`${spec.name}: a replayed packet id is refused, on both sides; a forged one moves nothing`, async (t) => {
    const client = new Udp2022ClientCodec(spec, psk);
    const server = new Udp2022ServerCodec(spec, keys);
    const p0 = client.seal(datagram('a'));
    const opened = server.open(p0, '127.0.0.1');
    t.throws(() => server.open(p0, '127.0.0.1'), { code: 'ERR_SS_REPLAY' });
    const reply = opened.sealReply(datagram('b'));
    client.open(reply);
    t.throws(() => client.open(reply), { code: 'ERR_SS_REPLAY' });
    const p1 = client.seal(datagram('c'));
    const forged = Buffer.from(p1);
    forged[forged.length - 1]! ^= 1;
    t.throws(() => server.open(forged, '127.0.0.1'), { code: 'ERR_SS_DECRYPT' });
    t.same(server.open(p1, '127.0.0.1').plaintext, datagram('c'), 'the real packet with that id still passes');
  });

  t.test(`${spec.name}: stale and future timestamps are refused`, async (t) => {
    const server = new Udp2022ServerCodec(spec, keys);
    for (const offset of [-31_000, 31_000]) {
      const client = new Udp2022ClientCodec(spec, psk, { now: () => Date.now() + offset });
      t.throws(() => server.open(client.seal(datagram('x')), '127.0.0.1'), { code: 'ERR_SS_BAD_TIMESTAMP' }, `${offset} ms`);
    }
    t.equal(server.size, 0, 'no session for them');
  });

  t.test(`${spec.name}: the client accepts a new server session (a restarted server), and rejects replies for another client`, async (t) => {
    const client = new Udp2022ClientCodec(spec, psk);
    const before = new Udp2022ServerCodec(spec, keys).open(client.seal(datagram('1')), '127.0.0.1');
    const after = new Udp2022ServerCodec(spec, keys).open(client.seal(datagram('2')), '127.0.0.1');
    t.same(client.open(before.sealReply(datagram('old'))), datagram('old'));
    t.same(client.open(after.sealReply(datagram('new'))), datagram('new'));
    t.same(client.open(before.sealReply(datagram('old again'))), datagram('old again'), 'both kept');
    const other = new Udp2022ClientCodec(spec, psk);
    t.throws(() => other.open(after.sealReply(datagram('not yours'))), { code: 'ERR_SS_BAD_HEADER' });
  });

  t.test(`${spec.name}: a wrong PSK and short packets are refused`, async (t) => {
    const server = new Udp2022ServerCodec(spec, keys);
    t.throws(() => server.open(new Udp2022ClientCodec(spec, Buffer.alloc(spec.keyLength, 4)).seal(datagram('x')), '127.0.0.1'), { code: 'ERR_SS_DECRYPT' });
    t.throws(() => server.open(Buffer.alloc(20), '127.0.0.1'), { code: 'ERR_SS_PACKET_TOO_SHORT' });
  });
}

t.test('the server opens the section 9 AES datagram at its timestamp', async (t) => {
  const spec = getMethod(v.udpAes.method)!;
  const server = new Udp2022ServerCodec(spec, singleKeyRing(hex(v.psk16)), { capacity: 16, now: () => v.timestamp * 1000 });
  const opened = server.open(hex(v.udpAes.encryptedSeparateHeader + v.udpAes.bodyAndTag), '127.0.0.1');
  t.same(opened.plaintext, hex('017f00000100356869'));
  t.equal(opened.session, v.udpAes.sessionId);
});

t.test('the server opens the section 9 ChaCha datagram at its timestamp', async (t) => {
  const spec = getMethod(v.udpChacha.method)!;
  const server = new Udp2022ServerCodec(spec, singleKeyRing(hex(v.psk32)), { capacity: 16, now: () => v.timestamp * 1000 });
  const opened = server.open(hex(v.udpChacha.nonce + v.udpChacha.bodyAndTag), '127.0.0.1');
  t.same(opened.plaintext, hex('017f00000100356869'));
});

t.test('server sessions are bounded', async (t) => {
  const spec = getMethod('2022-blake3-aes-128-gcm')!;
  const psk = Buffer.alloc(16, 9);
  const server = new Udp2022ServerCodec(spec, singleKeyRing(psk), { capacity: 4 });
  for (let i = 0; i < 10; i++) server.open(new Udp2022ClientCodec(spec, psk).seal(datagram('x')), '127.0.0.1');
  t.equal(server.size, 4);
});

t.test('without identity headers, each datagram is opened by trying every user\'s PSK (2022 ChaCha and AES)', async (t) => {
  const { UserTable } = await import('../../../lib/server/user-table.js');
  for (const name of ['2022-blake3-chacha20-poly1305', '2022-blake3-aes-128-gcm']) {
    const spec = getMethod(name)!;
    const users = new UserTable(['ann', 'ben', 'cat'].map((u, i) => ({ name: u, key: Buffer.alloc(spec.keyLength, i + 10) })));
    const server = new Udp2022ServerCodec(spec, users);
    for (const [i, user] of ['cat', 'ann', 'ben'].entries()) {
      const key = users.get(user)!.key;
      const client = new Udp2022ClientCodec(spec, key);
      const opened = server.open(client.seal(datagram(user)), '127.0.0.1');
      t.equal(opened.user.name, user, `${name}: ${user}'s datagram is ${user}'s`);
      t.same(client.open(opened.sealReply(datagram('re'))), datagram('re'), `${name}: the reply opens with ${user}'s PSK`);
      t.equal(server.size, i + 1);
    }
    t.same(users.names(), ['ben', 'ann', 'cat'], `${name}: the table keeps the most recently matched first`);
  }
});

t.test('with an identity PSK, the server finds the user by the identity header and answers with the user PSK', async (t) => {
  const { UserTable } = await import('../../../lib/server/user-table.js');
  const spec = getMethod('2022-blake3-aes-256-gcm')!;
  const iPsk = Buffer.alloc(32, 1);
  const users = new UserTable(['ann', 'ben'].map((u, i) => ({ name: u, key: Buffer.alloc(32, i + 20) })));
  const server = new Udp2022ServerCodec(spec, users, { identityKey: iPsk });
  const client = new Udp2022ClientCodec(spec, users.get('ben')!.key, { identityKeys: [iPsk] });
  const opened = server.open(client.seal(datagram('hi')), '127.0.0.1');
  t.equal(opened.user.name, 'ben');
  t.same(opened.plaintext, datagram('hi'));
  t.same(client.open(opened.sealReply(datagram('re'))), datagram('re'));
  t.throws(() => server.open(new Udp2022ClientCodec(spec, Buffer.alloc(32, 99), { identityKeys: [iPsk] }).seal(datagram('x')), '127.0.0.1'), { code: 'ERR_SS_DECRYPT' }, 'an unknown user');
  t.throws(() => server.open(new Udp2022ClientCodec(spec, users.get('ann')!.key).seal(datagram('x')), '127.0.0.1'), { code: 'ERR_SS_DECRYPT' }, 'no identity header');
  t.throws(() => new Udp2022ClientCodec(getMethod('2022-blake3-chacha20-poly1305')!, iPsk, { identityKeys: [iPsk] }), TypeError, 'ChaCha has none');
});
