import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import t from 'tap';
import { MAX_PAYLOAD } from '../../../lib/constants.js';
import { AeadSession } from '../../../lib/crypto/aead-session.js';
import { deriveSubkey, evpBytesToKey } from '../../../lib/crypto/kdf.js';
import { getMethod, METHODS, type CipherSpec } from '../../../lib/crypto/methods.js';
import { ReplayFilter } from '../../../lib/crypto/replay-filter.js';
import { isSsError, type SsErrorCode } from '../../../lib/errors.js';
import { DecryptTransform } from '../../../lib/stream/decrypt-transform.js';
import { EncryptTransform } from '../../../lib/stream/encrypt-transform.js';
import { bytewise, feed, randomPieces, settled, splitAt, watch } from '../../fixtures/streams.js';
import { hex, specOf, tcpPlain, tcpVectors, tcpWire, type TcpVector } from '../../fixtures/vectors.js';

const decryptorFor = (v: TcpVector, replayFilter?: ReplayFilter): DecryptTransform =>
  new DecryptTransform({ spec: specOf(v), masterKey: hex(v.masterKey), replayFilter });

/** Encrypts `writes` with EncryptTransform and returns the wire bytes. */
async function encrypt(spec: CipherSpec, masterKey: Buffer, writes: Buffer[], salt?: Buffer): Promise<Buffer> {
  return (await feed(new EncryptTransform({ spec, masterKey, salt }), writes)).output;
}

/** A salt and one sealed length chunk carrying `value`, built with AeadSession directly. */
function saltAndLength(spec: CipherSpec, masterKey: Buffer, value: number): Buffer {
  const salt = randomBytes(spec.saltLength);
  const session = new AeadSession(spec, deriveSubkey(masterKey, salt));
  const len = Buffer.alloc(2);
  len.writeUInt16BE(value);
  return Buffer.concat([salt, ...session.seal(len)]);
}

const hasCode = (err: unknown, code: SsErrorCode): boolean => isSsError(err, code);

const aes = getMethod('aes-128-gcm')!;
const aesKey = evpBytesToKey('foobar', aes.keyLength);

t.test('decrypts each vector fed whole', async (t) => {
  for (const v of tcpVectors()) {
    const { output, error } = await feed(decryptorFor(v), [tcpWire(v)]);
    t.error(error, v.name);
    t.equal(output.toString('hex'), tcpPlain(v).toString('hex'), v.name);
  }
});

t.test('decrypts each vector split in two at every point', async (t) => {
  for (const v of tcpVectors()) {
    const wire = tcpWire(v);
    const wrong: number[] = [];
    for (let at = 0; at <= wire.length; at++) {
      const { output, error } = await feed(decryptorFor(v), splitAt(wire, at));
      if (error || !output.equals(tcpPlain(v))) wrong.push(at);
    }
    t.same(wrong, [], `${v.name}: ${wire.length + 1} split points`);
  }
});

t.test('decrypts each vector fed one byte at a time', async (t) => {
  for (const v of tcpVectors()) {
    const { output, error } = await feed(decryptorFor(v), bytewise(tcpWire(v)));
    t.error(error, v.name);
    t.equal(output.toString('hex'), tcpPlain(v).toString('hex'), v.name);
  }
});

t.test('pushes a chunk only once its whole frame has arrived', async (t) => {
  const v = tcpVectors().find((x) => x.chunks.length === 2)!;
  const wire = tcpWire(v);
  const firstEnd = v.salt.length / 2 + (v.chunks[0]!.lengthChunk.length + v.chunks[0]!.payloadChunk.length) / 2;
  for (let at = 0; at < wire.length; at++) {
    const dec = decryptorFor(v);
    const seen = watch(dec);
    dec.write(wire.subarray(0, at));
    await settled();
    const expected = at >= firstEnd ? hex(v.chunks[0]!.plaintext) : Buffer.alloc(0);
    if (!seen.output.equals(expected) || seen.error) t.fail(`after ${at} bytes: ${seen.output.toString('hex')}`);
    dec.destroy();
  }
  t.pass('checked every prefix');
});

t.test('round-trips multi-chunk streams from EncryptTransform for every method', async (t) => {
  const sizes = [1, MAX_PAYLOAD, MAX_PAYLOAD + 1, 100_000, 1 + Math.floor(Math.random() * 50_000)];
  for (const spec of [...METHODS.values()].filter((s) => s.kind !== 'stream')) {
    const key = randomBytes(spec.keyLength);
    const writes = sizes.map((n) => randomBytes(n));
    const wire = await encrypt(spec, key, writes);
    for (const [how, pieces] of [['whole', [wire]], ['random pieces', randomPieces(wire, 5000)]] as const) {
      const { output, error } = await feed(new DecryptTransform({ spec, masterKey: key }), pieces);
      t.error(error, `${spec.name}, ${how}`);
      t.ok(output.equals(Buffer.concat(writes)), `${spec.name}, ${how}: same bytes`);
    }
  }
});

t.test('round-trips through pipeline() with a small random payload per write', async (t) => {
  for (const spec of [...METHODS.values()].filter((s) => s.kind !== 'stream')) {
    const key = randomBytes(spec.keyLength);
    const writes = Array.from({ length: 20 }, () => randomBytes(1 + Math.floor(Math.random() * 3000)));
    const got: Buffer[] = [];
    await pipeline(
      Readable.from(writes),
      new EncryptTransform({ spec, masterKey: key }),
      new DecryptTransform({ spec, masterKey: key }),
      new Writable({ write(c: Buffer, _e, cb) { got.push(c); cb(); } }),
    );
    t.ok(Buffer.concat(got).equals(Buffer.concat(writes)), spec.name);
  }
});

t.test('emits ERR_SS_DECRYPT through the error event if a tag or ciphertext byte is flipped', async (t) => {
  const v = tcpVectors().find((x) => x.chunks.length === 2)!;
  const wire = tcpWire(v);
  const saltLength = v.salt.length / 2;
  const secondStart = saltLength + 18 + hex(v.chunks[0]!.plaintext).length + 16;
  const cases: Array<[string, number, string]> = [
    ['first length ciphertext', saltLength, ''],
    ['first length tag', saltLength + 2 + 15, ''],
    ['first payload tag', secondStart - 1, ''],
    ['second length tag', secondStart + 17, v.chunks[0]!.plaintext],
    ['second payload ciphertext', secondStart + 18, v.chunks[0]!.plaintext],
    ['last byte', wire.length - 1, v.chunks[0]!.plaintext],
  ];
  for (const [what, i, expected] of cases) {
    const bad = Buffer.from(wire);
    bad[i]! ^= 0x80;
    const { output, error } = await feed(decryptorFor(v), [bad]);
    t.ok(hasCode(error, 'ERR_SS_DECRYPT'), `${what}: ${error?.message}`);
    t.equal(output.toString('hex'), expected, `${what}: only the chunks before it come out`);
  }
});

t.test('the error rejects pipeline() instead of being thrown', async (t) => {
  const wire = await encrypt(aes, aesKey, [Buffer.from('hello')]);
  wire[wire.length - 1]! ^= 1;
  const dec = new DecryptTransform({ spec: aes, masterKey: aesKey });
  await t.rejects(pipeline(Readable.from([wire]), dec, new Writable({ write(_c, _e, cb) { cb(); } })), { code: 'ERR_SS_DECRYPT' });
});

t.test('a wrong key fails with ERR_SS_DECRYPT', async (t) => {
  const wire = await encrypt(aes, aesKey, [Buffer.from('hello')]);
  const { output, error } = await feed(new DecryptTransform({ spec: aes, masterKey: evpBytesToKey('barfoo', 16) }), [wire]);
  t.ok(hasCode(error, 'ERR_SS_DECRYPT'));
  t.equal(output.length, 0);
});

t.test('fails with ERR_SS_CHUNK_TOO_LARGE as soon as the length chunk opens, before the payload arrives', async (t) => {
  for (const spec of [...METHODS.values()].filter((s) => s.kind !== 'stream')) {
    const key = randomBytes(spec.keyLength);
    for (const value of [MAX_PAYLOAD + 1, 0x8000, 0xc000, 0xffff]) {
      const dec = new DecryptTransform({ spec, masterKey: key });
      const seen = watch(dec);
      dec.write(saltAndLength(spec, key, value)); // no payload, no end()
      await settled();
      t.ok(hasCode(seen.error, 'ERR_SS_CHUNK_TOO_LARGE'), `${spec.name}, 0x${value.toString(16)}: ${seen.error?.message}`);
      t.equal(seen.output.length, 0);
    }
  }
});

t.test('fails with ERR_SS_CHUNK_EMPTY for a length of zero', async (t) => {
  for (const spec of [...METHODS.values()].filter((s) => s.kind !== 'stream')) {
    const key = randomBytes(spec.keyLength);
    const dec = new DecryptTransform({ spec, masterKey: key });
    const seen = watch(dec);
    dec.write(saltAndLength(spec, key, 0));
    await settled();
    t.ok(hasCode(seen.error, 'ERR_SS_CHUNK_EMPTY'), spec.name);
  }
});

t.test('accepts the largest legal length, 0x3FFF', async (t) => {
  const wire = await encrypt(aes, aesKey, [Buffer.alloc(MAX_PAYLOAD, 7)]);
  const { output, error } = await feed(new DecryptTransform({ spec: aes, masterKey: aesKey }), [wire]);
  t.error(error);
  t.equal(output.length, MAX_PAYLOAD);
});

t.test('fails with ERR_SS_TRUNCATED if the stream ends inside the salt, a length or a payload', async (t) => {
  const v = tcpVectors().find((x) => x.chunks.length === 2)!;
  const wire = tcpWire(v);
  const saltLength = v.salt.length / 2;
  const secondStart = saltLength + 18 + hex(v.chunks[0]!.plaintext).length + 16;
  const boundaries = new Set([0, saltLength, secondStart, wire.length]);
  const wrong: number[] = [];
  for (let at = 1; at < wire.length; at++) {
    if (boundaries.has(at)) continue;
    const { error } = await feed(decryptorFor(v), [wire.subarray(0, at)]);
    if (!hasCode(error, 'ERR_SS_TRUNCATED')) wrong.push(at);
  }
  t.same(wrong, [], 'every cut inside a salt or frame');
  for (const at of [1, saltLength - 1, saltLength + 1, saltLength + 17, saltLength + 18, secondStart - 1]) {
    const { error } = await feed(decryptorFor(v), bytewise(wire.subarray(0, at)));
    t.ok(hasCode(error, 'ERR_SS_TRUNCATED'), `cut at ${at}, fed byte by byte`);
  }
});

t.test('ends cleanly on a frame boundary and with no bytes at all', async (t) => {
  const v = tcpVectors().find((x) => x.chunks.length === 2)!;
  const wire = tcpWire(v);
  const secondStart = v.salt.length / 2 + 18 + hex(v.chunks[0]!.plaintext).length + 16;
  const empty = await feed(decryptorFor(v), []);
  t.error(empty.error, 'no bytes');
  t.equal(empty.output.length, 0);
  const first = await feed(decryptorFor(v), [wire.subarray(0, secondStart)]);
  t.error(first.error, 'after the first chunk');
  t.equal(first.output.toString('hex'), v.chunks[0]!.plaintext);
  const all = await feed(decryptorFor(v), [wire]);
  t.error(all.error, 'after the last chunk');
});

t.test('a replayed salt fails with ERR_SS_REPLAY on the second stream sharing the filter', async (t) => {
  for (const v of tcpVectors()) {
    const filter = new ReplayFilter(16);
    const first = await feed(decryptorFor(v, filter), [tcpWire(v)]);
    t.error(first.error, `${v.name}: first stream`);
    t.ok(filter.has(hex(v.salt)), `${v.name}: salt recorded`);
    const second = await feed(decryptorFor(v, filter), [tcpWire(v)]);
    t.ok(hasCode(second.error, 'ERR_SS_REPLAY'), `${v.name}: second stream`);
    t.equal(second.output.length, 0, `${v.name}: nothing pushed from the replay`);
  }
});

t.test('our own salt reflected back is a replay', async (t) => {
  const filter = new ReplayFilter(16);
  const wire = await (async () => {
    const enc = new EncryptTransform({ spec: aes, masterKey: aesKey, replayFilter: filter });
    return (await feed(enc, [Buffer.from('HTTP/1.1 200 OK')])).output;
  })();
  const { output, error } = await feed(new DecryptTransform({ spec: aes, masterKey: aesKey, replayFilter: filter }), [wire]);
  t.ok(hasCode(error, 'ERR_SS_REPLAY'));
  t.equal(output.length, 0);
});

t.test('a salt whose first chunk fails to authenticate is not added to the filter', async (t) => {
  const filter = new ReplayFilter(16);
  const salt = randomBytes(aes.saltLength);
  const good = await encrypt(aes, aesKey, [Buffer.from('hello')], salt);
  const bad = Buffer.from(good);
  bad[aes.saltLength + 5]! ^= 1;
  const probe = await feed(new DecryptTransform({ spec: aes, masterKey: aesKey, replayFilter: filter }), [bad]);
  t.ok(hasCode(probe.error, 'ERR_SS_DECRYPT'));
  t.notOk(filter.has(salt), 'not recorded');
  t.equal(filter.size, 0);
  const real = await feed(new DecryptTransform({ spec: aes, masterKey: aesKey, replayFilter: filter }), [good]);
  t.error(real.error, 'the genuine stream with that salt still gets through');
  t.equal(real.output.toString(), 'hello');
});

t.test('authenticated turns true only after the first chunk opens', async (t) => {
  const wire = await encrypt(aes, aesKey, [Buffer.from('hello')]);
  const dec = new DecryptTransform({ spec: aes, masterKey: aesKey });
  watch(dec);
  dec.write(wire.subarray(0, aes.saltLength + 17));
  await settled();
  t.equal(dec.authenticated, false);
  dec.write(wire.subarray(aes.saltLength + 17));
  await settled();
  t.equal(dec.authenticated, true);
});

t.test('garbage never pushes plaintext', async (t) => {
  for (const spec of [...METHODS.values()].filter((s) => s.kind !== 'stream')) {
    const key = randomBytes(spec.keyLength);
    const wrong: string[] = [];
    for (let n = 0; n <= 221; n += 1) {
      const { output, error } = await feed(new DecryptTransform({ spec, masterKey: key }), [randomBytes(n)]);
      const expected = n === 0 || n === spec.saltLength ? error === undefined : hasCode(error, n < spec.saltLength + 18 ? 'ERR_SS_TRUNCATED' : 'ERR_SS_DECRYPT');
      if (output.length > 0 || !expected) wrong.push(`${n}: ${output.length} bytes, ${error?.message}`);
    }
    t.same(wrong, [], `${spec.name}: random probes of 0..221 bytes`);
  }
});

t.test('garbage after a good chunk fails and pushes only the good chunk', async (t) => {
  const good = await encrypt(aes, aesKey, [Buffer.from('hello')]);
  const dec = new DecryptTransform({ spec: aes, masterKey: aesKey });
  const { output, error } = await feed(dec, [good, randomBytes(100), randomBytes(100)]);
  t.ok(hasCode(error, 'ERR_SS_DECRYPT'));
  t.equal(output.toString(), 'hello');
  t.doesNotThrow(() => dec.write(randomBytes(10)), 'writing after the failure does not throw');
});
