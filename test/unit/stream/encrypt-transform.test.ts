import { randomBytes } from 'node:crypto';
import t from 'tap';
import { MAX_PAYLOAD } from '../../../lib/constants.js';
import { AeadSession } from '../../../lib/crypto/aead-session.js';
import { deriveSubkey, evpBytesToKey } from '../../../lib/crypto/kdf.js';
import { getMethod, METHODS, type CipherSpec } from '../../../lib/crypto/methods.js';
import { ReplayFilter } from '../../../lib/crypto/replay-filter.js';
import { EncryptTransform } from '../../../lib/stream/encrypt-transform.js';
import { feed } from '../../fixtures/streams.js';
import { hex, specOf, tcpVectors, tcpWire } from '../../fixtures/vectors.js';

/** Opens a whole stream frame by frame with AeadSession; returns each payload. */
function frames(spec: CipherSpec, masterKey: Buffer, wire: Buffer): Buffer[] {
  const session = new AeadSession(spec, deriveSubkey(masterKey, wire.subarray(0, spec.saltLength)));
  const out: Buffer[] = [];
  for (let at = spec.saltLength; at < wire.length; ) {
    const len = session.open(wire.subarray(at, at + 2), wire.subarray(at + 2, at + 18));
    if (len === null) throw new Error(`length chunk at ${at} does not open`);
    const n = len.readUInt16BE(0);
    const payload = session.open(wire.subarray(at + 18, at + 18 + n), wire.subarray(at + 18 + n, at + 34 + n));
    if (payload === null) throw new Error(`payload chunk at ${at} does not open`);
    out.push(payload);
    at += 34 + n;
  }
  return out;
}

const aes = getMethod('aes-256-gcm')!;
const aesKey = evpBytesToKey('foobar', aes.keyLength);

t.test('produces the vectors from a fixed salt, one write per chunk', async (t) => {
  for (const v of tcpVectors()) {
    const enc = new EncryptTransform({ spec: specOf(v), masterKey: hex(v.masterKey), salt: hex(v.salt) });
    const { output, error } = await feed(enc, v.chunks.map((c) => hex(c.plaintext)));
    t.error(error);
    t.equal(output.toString('hex'), tcpWire(v).toString('hex'), v.name);
  }
});

t.test('puts the salt in front of the first output only', async (t) => {
  const enc = new EncryptTransform({ spec: aes, masterKey: aesKey });
  const { chunks } = await feed(enc, [Buffer.from('a'), Buffer.from('b')]);
  t.equal(chunks.length, 2);
  t.same(chunks[0]!.subarray(0, aes.saltLength), enc.salt);
  t.equal(chunks[0]!.length, aes.saltLength + 2 + 16 + 1 + 16);
  t.equal(chunks[1]!.length, 2 + 16 + 1 + 16, 'no salt on the second');
});

t.test('draws a fresh random salt of the right length per stream', async (t) => {
  for (const spec of [...METHODS.values()].filter((s) => s.kind !== 'stream')) {
    const key = evpBytesToKey('foobar', spec.keyLength);
    const a = new EncryptTransform({ spec, masterKey: key });
    const b = new EncryptTransform({ spec, masterKey: key });
    t.equal(a.salt.length, spec.saltLength, spec.name);
    t.notSame(a.salt, b.salt, spec.name);
  }
});

t.test('refuses a fixed salt of the wrong length', async (t) => {
  t.throws(() => new EncryptTransform({ spec: aes, masterKey: aesKey, salt: Buffer.alloc(16) }), TypeError);
});

t.test('splits a write larger than 0x3FFF into chunks of at most 0x3FFF', async (t) => {
  const input = randomBytes(2 * MAX_PAYLOAD + 100);
  const { output } = await feed(new EncryptTransform({ spec: aes, masterKey: aesKey }), [input]);
  const payloads = frames(aes, aesKey, output);
  t.same(payloads.map((p) => p.length), [MAX_PAYLOAD, MAX_PAYLOAD, 100]);
  t.ok(Buffer.concat(payloads).equals(input), 'same bytes');
});

t.test('a 0x3FFF-byte write is one frame and a 16384-byte write is two', async (t) => {
  for (const [size, expected] of [[MAX_PAYLOAD, [MAX_PAYLOAD]], [16384, [MAX_PAYLOAD, 1]]] as const) {
    const { output } = await feed(new EncryptTransform({ spec: aes, masterKey: aesKey }), [randomBytes(size)]);
    t.same(frames(aes, aesKey, output).map((p) => p.length), expected, `${size} bytes`);
    t.equal(output.length, aes.saltLength + size + expected.length * 34, `${size} bytes: wire size`);
  }
});

t.test('a zero-length write produces nothing, not even the salt', async (t) => {
  const { output, error } = await feed(new EncryptTransform({ spec: aes, masterKey: aesKey }), [Buffer.alloc(0)]);
  t.error(error);
  t.equal(output.length, 0);
  const enc = new EncryptTransform({ spec: aes, masterKey: aesKey });
  const mixed = await feed(enc, [Buffer.alloc(0), Buffer.from('x'), Buffer.alloc(0)]);
  t.same(frames(aes, aesKey, mixed.output).map(String), ['x'], 'no empty chunk is ever sent');
});

t.test('records its own salt in the given replay filter', async (t) => {
  const filter = new ReplayFilter(8);
  const enc = new EncryptTransform({ spec: aes, masterKey: aesKey, replayFilter: filter });
  t.ok(filter.has(enc.salt));
  t.equal(filter.size, 1);
});

t.test('every method round-trips through an independent frame parser', async (t) => {
  for (const spec of [...METHODS.values()].filter((s) => s.kind !== 'stream')) {
    const key = randomBytes(spec.keyLength);
    const writes = [1, 500, MAX_PAYLOAD, MAX_PAYLOAD + 1].map((n) => randomBytes(n));
    const { output } = await feed(new EncryptTransform({ spec, masterKey: key }), writes);
    t.ok(Buffer.concat(frames(spec, key, output)).equals(Buffer.concat(writes)), spec.name);
  }
});
