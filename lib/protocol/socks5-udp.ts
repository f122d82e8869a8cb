/**
 * The SOCKS5 UDP request header (RFC 1928 section 7), spoken between a
 * SOCKS5 client and the local relay of a UDP ASSOCIATE.
 *
 *   +-----+------+------+----------+----------+----------+
 *   | RSV | FRAG | ATYP | DST.ADDR | DST.PORT |   DATA   |
 *   +-----+------+------+----------+----------+----------+
 *   |  2  |  1   |  1   | variable |    2     | variable |
 *   +-----+------+------+----------+----------+----------+
 *     \___________/ \________________________/
 *      dropped on     = the Shadowsocks address header, so
 *      the way in       ATYP.. DATA is the ss UDP plaintext as is
 *
 * FRAG: fragmentation is optional in RFC 1928 and no Shadowsocks client or
 * server implements reassembly (libev ss-local drops FRAG != 0 as well), so a
 * datagram with FRAG != 0 is rejected with `ERR_SS_UDP_FRAGMENTED` and the
 * caller drops it. RSV is ignored on input (as libev does) and sent as 0.
 */
import { decodeAddress, encodeAddress, type DecodedAddress } from './address.js';
import { packetTooShortError, udpFragmentedError } from '../errors.js';

/** Length of RSV + FRAG, the bytes in front of the address header. */
export const SOCKS5_UDP_PREFIX_LENGTH = 3;

const PREFIX = Buffer.alloc(SOCKS5_UDP_PREFIX_LENGTH);

/** A decoded SOCKS5 UDP datagram. Buffers are views into the input. */
export interface Socks5UdpPacket {
  /** The destination (client to relay) or the source (relay to client). */
  address: DecodedAddress;
  /** The payload after the header. */
  data: Buffer;
  /** `ATYP .. DATA`: exactly the Shadowsocks UDP plaintext. */
  addressAndData: Buffer;
}

/**
 * Decodes a SOCKS5 UDP datagram.
 * @throws SsError `ERR_SS_UDP_FRAGMENTED` if FRAG != 0;
 *   `ERR_SS_PACKET_TOO_SHORT` if the header is incomplete;
 *   `ERR_SS_BAD_ADDRESS_TYPE` / `ERR_SS_BAD_ADDRESS` if the address is invalid
 */
export function decodeSocks5UdpPacket(buf: Buffer): Socks5UdpPacket {
  if (buf.length < SOCKS5_UDP_PREFIX_LENGTH) throw packetTooShortError('SOCKS5 UDP datagram', buf.length);
  const frag = buf[2]!;
  if (frag !== 0) throw udpFragmentedError(frag);
  const address = decodeAddress(buf, SOCKS5_UDP_PREFIX_LENGTH);
  if (address === null) throw packetTooShortError('SOCKS5 UDP datagram', buf.length);
  return {
    address,
    data: buf.subarray(SOCKS5_UDP_PREFIX_LENGTH + address.length),
    addressAndData: buf.subarray(SOCKS5_UDP_PREFIX_LENGTH),
  };
}

/**
 * Encodes a SOCKS5 UDP datagram for `host:port` (an IP literal becomes ATYP
 * 1 or 4, anything else a host name).
 * @throws SsError `ERR_SS_BAD_ADDRESS` for a bad host or port
 */
export function encodeSocks5UdpPacket(host: string, port: number, data: Buffer): Buffer {
  return Buffer.concat([PREFIX, encodeAddress(host, port), data]);
}

/**
 * Puts RSV and FRAG (all zero) in front of an already encoded
 * `address header || data`, such as a decrypted Shadowsocks UDP reply.
 */
export function prependSocks5UdpPrefix(addressAndData: Buffer): Buffer {
  const out = Buffer.allocUnsafe(SOCKS5_UDP_PREFIX_LENGTH + addressAndData.length);
  PREFIX.copy(out, 0);
  addressAndData.copy(out, SOCKS5_UDP_PREFIX_LENGTH);
  return out;
}
