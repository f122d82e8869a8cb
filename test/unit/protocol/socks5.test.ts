import t from 'tap';
import { SsError } from '../../../lib/errors.js';
import {
  decodeSocks5Credentials,
  decodeSocks5Greeting,
  decodeSocks5Request,
  encodeSocks5AuthStatus,
  encodeSocks5MethodSelection,
  encodeSocks5Reply,
  socks5ReplyFor,
} from '../../../lib/protocol/socks5.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');

t.test('decodes a greeting and returns null at every truncation', async (t) => {
  const full = hex('05 02 00 02');
  t.same(decodeSocks5Greeting(full), { methods: [0, 2], length: 4 });
  for (let n = 0; n < full.length; n++) t.equal(decodeSocks5Greeting(full.subarray(0, n)), null, `${n} bytes`);
  t.same(decodeSocks5Greeting(Buffer.concat([full, hex('0501')])), { methods: [0, 2], length: 4 }, 'ignores what follows');
});

t.test('refuses a greeting with a bad version or no methods', async (t) => {
  t.throws(() => decodeSocks5Greeting(hex('04 01 00')), { code: 'ERR_SS_SOCKS_PROTOCOL' });
  t.throws(() => decodeSocks5Greeting(hex('05 00')), { code: 'ERR_SS_SOCKS_PROTOCOL' });
});

t.test('decodes RFC 1929 credentials and returns null at every truncation', async (t) => {
  const full = Buffer.concat([hex('01 04'), Buffer.from('user'), hex('05'), Buffer.from('p\u00e4ss', 'utf8')]);
  t.same(decodeSocks5Credentials(full), { username: 'user', password: 'p\u00e4ss', length: full.length });
  for (let n = 0; n < full.length; n++) t.equal(decodeSocks5Credentials(full.subarray(0, n)), null, `${n} bytes`);
});

t.test('refuses credentials with a bad version or empty fields', async (t) => {
  t.throws(() => decodeSocks5Credentials(hex('05 01 61 01 62')), { code: 'ERR_SS_SOCKS_PROTOCOL' });
  t.throws(() => decodeSocks5Credentials(hex('01 00 01 62')), { code: 'ERR_SS_SOCKS_PROTOCOL' });
  t.throws(() => decodeSocks5Credentials(hex('01 01 61 00')), { code: 'ERR_SS_SOCKS_PROTOCOL' });
});

t.test('decodes CONNECT requests for every address type', async (t) => {
  const v4 = hex('05 01 00 01 7f000001 0050');
  t.same(decodeSocks5Request(v4), { command: 1, address: { type: 'ipv4', host: '127.0.0.1', port: 80 }, length: 10 });
  const v6 = hex('05 01 00 04 00000000000000000000000000000001 01bb');
  t.same(decodeSocks5Request(v6), { command: 1, address: { type: 'ipv6', host: '::1', port: 443 }, length: 22 });
  const name = Buffer.concat([hex('05 01 00 03 09'), Buffer.from('echo.test'), hex('1f90')]);
  t.same(decodeSocks5Request(name), { command: 1, address: { type: 'domain', host: 'echo.test', port: 8080 }, length: name.length });
  for (const full of [v4, v6, name]) {
    for (let n = 0; n < full.length; n++) t.equal(decodeSocks5Request(full.subarray(0, n)), null, `${n} of ${full.length} bytes`);
  }
});

t.test('returns any command for the caller to judge', async (t) => {
  t.equal(decodeSocks5Request(hex('05 02 00 01 00000000 0000'))!.command, 2);
  t.equal(decodeSocks5Request(hex('05 09 00 01 00000000 0000'))!.command, 9);
});

t.test('refuses requests with a bad version, address type or host name', async (t) => {
  t.throws(() => decodeSocks5Request(hex('04 01 00 01 7f000001 0050')), { code: 'ERR_SS_SOCKS_PROTOCOL' });
  t.throws(() => decodeSocks5Request(hex('05 01 00 05 7f000001 0050')), { code: 'ERR_SS_BAD_ADDRESS_TYPE' });
  t.throws(() => decodeSocks5Request(hex('05 01 00 03 00 0050')), { code: 'ERR_SS_BAD_ADDRESS' });
  t.throws(() => decodeSocks5Request(hex('05 01 00 03 02 2000 0050')), { code: 'ERR_SS_BAD_ADDRESS' });
});

t.test('encodes answers and replies', async (t) => {
  t.same(encodeSocks5MethodSelection(0), hex('0500'));
  t.same(encodeSocks5MethodSelection(0xff), hex('05ff'));
  t.same(encodeSocks5AuthStatus(true), hex('0100'));
  t.same(encodeSocks5AuthStatus(false), hex('0101'));
  t.same(encodeSocks5Reply(0), hex('05 00 00 01 00000000 0000'));
  t.same(encodeSocks5Reply(0, { host: '::1', port: 1080 }), hex('05 00 00 04 00000000000000000000000000000001 0438'));
});

t.test('maps failures to reply codes', async (t) => {
  const unreachable = (code: string): SsError => new SsError('ERR_SS_SERVER_UNREACHABLE', 'x', { cause: Object.assign(new Error(code), { code }) });
  t.equal(socks5ReplyFor(new SsError('ERR_SS_BAD_ADDRESS_TYPE', 'x')), 0x08);
  t.equal(socks5ReplyFor(new SsError('ERR_SS_SOCKS_COMMAND', 'x')), 0x07);
  t.equal(socks5ReplyFor(unreachable('ECONNREFUSED')), 0x05);
  t.equal(socks5ReplyFor(unreachable('ETIMEDOUT')), 0x04);
  t.equal(socks5ReplyFor(unreachable('EHOSTUNREACH')), 0x04);
  t.equal(socks5ReplyFor(unreachable('ENETUNREACH')), 0x03);
  t.equal(socks5ReplyFor(unreachable('EACCES')), 0x01);
  t.equal(socks5ReplyFor(new SsError('ERR_SS_BAD_ADDRESS', 'x')), 0x01);
  t.equal(socks5ReplyFor(new Error('plain')), 0x01);
});
