import t from 'tap';
import { AeadSession } from '../../../lib/crypto/aead-session.js';
import { sessionSubkey } from '../../../lib/crypto/kdf-2022.js';
import { singleKeyRing } from '../../../lib/crypto/key-ring.js';
import { getMethod } from '../../../lib/crypto/methods.js';
import { encodeAddress } from '../../../lib/protocol/address.js';
import { Aead2022DecryptTransform } from '../../../lib/stream/aead-2022-decrypt-transform.js';
import { Aead2022EncryptTransform } from '../../../lib/stream/aead-2022-encrypt-transform.js';
import { createCipherContext } from '../../../lib/stream/cipher-context.js';
import { feed } from '../../fixtures/streams.js';
import { hex, sip022Vectors } from '../../fixtures/vectors.js';

const v = sip022Vectors();
const spec = getMethod(v.tcpRequest.method)!;
const psk = hex(v.psk16);
const now = (): number => v.timestamp * 1000;
const target = encodeAddress(v.tcpRequest.target.host, v.tcpRequest.target.port);

t.test('writes the section 9 request: salt, fixed header, variable header with the payload, in one buffer', async (t) => {
  const context = createCipherContext();
  const e = new Aead2022EncryptTransform({ spec, side: 'client', key: psk, context, salt: hex(v.tcpRequest.salt), now });
  t.same(context.ownSalt, hex(v.tcpRequest.salt), 'our salt is in the context for the response check');
  const r = await feed(e, [Buffer.concat([target, hex(v.tcpRequest.payload)])]);
  t.equal(r.chunks.length, 1, 'one write');
  t.equal(r.output.toString('hex'), v.tcpRequest.salt + v.tcpRequest.fixedHeaderChunk + v.tcpRequest.variableHeaderChunk);
});

t.test('writes the section 9 response: salt, header bound to the request salt, first payload, in one buffer', async (t) => {
  const context = createCipherContext();
  context.peerSalt = hex(v.tcpResponse.requestSalt);
  const e = new Aead2022EncryptTransform({ spec, side: 'server', key: psk, context, salt: hex(v.tcpResponse.salt), now });
  const r = await feed(e, [hex(v.tcpResponse.payload)]);
  t.equal(r.chunks.length, 1);
  t.equal(r.output.toString('hex'), v.tcpResponse.salt + v.tcpResponse.headerChunk + v.tcpResponse.payloadChunk);
});

// Opens the variable header of a request by hand: what padding did it carry?
function paddingOf(wire: Buffer): { padding: number; rest: Buffer } {
  const session = new AeadSession(spec, sessionSubkey(psk, wire.subarray(0, 16)));
  const fixed = session.open(wire.subarray(16, 27), wire.subarray(27, 43))!;
  const vlen = fixed.readUInt16BE(9);
  const plain = session.open(wire.subarray(43, 43 + vlen), wire.subarray(43 + vlen, 59 + vlen))!;
  const padding = plain.readUInt16BE(target.length);
  return { padding, rest: plain.subarray(target.length + 2 + padding) };
}

t.test('a request without payload carries 1 to 900 bytes of random padding; one with payload none', async (t) => {
  const seen = new Set<number>();
  for (let i = 0; i < 40; i++) {
    const r = await feed(new Aead2022EncryptTransform({ spec, side: 'client', key: psk, context: createCipherContext() }), [target]);
    const { padding, rest } = paddingOf(r.output);
    t.ok(padding >= 1 && padding <= 900, `padding ${padding}`);
    t.equal(rest.length, 0);
    seen.add(padding);
  }
  t.ok(seen.size > 1, 'the length varies');
  const r = await feed(new Aead2022EncryptTransform({ spec, side: 'client', key: psk, context: createCipherContext() }), [Buffer.concat([target, Buffer.from('x')])]);
  t.same(paddingOf(r.output), { padding: 0, rest: Buffer.from('x') });
});

t.test('ours to ours: large writes cross in chunks of up to 0xFFFF bytes, both ways', async (t) => {
  const clientContext = createCipherContext();
  const serverContext = createCipherContext();
  const up = Buffer.alloc(200_000);
  for (let i = 0; i < up.length; i++) up[i] = i * 7;
  const request = await feed(new Aead2022EncryptTransform({ spec, side: 'client', key: psk, context: clientContext }), [Buffer.concat([target, up]), Buffer.from('more')]);
  const opened = await feed(new Aead2022DecryptTransform({ spec, side: 'server', keys: singleKeyRing(psk), context: serverContext }), [request.output]);
  t.equal(opened.error, undefined);
  t.same(opened.output, Buffer.concat([target, up, Buffer.from('more')]));
  const down = up.subarray(0, 150_000);
  const response = await feed(new Aead2022EncryptTransform({ spec, side: 'server', key: psk, context: serverContext }), [down]);
  const back = await feed(new Aead2022DecryptTransform({ spec, side: 'client', keys: singleKeyRing(psk), context: clientContext }), [response.output]);
  t.equal(back.error, undefined);
  t.same(back.output, down);
});

t.test('a client whose first write is not an address header fails', async (t) => {
  const r = await feed(new Aead2022EncryptTransform({ spec, side: 'client', key: psk, context: createCipherContext() }), [Buffer.from([1, 2])]);
  t.ok(r.error);
});

t.test('empty writes produce nothing, and a server with nothing to say writes no header', async (t) => {
  const context = createCipherContext();
  context.peerSalt = Buffer.alloc(16);
  const r = await feed(new Aead2022EncryptTransform({ spec, side: 'server', key: psk, context }), [Buffer.alloc(0)]);
  t.equal(r.output.length, 0);
});
