/**
 * The Shadowsocks address header (SOCKS5 style, PROTOCOL.md section 3).
 *
 *   +------+----------------------+----------+
 *   | ATYP | address              | port     |
 *   +------+----------------------+----------+
 *   | 0x01 | 4 bytes IPv4         | u16 BE   |   7 bytes
 *   | 0x03 | 1 byte N, N bytes    | u16 BE   |   4 + N bytes (N = 1..255)
 *   | 0x04 | 16 bytes IPv6        | u16 BE   |   19 bytes
 *   +------+----------------------+----------+
 *
 * The ATYP byte is matched exactly (libev's `& 0x0F` mask is a fingerprint).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { ATYP_DOMAIN, ATYP_IPV4, ATYP_IPV6 } from '../constants.js';
import { badAddressError, badAddressTypeError } from '../errors.js';

/** A decoded target. */
export interface Address {
  /** Which form the address took on the wire. */
  type: 'ipv4' | 'ipv6' | 'domain';
  /** Dotted IPv4, compressed IPv6, or the host name as sent. */
  host: string;
  /** Port, 0..65535. */
  port: number;
}

/** A decoded address and the number of header bytes it took. */
export interface DecodedAddress extends Address {
  /** Bytes consumed from the buffer, starting at the offset given. */
  length: number;
}

/**
 * Decodes an address header from `buf` at `offset`.
 * @returns the address, or `null` if `buf` holds only part of a header
 * @throws SsError `ERR_SS_BAD_ADDRESS_TYPE` or `ERR_SS_BAD_ADDRESS` if invalid
 */
export function decodeAddress(buf: Buffer, offset = 0): DecodedAddress | null {
  const avail = buf.length - offset;
  if (avail < 1) return null;
  const atyp = buf[offset]!;
  let hostEnd: number;
  let host: string;
  let type: Address['type'];
  switch (atyp) {
    case ATYP_IPV4:
      hostEnd = offset + 5;
      if (buf.length < hostEnd + 2) return null;
      host = `${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}.${buf[offset + 4]}`;
      type = 'ipv4';
      break;
    case ATYP_IPV6:
      hostEnd = offset + 17;
      if (buf.length < hostEnd + 2) return null;
      host = formatIPv6(buf.subarray(offset + 1, hostEnd));
      type = 'ipv6';
      break;
    case ATYP_DOMAIN: {
      if (avail < 2) return null;
      const n = buf[offset + 1]!;
      if (n === 0) throw badAddressError('empty host name');
      hostEnd = offset + 2 + n;
      if (buf.length < hostEnd + 2) return null;
      host = decodeHostName(buf.subarray(offset + 2, hostEnd));
      type = 'domain';
      break;
    }
    default:
      throw badAddressTypeError(atyp);
  }
  return { type, host, port: buf.readUInt16BE(hostEnd), length: hostEnd + 2 - offset };
}

// Host names are printable ASCII (IDNs travel as punycode). Anything else,
// such as NUL or spaces, is rejected rather than handed to the resolver.
function decodeHostName(bytes: Buffer): string {
  for (const b of bytes) {
    if (b <= 0x20 || b >= 0x7f) throw badAddressError('host name has a non-printable byte');
  }
  return bytes.toString('latin1');
}

/**
 * The canonical text of a 16-byte IPv6 address (RFC 5952): lower-case hex
 * groups without leading zeros, the longest run of two or more zero groups
 * (the first of equal runs) written `::`.
 */
export function formatIPv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  // Longest run of two or more zero groups becomes "::" (RFC 5952).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

/** `[::1]` → `::1`: drops the brackets around an IPv6 literal (anything else is returned as is). */
export function stripBrackets(host: string): string {
  return host.replace(/^\[|\]$/g, '');
}

/** `host:port`, with an IPv6 literal in brackets (`[::1]:8388`). */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Encodes `host:port` as an address header. IP literals become ATYP 1 or 4;
 * anything else is sent as a host name (ATYP 3).
 * @throws SsError `ERR_SS_BAD_ADDRESS` for an empty, over-long or non-printable
 *   name (only printable ASCII: send IDNs as punycode), or a bad port
 */
export function encodeAddress(host: string, port: number): Buffer {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw badAddressError(`port ${port} out of range`);
  let out: Buffer;
  const bare = stripBrackets(host);
  if (isIPv4(host)) {
    out = Buffer.allocUnsafe(7);
    out[0] = ATYP_IPV4;
    host.split('.').forEach((part, i) => { out[1 + i] = Number(part); });
  } else if (isIPv6(bare)) {
    out = Buffer.allocUnsafe(19);
    out[0] = ATYP_IPV6;
    parseIPv6(bare).copy(out, 1);
  } else {
    const name = Buffer.from(host, 'latin1');
    if (name.length === 0 || name.length > 255) throw badAddressError(`host name length ${name.length}`);
    // Refuse what decodeAddress would refuse (and non-Latin-1 text, which
    // 'latin1' would silently mangle): IDNs must be punycode already.
    if (!/^[\x21-\x7e]+$/.test(host)) throw badAddressError('host name has a non-printable character');
    out = Buffer.allocUnsafe(4 + name.length);
    out[0] = ATYP_DOMAIN;
    out[1] = name.length;
    name.copy(out, 2);
  }
  out.writeUInt16BE(port, out.length - 2);
  return out;
}

/** Parses a textual IPv6 address (already checked with `isIPv6`) into 16 bytes. */
export function parseIPv6(text: string): Buffer {
  let s = text.split('%')[0]!;
  const out = Buffer.alloc(16);
  // An embedded dotted IPv4 tail becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const p = v4[1]!.split('.').map(Number);
    s = `${s.slice(0, v4.index)}${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`;
  }
  const [left, right] = s.split('::') as [string, string | undefined];
  const head = left ? left.split(':') : [];
  const tail = right ? right.split(':') : [];
  head.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  tail.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), (8 - tail.length + i) * 2));
  return out;
}

