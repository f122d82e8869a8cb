import t from 'tap';
import { AeadSession } from '../../../lib/crypto/aead-session.js';
import { sessionSubkey } from '../../../lib/crypto/kdf-2022.js';
import { singleKeyRing } from '../../../lib/crypto/key-ring.js';
import { getMethod } from '../../../lib/crypto/methods.js';
import { SaltPool } from '../../../lib/crypto/salt-pool.js';
import { encodeAddress } from '../../../lib/protocol/address.js';
import { encodeFixedHeader, encodeResponseHeader } from '../../../lib/protocol/header-2022.js';
import { Aead2022DecryptTransform } from '../../../lib/stream/aead-2022-decrypt-transform.js';
import { createCipherContext, type CipherContext } from '../../../lib/stream/cipher-context.js';
import { bytewise, feed, splitAt } from '../../fixtures/streams.js';
import { hex, sip022Vectors } from '../../fixtures/vectors.js';

const v = sip022Vectors();
const spec = getMethod(v.tcpRequest.method)!;
const psk = hex(v.psk16);
const nowMs = v.timestamp * 1000;
const request = Buffer.concat([hex(v.tcpRequest.salt), hex(v.tcpRequest.fixedHeaderChunk), hex(v.tcpRequest.variableHeaderChunk)]);
const requestPlain = Buffer.concat([encodeAddress(v.tcpRequest.target.host, v.tcpRequest.target.port), hex(v.tcpRequest.payload)]);
const response = Buffer.concat([hex(v.tcpResponse.salt), hex(v.tcpResponse.headerChunk), hex(v.tcpResponse.payloadChunk)]);

function server(o: { now?: number; replayFilter?: SaltPool; context?: CipherContext; key?: Buffer } = {}): Aead2022DecryptTransform {
  return new Aead2022DecryptTransform({ spec, side: 'server', keys: singleKeyRing(o.key ?? psk), context: o.context ?? createCipherContext(), now: () => o.now ?? nowMs, replayFilter: o.replayFilter });
}

function client(ownSalt: Buffer, now = nowMs): Aead2022DecryptTransform {
  const context = createCipherContext();
  context.ownSalt = ownSalt;
  return new Aead2022DecryptTransform({ spec, side: 'client', keys: singleKeyRing(psk), context, now: () => now });
}

/** A request stream sealed by hand: salt, then each plaintext as one chunk. */
function sealed(salt: Buffer, ...plains: Buffer[]): Buffer {
  const session = new AeadSession(spec, sessionSubkey(psk, salt));
  return Buffer.concat([salt, ...plains.flatMap((p) => session.seal(p))]);
}
const saltN = (n: number): Buffer => Buffer.alloc(16, n);
const variable = (address: Buffer, paddingLength: number, payload: Buffer, declaredPadding = paddingLength): Buffer => {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(declaredPadding);
  return Buffer.concat([address, len, Buffer.alloc(paddingLength, 0xaa), payload]);
};
const target = encodeAddress('127.0.0.1', 80);
const requestOf = (salt: Buffer, varPlain: Buffer, vlen = varPlain.length, ts = nowMs): Buffer => sealed(salt, encodeFixedHeader(vlen, ts), varPlain);

t.test('opens the section 9 request: address header and initial payload, as one AEAD stream would carry them', async (t) => {
  const context = createCipherContext();
  const d = server({ context });
  const r = await feed(d, [request]);
  t.equal(r.error, undefined);
  t.same(r.output, requestPlain);
  t.equal(d.authenticated, true);
  t.same(context.peerSalt, hex(v.tcpRequest.salt));
  t.equal(context.user?.name, 'default');
});

t.test('opens the section 9 request split at every point and byte by byte', async (t) => {
  for (let at = 0; at <= request.length; at++) {
    const r = await feed(server(), splitAt(request, at));
    if (r.error || !r.output.equals(requestPlain)) t.fail(`split at ${at}: ${r.error?.message ?? r.output.toString('hex')}`);
  }
  const r = await feed(server(), bytewise(request));
  t.same(r.output, requestPlain, 'byte by byte');
});

t.test('opens the section 9 response, bound to our request salt, at every split point', async (t) => {
  for (let at = 0; at <= response.length; at++) {
    const r = await feed(client(hex(v.tcpResponse.requestSalt)), splitAt(response, at));
    if (r.error || r.output.toString() !== 'ok') t.fail(`split at ${at}: ${r.error?.message}`);
  }
  t.equal((await feed(client(hex(v.tcpResponse.requestSalt)), bytewise(response))).output.toString(), 'ok');
});

t.test('a response echoing another request salt is refused', async (t) => {
  const r = await feed(client(saltN(9)), [response]);
  t.equal((r.error as { code?: string })?.code, 'ERR_SS_BAD_HEADER');
  t.equal(r.output.length, 0);
});

t.test('a timestamp more than 30 s from our clock is refused, at exactly 30 s accepted, both ways', async (t) => {
  for (const [offsetS, ok] of [[30, true], [-30, true], [31, false], [-31, false], [3600, false]] as const) {
    const r = await feed(server({ now: nowMs + offsetS * 1000 }), [request]);
    t.equal((r.error as { code?: string } | undefined)?.code, ok ? undefined : 'ERR_SS_BAD_TIMESTAMP', `request, clock ${offsetS} s ahead`);
    const c = await feed(client(hex(v.tcpResponse.requestSalt), nowMs + offsetS * 1000), [response]);
    t.equal((c.error as { code?: string } | undefined)?.code, ok ? undefined : 'ERR_SS_BAD_TIMESTAMP', `response, clock ${offsetS} s ahead`);
  }
});

t.test('a stale request does not enter the salt pool', async (t) => {
  const pool = new SaltPool(() => nowMs);
  t.equal((await feed(server({ now: nowMs + 31_000, replayFilter: pool }), [request])).error?.message.includes('from our clock'), true);
  t.equal(pool.size, 0);
  t.equal((await feed(server({ replayFilter: pool }), [request])).error, undefined, 'the fresh one is still accepted');
});

t.test('a replayed salt is refused after the first stream authenticated', async (t) => {
  const pool = new SaltPool(() => nowMs);
  t.equal((await feed(server({ replayFilter: pool }), [request])).error, undefined);
  const r = await feed(server({ replayFilter: pool }), [request]);
  t.equal((r.error as { code?: string })?.code, 'ERR_SS_REPLAY');
  t.equal(r.output.length, 0, 'nothing of the replay is passed on');
});

t.test('a wrong key fails to authenticate and records nothing', async (t) => {
  const pool = new SaltPool(() => nowMs);
  const r = await feed(server({ key: Buffer.alloc(16, 1), replayFilter: pool }), [request]);
  t.equal((r.error as { code?: string })?.code, 'ERR_SS_DECRYPT');
  t.equal(pool.size, 0);
});

t.test('a tampered byte anywhere in the first flight fails the stream', async (t) => {
  for (let i = 0; i < request.length; i++) {
    const bad = Buffer.from(request);
    bad[i]! ^= 0x01;
    const r = await feed(server(), [bad]);
    if (r.error === undefined || r.output.length > 0) t.fail(`byte ${i}`);
  }
});

t.test('padding rules: no payload needs padding; padding is at most 900 and stays in its chunk', async (t) => {
  const cases: [string, Buffer, string | undefined, Buffer?][] = [
    ['padding and no payload', variable(target, 1, Buffer.alloc(0)), undefined, target],
    ['900 bytes of padding', variable(target, 900, Buffer.from('x')), undefined, Buffer.concat([target, Buffer.from('x')])],
    ['no padding and no payload', variable(target, 0, Buffer.alloc(0)), 'ERR_SS_BAD_HEADER'],
    ['901 bytes of padding', variable(target, 901, Buffer.alloc(0)), 'ERR_SS_BAD_HEADER'],
    ['padding past the chunk', variable(target, 3, Buffer.alloc(0), 4), 'ERR_SS_BAD_HEADER'],
    ['an address past the chunk', target.subarray(0, 5), 'ERR_SS_BAD_HEADER'],
    ['no padding length', target, 'ERR_SS_BAD_HEADER'],
    ['a bad address type', variable(Buffer.from([9, 1, 2, 3, 4, 0, 80]), 1, Buffer.alloc(0)), 'ERR_SS_BAD_ADDRESS_TYPE'],
  ];
  for (const [what, plain, code, out] of cases) {
    const r = await feed(server(), [requestOf(saltN(1), plain)]);
    t.equal((r.error as { code?: string } | undefined)?.code, code, what);
    if (out) t.same(r.output, out, `${what}: padding is dropped`);
    else t.equal(r.output.length, 0, `${what}: nothing passed on`);
  }
});

t.test('header type and length rules', async (t) => {
  const fixed = encodeFixedHeader(10, nowMs);
  fixed[0] = 1;
  t.equal(((await feed(server(), [sealed(saltN(2), fixed, variable(target, 1, Buffer.alloc(0)))])).error as { code?: string })?.code, 'ERR_SS_BAD_HEADER', 'a response type in a request');
  t.equal(((await feed(server(), [requestOf(saltN(3), Buffer.alloc(0), 0)])).error as { code?: string })?.code, 'ERR_SS_BAD_HEADER', 'vlen 0');
  const wrongType = encodeResponseHeader(hex(v.tcpResponse.requestSalt), 2, nowMs);
  wrongType[0] = 0;
  const session = new AeadSession(spec, sessionSubkey(psk, saltN(4)));
  const r = await feed(client(hex(v.tcpResponse.requestSalt)), [Buffer.concat([saltN(4), ...session.seal(wrongType), ...session.seal(Buffer.from('ok'))])]);
  t.equal((r.error as { code?: string })?.code, 'ERR_SS_BAD_HEADER', 'a request type in a response');
});

t.test('chunks carry up to 0xFFFF bytes; a zero length is refused', async (t) => {
  const big = Buffer.alloc(0xffff, 7);
  const len = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
  const ok = await feed(server(), [sealed(saltN(5), encodeFixedHeader(target.length + 3, nowMs), variable(target, 0, Buffer.from('a')), len(0xffff), big)]);
  t.equal(ok.error, undefined);
  t.equal(ok.output.length, target.length + 1 + 0xffff);
  const zero = await feed(server(), [sealed(saltN(6), encodeFixedHeader(target.length + 3, nowMs), variable(target, 0, Buffer.from('a')), len(0), Buffer.alloc(0))]);
  t.equal((zero.error as { code?: string })?.code, 'ERR_SS_CHUNK_EMPTY');
});

t.test('a stream ending inside the first flight is truncated; ending before any byte is clean', async (t) => {
  t.equal(((await feed(server(), [request.subarray(0, 20)])).error as { code?: string })?.code, 'ERR_SS_TRUNCATED');
  t.equal(((await feed(server(), [request.subarray(0, request.length - 1)])).error as { code?: string })?.code, 'ERR_SS_TRUNCATED');
  t.equal((await feed(server(), [])).error, undefined);
  t.equal((await feed(client(saltN(1)), [])).error, undefined, 'a server that answers nothing');
});
