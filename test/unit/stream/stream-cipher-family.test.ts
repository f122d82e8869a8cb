import { execFileSync } from 'node:child_process';
import t from 'tap';
import { evpBytesToKey } from '../../../lib/crypto/kdf.js';
import { singleKeyRing } from '../../../lib/crypto/key-ring.js';
import { getMethod, METHODS, methodUnavailable, type CipherSpec } from '../../../lib/crypto/methods.js';
import { ReplayFilter } from '../../../lib/crypto/replay-filter.js';
import { createCipherContext } from '../../../lib/stream/cipher-context.js';
import { cipherFamilyOf } from '../../../lib/stream/cipher-family-of.js';
import { openStreamPacket, sealStreamPacket } from '../../../lib/stream/stream-cipher-family.js';
import { StreamDecryptTransform } from '../../../lib/stream/stream-decrypt-transform.js';
import { StreamEncryptTransform } from '../../../lib/stream/stream-encrypt-transform.js';
import { bytewise, feed, splitAt } from '../../fixtures/streams.js';
import { hex, streamVectors, tableVectors, type StreamVector } from '../../fixtures/vectors.js';

const STREAM_METHODS = [...METHODS.values()].filter((s) => s.kind === 'stream');
const runnable = (v: StreamVector): boolean => methodUnavailable(getMethod(v.method)!) === undefined;
const user = (key: Buffer) => ({ name: 'default', key });

t.test('the vectors cover every stream method with an independent implementation but idea-cfb and table', async (t) => {
  const covered = new Set(streamVectors().vectors.map((v) => v.method));
  t.same(STREAM_METHODS.map((s) => s.name).filter((n) => !covered.has(n)), ['idea-cfb', 'table']);
  for (const v of streamVectors().vectors) t.equal(evpBytesToKey(v.password, getMethod(v.method)!.keyLength).toString('hex'), v.key, v.method);
});

t.test('encrypts each vector from its fixed IV, the IV in front', async (t) => {
  for (const v of streamVectors().vectors.filter(runnable)) {
    const enc = new StreamEncryptTransform({ spec: getMethod(v.method)!, key: hex(v.key), iv: hex(v.iv) });
    const plain = hex(v.plaintext);
    const { output, error } = await feed(enc, [plain.subarray(0, 7), plain.subarray(7, 70), plain.subarray(70)]);
    t.error(error);
    t.equal(output.toString('hex'), v.iv + v.ciphertext, v.method);
  }
});

t.test('decrypts each vector at every split point and one byte at a time', async (t) => {
  for (const v of streamVectors().vectors.filter(runnable)) {
    const spec = getMethod(v.method)!;
    const wire = Buffer.concat([hex(v.iv), hex(v.ciphertext)]);
    let bad = 0;
    for (let at = 0; at <= wire.length; at++) {
      const { output, error } = await feed(new StreamDecryptTransform({ spec, user: user(hex(v.key)) }), splitAt(wire, at));
      if (error || output.toString('hex') !== v.plaintext) bad++;
    }
    t.equal(bad, 0, `${v.method}: every split point`);
    const { output } = await feed(new StreamDecryptTransform({ spec, user: user(hex(v.key)) }), bytewise(wire));
    t.equal(output.toString('hex'), v.plaintext, `${v.method}: bytewise`);
  }
});

t.test('seals and opens one datagram per vector with its own IV', async (t) => {
  for (const v of streamVectors().vectors.filter(runnable)) {
    const spec = getMethod(v.method)!;
    t.equal(sealStreamPacket(spec, hex(v.key), hex(v.plaintext), undefined, hex(v.iv)).toString('hex'), v.iv + v.ciphertext, v.method);
    t.equal(openStreamPacket(spec, hex(v.key), Buffer.concat([hex(v.iv), hex(v.ciphertext)])).toString('hex'), v.plaintext, v.method);
  }
});

t.test('the legacy-provider vectors hold when Node is started with --openssl-legacy-provider', async (t) => {
  const legacy = streamVectors().vectors.filter((v) => getMethod(v.method)!.legacyProvider);
  t.ok(legacy.length >= 5);
  const script = `
    import { createStreamCipher } from './dist/lib/crypto/stream-cipher.js';
    import { getMethod } from './dist/lib/crypto/methods.js';
    const vs = JSON.parse(process.argv[1]);
    console.log(JSON.stringify(vs.map((v) => createStreamCipher(getMethod(v.method), Buffer.from(v.key, 'hex'), Buffer.from(v.iv, 'hex'), false).update(Buffer.from(v.plaintext, 'hex')).toString('hex'))));`;
  const out = execFileSync(process.execPath, ['--openssl-legacy-provider', '--input-type=module', '-e', script, JSON.stringify(legacy)], { encoding: 'utf8' });
  t.same(JSON.parse(out), legacy.map((v) => v.ciphertext));
});

t.test('table matches Python shadowsocks\' own test table', async (t) => {
  const spec = getMethod('table')!;
  for (const v of tableVectors().vectors) {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const sealed = sealStreamPacket(spec, Buffer.from(v.password), all);
    t.equal(sealed.toString('hex'), v.encrypt ?? sealed.toString('hex'), v.password);
    if (v.encryptPrefix !== undefined) t.equal(sealed.subarray(0, 16).toString('hex'), v.encryptPrefix, v.password);
    t.same(openStreamPacket(spec, Buffer.from(v.password), sealed), all);
  }
});

t.test('chacha20 and salsa20 match libsodium over two writes (PROTOCOL.md section 9)', async (t) => {
  const cases = [['chacha20', '224876be720add8692649b13353390bb'], ['salsa20', '19561a26af96e6cad7ebe8e5dce54992']] as const;
  for (const [name, first16] of cases) {
    const enc = new StreamEncryptTransform({ spec: getMethod(name)!, key: evpBytesToKey('foobar', 32), iv: hex('0001020304050607') });
    const { output } = await feed(enc, [Buffer.alloc(70, 'a'), Buffer.alloc(130, 'a')]);
    t.equal(output.subarray(8, 24).toString('hex'), first16, name);
  }
});

t.test('round-trips every runnable method through the family, with random IVs', async (t) => {
  for (const spec of STREAM_METHODS.filter((s) => methodUnavailable(s) === undefined)) {
    const family = cipherFamilyOf(spec);
    t.equal(family.kind, 'stream');
    t.match(family.startWarning, /no integrity.*active probing.*AEAD/);
    const key = spec.keyLength === 0 ? Buffer.from('pw') : evpBytesToKey('pw', spec.keyLength);
    const context = createCipherContext();
    const enc = family.createEncrypt({ side: 'client', key, context });
    const dec = family.createDecrypt({ side: 'server', keys: singleKeyRing(key), context });
    const plain = Buffer.from('hello, legacy world '.repeat(20));
    const { output } = await feed(enc, [plain.subarray(0, 3), plain.subarray(3)]);
    const back = await feed(dec, [output]);
    t.same(back.output, plain, spec.name);
    t.equal(dec.authenticated, true);
    t.equal(context.user?.key, key);
    const codec = family.createUdpClient(key);
    const server = family.createUdpServer({ keys: singleKeyRing(key) });
    const opened = server.open(codec.seal(plain), '127.0.0.1');
    t.same(opened.plaintext, plain);
    t.same(codec.open(opened.sealReply(Buffer.from('pong'))), Buffer.from('pong'));
  }
});

t.test('refuses a replayed IV and a reflection of our own IV, on TCP and UDP', async (t) => {
  const spec = getMethod('aes-256-cfb')!;
  const key = evpBytesToKey('pw', 32);
  const filter = new ReplayFilter(100);
  const wire = sealStreamPacket(spec, key, Buffer.from('017f0000010050', 'hex'));
  const first = await feed(new StreamDecryptTransform({ spec, user: user(key), replayFilter: filter }), [wire]);
  t.error(first.error);
  const again = await feed(new StreamDecryptTransform({ spec, user: user(key), replayFilter: filter }), [wire]);
  t.equal((again.error as { code?: string } | undefined)?.code, 'ERR_SS_REPLAY');
  const ours = new StreamEncryptTransform({ spec, key, replayFilter: filter });
  const reflected = await feed(new StreamDecryptTransform({ spec, user: user(key), replayFilter: filter }), [Buffer.concat([ours.iv, Buffer.alloc(10)])]);
  t.equal((reflected.error as { code?: string } | undefined)?.code, 'ERR_SS_REPLAY');
  const udp = cipherFamilyOf(spec).createUdpServer({ keys: singleKeyRing(key), replayFilter: new ReplayFilter(100) });
  const packet = sealStreamPacket(spec, key, Buffer.from('017f00000100350000', 'hex'));
  udp.open(packet, '127.0.0.1');
  t.throws(() => udp.open(packet, '127.0.0.1'), { code: 'ERR_SS_REPLAY' });
});

t.test('a stream that ends inside the IV is truncated; a datagram without a whole IV is too short', async (t) => {
  const spec: CipherSpec = getMethod('chacha20-ietf')!;
  const { error } = await feed(new StreamDecryptTransform({ spec, user: user(Buffer.alloc(32)) }), [Buffer.alloc(5)]);
  t.equal((error as { code?: string } | undefined)?.code, 'ERR_SS_TRUNCATED');
  t.throws(() => openStreamPacket(spec, Buffer.alloc(32), Buffer.alloc(12)), { code: 'ERR_SS_PACKET_TOO_SHORT' });
});
