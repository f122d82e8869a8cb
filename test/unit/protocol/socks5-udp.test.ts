import t from 'tap';
import { encodeAddress } from '../../../lib/protocol/address.js';
import { decodeSocks5UdpPacket, encodeSocks5UdpPacket, prependSocks5UdpPrefix, SOCKS5_UDP_PREFIX_LENGTH } from '../../../lib/protocol/socks5-udp.js';

t.test('encodes RSV, FRAG, the address and the data (RFC 1928 section 7)', async (t) => {
  t.equal(encodeSocks5UdpPacket('127.0.0.1', 53, Buffer.from('ping')).toString('hex'), '000000017f0000010035' + Buffer.from('ping').toString('hex'));
  t.equal(encodeSocks5UdpPacket('::1', 443, Buffer.alloc(0)).toString('hex'), '00000004' + '00000000000000000000000000000001' + '01bb');
  t.equal(encodeSocks5UdpPacket('example.com', 80, Buffer.from([9])).toString('hex'), '000000030b' + Buffer.from('example.com').toString('hex') + '005009');
});

t.test('decodes every address type, with views into the input', async (t) => {
  for (const [host, type] of [['10.1.2.3', 'ipv4'], ['2001:db8::1', 'ipv6'], ['example.com', 'domain']] as const) {
    const buf = encodeSocks5UdpPacket(host, 5353, Buffer.from('data'));
    const p = decodeSocks5UdpPacket(buf);
    t.match(p.address, { host, port: 5353, type }, host);
    t.equal(p.data.toString(), 'data');
    t.same(p.addressAndData, Buffer.concat([encodeAddress(host, 5353), Buffer.from('data')]), 'ATYP..DATA is the ss plaintext');
    t.equal(p.addressAndData.buffer, buf.buffer, 'no copy');
  }
});

t.test('accepts an empty payload and ignores RSV', async (t) => {
  const buf = encodeSocks5UdpPacket('1.2.3.4', 1, Buffer.alloc(0));
  buf[0] = 0xff;
  buf[1] = 0xee;
  const p = decodeSocks5UdpPacket(buf);
  t.equal(p.data.length, 0);
  t.equal(p.address.host, '1.2.3.4');
});

t.test('rejects FRAG != 0 with ERR_SS_UDP_FRAGMENTED', async (t) => {
  for (const frag of [1, 0x7f, 0x80, 0xff]) {
    const buf = encodeSocks5UdpPacket('1.2.3.4', 1, Buffer.from('x'));
    buf[2] = frag;
    t.throws(() => decodeSocks5UdpPacket(buf), { code: 'ERR_SS_UDP_FRAGMENTED' }, `FRAG ${frag}`);
  }
});

t.test('rejects every truncation with ERR_SS_PACKET_TOO_SHORT', async (t) => {
  for (const host of ['10.1.2.3', '2001:db8::1', 'example.com']) {
    const buf = encodeSocks5UdpPacket(host, 80, Buffer.alloc(0));
    for (let n = 0; n < buf.length; n++) t.throws(() => decodeSocks5UdpPacket(buf.subarray(0, n)), { code: 'ERR_SS_PACKET_TOO_SHORT' }, `${host}: ${n} bytes`);
  }
});

t.test('rejects a bad address type or host name', async (t) => {
  t.throws(() => decodeSocks5UdpPacket(Buffer.from('000000057f0000010035', 'hex')), { code: 'ERR_SS_BAD_ADDRESS_TYPE' });
  t.throws(() => decodeSocks5UdpPacket(Buffer.from('00000003000035', 'hex')), { code: 'ERR_SS_BAD_ADDRESS' });
});

t.test('prependSocks5UdpPrefix turns an ss UDP plaintext into a SOCKS5 datagram', async (t) => {
  const plain = Buffer.concat([encodeAddress('8.8.8.8', 53), Buffer.from('answer')]);
  const out = prependSocks5UdpPrefix(plain);
  t.equal(out.length, SOCKS5_UDP_PREFIX_LENGTH + plain.length);
  t.same(out.subarray(0, 3), Buffer.alloc(3));
  const p = decodeSocks5UdpPacket(out);
  t.match(p.address, { host: '8.8.8.8', port: 53 });
  t.equal(p.data.toString(), 'answer');
});
