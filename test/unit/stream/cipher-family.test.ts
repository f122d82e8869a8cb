import t from 'tap';
import { evpBytesToKey } from '../../../lib/crypto/kdf.js';
import { singleKeyRing } from '../../../lib/crypto/key-ring.js';
import { METHODS } from '../../../lib/crypto/methods.js';
import { ReplayFilter } from '../../../lib/crypto/replay-filter.js';
import { isSsError } from '../../../lib/errors.js';
import { UserTable } from '../../../lib/server/user-table.js';
import { createCipherContext } from '../../../lib/stream/cipher-context.js';
import { cipherFamilyOf } from '../../../lib/stream/cipher-family-of.js';
import { encodeAddress } from '../../../lib/protocol/address.js';
import { collect } from '../../fixtures/streams.js';

// What a client stream carries: the target header, then payload (a 2022 request needs the header).
const request = Buffer.concat([encodeAddress('127.0.0.1', 80), Buffer.from('hello')]);

for (const spec of [...METHODS.values()].filter((s) => s.kind !== 'stream')) {
  const family = cipherFamilyOf(spec);
  const keyOf = (name: string): Buffer => evpBytesToKey(`pw-${name}`, spec.keyLength); // any key of the right length does for a 2022 PSK
  const table = (): UserTable => new UserTable(['alice', 'bob', 'carol'].map((name) => ({ name, key: keyOf(name) })));

  t.test(`${spec.name}: the decrypt side finds the user whose key opens the stream, and the encrypt side answers with it`, async (t) => {
    t.equal(family.kind, spec.kind);
    const users = table();
    const clientContext = createCipherContext();
    const clientEncrypt = family.createEncrypt({ side: 'client', key: keyOf('carol'), context: clientContext });
    const serverContext = createCipherContext();
    const serverDecrypt = family.createDecrypt({ side: 'server', keys: users, context: serverContext, clientAddress: '127.0.0.1' });
    clientEncrypt.pipe(serverDecrypt);
    clientEncrypt.end(request);
    t.same(await collect(serverDecrypt), request);
    t.equal(serverContext.user?.name, 'carol');
    t.equal(serverDecrypt.authenticated, true);
    t.ok(serverContext.peerSalt?.length === spec.saltLength, 'the request salt is recorded');
    t.same(users.names()[0], 'carol', 'carol is tried first next time');

    const serverEncrypt = family.createEncrypt({ side: 'server', key: serverContext.user!.key, context: serverContext });
    const clientDecrypt = family.createDecrypt({ side: 'client', keys: singleKeyRing(keyOf('carol')), context: clientContext });
    serverEncrypt.pipe(clientDecrypt);
    serverEncrypt.end(Buffer.from('hi carol'));
    t.same(await collect(clientDecrypt), Buffer.from('hi carol'));
  });

  t.test(`${spec.name}: a key no user has fails to authenticate`, async (t) => {
    const encrypt = family.createEncrypt({ side: 'client', key: keyOf('mallory'), context: createCipherContext() });
    const context = createCipherContext();
    const decrypt = family.createDecrypt({ side: 'server', keys: table(), context });
    encrypt.pipe(decrypt);
    encrypt.end(request);
    const err = await collect(decrypt).then(() => undefined, (e: unknown) => e);
    t.ok(isSsError(err, 'ERR_SS_DECRYPT'), 'ERR_SS_DECRYPT');
    t.equal(context.user, undefined);
  });

  if (spec.kind === 'aead') t.test(`${spec.name}: a datagram is opened with the key of the user who sealed it`, async (t) => {
    const users = table();
    const server = family.createUdpServer({ keys: users });
    const packet = family.createUdpClient(keyOf('bob')).seal(Buffer.from('payload'));
    const opened = server.open(packet, '127.0.0.1');
    t.equal(opened.user.name, 'bob');
    t.same(opened.plaintext, Buffer.from('payload'));
    t.equal(opened.session, undefined, 'routed by source address');
    t.same(users.names()[0], 'bob');
    t.same(family.createUdpClient(keyOf('bob')).open(opened.sealReply(Buffer.from('reply'))), Buffer.from('reply'));
    t.throws(() => server.open(family.createUdpClient(keyOf('mallory')).seal(Buffer.from('x')), '127.0.0.1'), { code: 'ERR_SS_DECRYPT' });
    t.throws(() => server.open(Buffer.alloc(spec.saltLength), '127.0.0.1'), { code: 'ERR_SS_PACKET_TOO_SHORT' });
  });

  if (spec.kind === 'aead') t.test(`${spec.name}: a replayed datagram and a reflected reply are refused by the server codec`, async (t) => {
    const server = family.createUdpServer({ keys: table(), replayFilter: new ReplayFilter(100) });
    const packet = family.createUdpClient(keyOf('bob')).seal(Buffer.from('payload'));
    const opened = server.open(packet, '127.0.0.1');
    t.throws(() => server.open(packet, '127.0.0.1'), { code: 'ERR_SS_REPLAY' });
    t.throws(() => server.open(opened.sealReply(Buffer.from('x')), '127.0.0.1'), { code: 'ERR_SS_REPLAY' });
  });
}

t.test('one family object serves every connection of a method', async (t) => {
  const spec = METHODS.get('aes-256-gcm')!;
  t.equal(cipherFamilyOf(spec), cipherFamilyOf(spec));
});
