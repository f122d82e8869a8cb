/**
 * Our server with a legacy stream method: the probe policy (a stream cipher
 * authenticates nothing, so an unknown address type is the only signal) and
 * the IV replay filter, end to end over loopback.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import t from 'tap';
import { evpBytesToKey } from '../../../lib/crypto/kdf.js';
import { getMethod } from '../../../lib/crypto/methods.js';
import { encodeAddress } from '../../../lib/protocol/address.js';
import { sealStreamPacket } from '../../../lib/stream/stream-cipher-family.js';
import { startServerUnderTest } from '../../fixtures/interop.js';
import { howItEnds, startEchoServer } from '../../fixtures/net.js';

const method = 'aes-256-cfb';
const password = 'stream-probe';
const spec = getMethod(method)!;
const key = evpBytesToKey(password, spec.keyLength);

async function send(port: number, bytes: Buffer, end: boolean): Promise<{ how: string; data: Buffer }> {
  const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  s.on('error', () => {});
  s.write(bytes);
  if (end) s.end();
  const result = await howItEnds(s, 5000);
  s.destroy();
  return result;
}

t.test('a header with an unknown address type gets no reply and is drained to the handshake deadline', async (t) => {
  const ss = await startServerUnderTest({ method, password, forbiddenIp: [], handshakeTimeoutMs: 600 });
  t.teardown(() => ss.close());
  // The IV is right, the key is right: the decrypted ATYP is 0x05.
  const wire = sealStreamPacket(spec, key, Buffer.concat([Buffer.from([0x05]), randomBytes(40)]));
  const started = Date.now();
  const { data } = await send(ss.port, wire, false);
  t.equal(data.length, 0, 'nothing is sent back');
  const stats = (await ss.waitClosed(1))[0]!;
  t.equal(stats.status, 'ERR_SS_BAD_ADDRESS_TYPE');
  t.ok(Date.now() - started >= 500, 'closed at the deadline, not at once');
});

t.test('random bytes of every probe length get no reply', async (t) => {
  const ss = await startServerUnderTest({ method, password, forbiddenIp: [], handshakeTimeoutMs: 300 });
  t.teardown(() => ss.close());
  for (const n of [1, 8, 15, 16, 17, 33, 50, 221]) {
    const { data } = await send(ss.port, randomBytes(n), true);
    t.equal(data.length, 0, `${n} random bytes: no reply`);
  }
});

t.test('a replayed connection is refused as ERR_SS_REPLAY, after the original relayed', async (t) => {
  const echo = await startEchoServer();
  t.teardown(() => echo.close());
  const ss = await startServerUnderTest({ method, password, forbiddenIp: [], handshakeTimeoutMs: 300 });
  t.teardown(() => ss.close());
  const wire = sealStreamPacket(spec, key, Buffer.concat([encodeAddress('127.0.0.1', echo.port), Buffer.from('ping')]));
  const first = await send(ss.port, wire, true);
  t.equal(first.data.length, spec.saltLength + 4, 'the original is answered: IV and 4 bytes');
  t.equal(first.data.subarray(0, spec.saltLength).equals(wire.subarray(0, spec.saltLength)), false, 'with an IV of our own');
  const again = await send(ss.port, wire, true);
  t.equal(again.data.length, 0, 'the replay gets nothing');
  const stats = await ss.waitClosed(2);
  t.same(stats.map((s) => s.status), ['OK', 'ERR_SS_REPLAY']);
});

t.test('the server\'s own IV reflected back at it is refused', async (t) => {
  const echo = await startEchoServer();
  t.teardown(() => echo.close());
  const ss = await startServerUnderTest({ method, password, forbiddenIp: [], handshakeTimeoutMs: 300 });
  t.teardown(() => ss.close());
  const first = await send(ss.port, sealStreamPacket(spec, key, Buffer.concat([encodeAddress('127.0.0.1', echo.port), Buffer.from('HTTP/1.1 200 OK')])), true);
  const reflected = await send(ss.port, first.data, true);
  t.equal(reflected.data.length, 0);
  t.same((await ss.waitClosed(2)).map((s) => s.status), ['OK', 'ERR_SS_REPLAY']);
});
