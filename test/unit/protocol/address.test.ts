import t from 'tap';
import { decodeAddress, encodeAddress, parseIPv6 } from '../../../lib/protocol/address.js';
import { isSsError } from '../../../lib/errors.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');

t.test('encodes and decodes an IPv4 address', async (t) => {
  const buf = encodeAddress('127.0.0.1', 53);
  t.equal(buf.toString('hex'), '017f0000010035');
  t.same(decodeAddress(buf), { type: 'ipv4', host: '127.0.0.1', port: 53, length: 7 });
});

t.test('encodes and decodes an IPv6 address', async (t) => {
  const buf = encodeAddress('2001:db8::1', 443);
  t.equal(buf.toString('hex'), '04' + '20010db8000000000000000000000001' + '01bb');
  t.same(decodeAddress(buf), { type: 'ipv6', host: '2001:db8::1', port: 443, length: 19 });
  t.same(encodeAddress('[::1]', 80), encodeAddress('::1', 80), 'brackets are accepted');
});

t.test('encodes and decodes a host name', async (t) => {
  const buf = encodeAddress('example.com', 80);
  t.equal(buf.toString('hex'), '030b' + Buffer.from('example.com').toString('hex') + '0050');
  t.same(decodeAddress(buf), { type: 'domain', host: 'example.com', port: 80, length: 15 });
  const longest = 'a'.repeat(255);
  t.same(decodeAddress(encodeAddress(longest, 1)), { type: 'domain', host: longest, port: 1, length: 259 });
});

t.test('round-trips ports 0 and 65535 and decodes at an offset, ignoring what follows', async (t) => {
  for (const port of [0, 1, 8388, 65535]) {
    t.equal(decodeAddress(encodeAddress('10.0.0.1', port))?.port, port);
  }
  const buf = Buffer.concat([Buffer.from('junk'), encodeAddress('1.2.3.4', 5), Buffer.from('payload')]);
  t.same(decodeAddress(buf, 4), { type: 'ipv4', host: '1.2.3.4', port: 5, length: 7 });
});

t.test('decodes IPv6 in compressed form (RFC 5952)', async (t) => {
  const cases: Array<[string, string]> = [
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000000000000000', '::'],
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['00010000000000000000000000000000', '1::'],
    ['fe800000000000000001000000000001', 'fe80::1:0:0:1'], // the longest run wins
    ['00010000000000020000000000030004', '1::2:0:0:3:4'], // equal runs: the first wins
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'], // one zero group stays
    ['00000000000000000000ffff7f000001', '::ffff:7f00:1'],
    ['20010db8abcdef0123456789abcdef01', '2001:db8:abcd:ef01:2345:6789:abcd:ef01'],
  ];
  for (const [bytes, text] of cases) {
    t.equal(decodeAddress(hex(`04 ${bytes} 0050`))?.host, text, text);
    t.equal(parseIPv6(text).toString('hex'), bytes, `parseIPv6(${text})`);
  }
});

t.test('IPv6 text round-trips to what the WHATWG URL parser prints', async (t) => {
  for (let i = 0; i < 200; i++) {
    const bytes = Buffer.alloc(16);
    // Sparse groups, so that zero runs of every length appear.
    for (let g = 0; g < 8; g++) if (Math.random() < 0.4) bytes.writeUInt16BE(Math.floor(Math.random() * 0x10000), g * 2);
    const host = decodeAddress(Buffer.concat([Buffer.from([4]), bytes, Buffer.alloc(2)]))!.host;
    t.equal(`[${host}]`, new URL(`http://[${host}]/`).hostname, host);
    t.same(encodeAddress(host, 0).subarray(1, 17), bytes, `${host} encodes back`);
  }
});

t.test('encodes IPv6 with an embedded IPv4 tail', async (t) => {
  t.equal(encodeAddress('::ffff:127.0.0.1', 1).toString('hex'), '04' + '00000000000000000000ffff7f000001' + '0001');
});

t.test('returns null at every truncation length', async (t) => {
  const headers = [encodeAddress('1.2.3.4', 80), encodeAddress('2001:db8::1', 80), encodeAddress('example.com', 80), encodeAddress('x'.repeat(255), 80)];
  for (const full of headers) {
    for (let n = 0; n < full.length; n++) {
      t.equal(decodeAddress(full.subarray(0, n)), null, `${full.length}-byte header cut to ${n}`);
      t.equal(decodeAddress(Buffer.concat([Buffer.from([9, 9]), full.subarray(0, n)]), 2), null, `at offset 2, cut to ${n}`);
    }
    t.equal(decodeAddress(full)?.length, full.length, 'whole');
  }
});

t.test('throws ERR_SS_BAD_ADDRESS_TYPE for an unknown ATYP, even alone', async (t) => {
  // 0x11, 0x13, 0x14 are what libev's `& 0x0F` mask would accept.
  for (const atyp of [0x00, 0x02, 0x05, 0x11, 0x13, 0x14, 0x7f, 0xff]) {
    for (const buf of [Buffer.from([atyp]), Buffer.concat([Buffer.from([atyp]), Buffer.alloc(20)])]) {
      t.throws(() => decodeAddress(buf), { code: 'ERR_SS_BAD_ADDRESS_TYPE' }, `0x${atyp.toString(16)}, ${buf.length} bytes`);
    }
  }
  try {
    decodeAddress(Buffer.from([2]));
    t.fail('did not throw');
  } catch (err) {
    t.ok(isSsError(err, 'ERR_SS_BAD_ADDRESS_TYPE'), 'an SsError');
  }
});

t.test('throws ERR_SS_BAD_ADDRESS for a zero-length host name', async (t) => {
  t.throws(() => decodeAddress(hex('0300')), { code: 'ERR_SS_BAD_ADDRESS' });
  t.throws(() => decodeAddress(hex('03000050')), { code: 'ERR_SS_BAD_ADDRESS' });
});

t.test('throws ERR_SS_BAD_ADDRESS for a non-printable host name', async (t) => {
  for (const bad of [0x00, 0x0a, 0x20, 0x7f, 0x80, 0xff]) {
    const buf = Buffer.from([3, 3, 0x61, bad, 0x62, 0, 80]);
    t.throws(() => decodeAddress(buf), { code: 'ERR_SS_BAD_ADDRESS' }, `byte 0x${bad.toString(16)}`);
  }
});

t.test('encodeAddress refuses bad ports and host names', async (t) => {
  for (const port of [-1, 65536, 1.5, Number.NaN]) {
    t.throws(() => encodeAddress('1.2.3.4', port), { code: 'ERR_SS_BAD_ADDRESS' }, String(port));
  }
  t.throws(() => encodeAddress('', 80), { code: 'ERR_SS_BAD_ADDRESS' });
  t.throws(() => encodeAddress('a'.repeat(256), 80), { code: 'ERR_SS_BAD_ADDRESS' });
  for (const host of ['a b', 'a\0b', 'tab\there', 'bücher.de', '例え.jp']) {
    t.throws(() => encodeAddress(host, 80), { code: 'ERR_SS_BAD_ADDRESS' }, JSON.stringify(host));
  }
  t.equal(decodeAddress(encodeAddress('xn--bcher-kva.de', 80))?.host, 'xn--bcher-kva.de', 'punycode is fine');
});
