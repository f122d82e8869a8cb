import t from 'tap';
import { Socks5Handshake, type Socks5HandshakeStep } from '../../../lib/protocol/socks5-handshake.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');
const CONNECT_V4 = hex('05 01 00 01 7f000001 0050');

function feedAll(h: Socks5Handshake, pieces: Buffer[]): { replies: Buffer; last: Socks5HandshakeStep } {
  const replies: Buffer[] = [];
  let last: Socks5HandshakeStep = {};
  for (const p of pieces) {
    last = h.push(p);
    if (last.reply) replies.push(last.reply);
    if (last.error || last.request) break;
  }
  return { replies: Buffer.concat(replies), last };
}

function bytes(buf: Buffer): Buffer[] {
  return [...buf].map((b) => Buffer.from([b]));
}

t.test('negotiates no-auth CONNECT, whole or one byte at a time', async (t) => {
  const input = Buffer.concat([hex('05 01 00'), CONNECT_V4]);
  for (const pieces of [[input], bytes(input)]) {
    const h = new Socks5Handshake();
    const { replies, last } = feedAll(h, pieces);
    t.same(replies, hex('0500'));
    t.same(last.request, { command: 1, address: { type: 'ipv4', host: '127.0.0.1', port: 80 }, length: 10 });
    t.ok(h.done);
  }
});

t.test('keeps bytes sent after the request as the first payload', async (t) => {
  const h = new Socks5Handshake();
  const step = h.push(Buffer.concat([hex('05 01 00'), CONNECT_V4, Buffer.from('GET /')]));
  t.ok(step.request);
  h.push(Buffer.from(' HTTP/1.0'));
  t.equal(h.rest().toString(), 'GET / HTTP/1.0');
});

t.test('authenticates with username and password', async (t) => {
  const creds = Buffer.concat([hex('01 04'), Buffer.from('user'), hex('04'), Buffer.from('pass')]);
  const input = Buffer.concat([hex('05 02 00 02'), creds, CONNECT_V4]);
  for (const pieces of [[input], bytes(input)]) {
    const h = new Socks5Handshake({ credentials: { username: 'user', password: 'pass' } });
    const { replies, last } = feedAll(h, pieces);
    t.same(replies, hex('0502 0100'));
    t.ok(last.request);
  }
});

t.test('refuses wrong credentials with status 1', async (t) => {
  for (const [u, p] of [['user', 'wrong'], ['usr', 'pass'], ['user', 'passs']]) {
    const h = new Socks5Handshake({ credentials: { username: 'user', password: 'pass' } });
    const creds = Buffer.concat([hex('01'), Buffer.from([u!.length]), Buffer.from(u!), Buffer.from([p!.length]), Buffer.from(p!)]);
    const { replies, last } = feedAll(h, [Buffer.concat([hex('05 01 02'), creds, CONNECT_V4])]);
    t.same(replies, hex('0502 0101'));
    t.equal(last.error?.code, 'ERR_SS_PROXY_AUTH');
    t.notOk(last.request);
  }
});

t.test('answers 0xFF when no offered method is acceptable', async (t) => {
  const noAuthOnly = new Socks5Handshake({ credentials: { username: 'u', password: 'p' } });
  let step = noAuthOnly.push(hex('05 01 00'));
  t.same(step.reply, hex('05ff'));
  t.equal(step.error?.code, 'ERR_SS_PROXY_AUTH');
  const authOnly = new Socks5Handshake();
  step = authOnly.push(hex('05 01 02'));
  t.same(step.reply, hex('05ff'));
  t.equal(step.error?.code, 'ERR_SS_PROXY_AUTH');
});

t.test('fails a bad greeting or auth message without a reply', async (t) => {
  let step = new Socks5Handshake().push(hex('05 00'));
  t.equal(step.error?.code, 'ERR_SS_SOCKS_PROTOCOL');
  t.notOk(step.reply);
  step = new Socks5Handshake().push(hex('04 01 00 50 7f000001 00'));
  t.equal(step.error?.code, 'ERR_SS_SOCKS_PROTOCOL');
  const h = new Socks5Handshake({ credentials: { username: 'u', password: 'p' } });
  step = h.push(hex('05 01 02 05 01 75 01 70'));
  t.same(step.reply, hex('0502'), 'only the method selection');
  t.equal(step.error?.code, 'ERR_SS_SOCKS_PROTOCOL');
});

t.test('answers unsupported commands with 0x07', async (t) => {
  for (const cmd of [0x02, 0x03, 0x09]) {
    const step = new Socks5Handshake().push(Buffer.concat([hex('05 01 00 05'), Buffer.from([cmd]), hex('00 01 7f000001 0050')]));
    t.same(step.reply, Buffer.concat([hex('0500'), hex('05 07 00 01 00000000 0000')]), `command ${cmd}`);
    t.equal(step.error?.code, 'ERR_SS_SOCKS_COMMAND');
  }
});

t.test('serves UDP ASSOCIATE when asked to', async (t) => {
  const step = new Socks5Handshake({ commands: [1, 3] }).push(hex('05 01 00 05 03 00 01 00000000 0000'));
  t.equal(step.request?.command, 3);
});

t.test('answers unknown address types with 0x08 and bad requests with 0x01', async (t) => {
  let step = new Socks5Handshake().push(hex('05 01 00 05 01 00 02 7f000001 0050'));
  t.same(step.reply, Buffer.concat([hex('0500'), hex('05 08 00 01 00000000 0000')]));
  t.equal(step.error?.code, 'ERR_SS_BAD_ADDRESS_TYPE');
  step = new Socks5Handshake().push(hex('05 01 00 04 01 00 01 7f000001 0050'));
  t.same(step.reply, Buffer.concat([hex('0500'), hex('05 01 00 01 00000000 0000')]));
  t.equal(step.error?.code, 'ERR_SS_SOCKS_PROTOCOL');
});

t.test('ignores bytes after it failed', async (t) => {
  const h = new Socks5Handshake();
  t.ok(h.push(hex('05 00')).error);
  t.same(h.push(hex('05 01 00')), {});
});
