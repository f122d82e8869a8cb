/**
 * Which target addresses the server refuses to connect to. By default:
 * every loopback, private, link-local, CGNAT, multicast, broadcast,
 * reserved, documentation and unspecified range, for IPv4 and IPv6, and the
 * IPv6 forms that carry an IPv4 address (IPv4-mapped, NAT64 `64:ff9b::/96`,
 * 6to4 `2002::/16`) are judged by that IPv4 address too.
 * Checked on resolved addresses, so a name that resolves to 127.0.0.1 is
 * refused as well. A check costs O(log n) in the list length
 * ({@link IpRangeSet}): microseconds for 100 000 entries.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { configError } from '../../errors.js';
import { parseIPv6 } from '../../protocol/address.js';
import type { IpRange } from '../../protocol/ip-range.js';
import { DEFAULT_FORBIDDEN_RANGES } from '../../protocol/special-ip-ranges.js';
import { IPV4_MAPPED_BASE, IpRangeSet } from './ip-range-set.js';

export { DEFAULT_FORBIDDEN_RANGES };

/** Decides whether a resolved target IP may be dialed. */
export class TargetFilter {
  readonly #set: IpRangeSet;
  readonly #ranges: readonly string[];

  /**
   * @param ranges IPs or CIDRs (`10.0.0.0/8`, `::1`, `fe80::/10`), as text
   *   or as parsed by `parseIpRange()` (as the resolved server configuration
   *   holds them); a bare IP means just that address. An IPv4 range also
   *   covers the IPv4-mapped IPv6 form of its addresses, and the other way
   *   round. Default: {@link DEFAULT_FORBIDDEN_RANGES}.
   * @throws SsError `ERR_SS_CONFIG` naming the bad entry
   */
  constructor(ranges: readonly (string | IpRange)[] = DEFAULT_FORBIDDEN_RANGES, key = 'forbiddenIp') {
    this.#ranges = Object.freeze(ranges.map((r) => (typeof r === 'string' ? r : r.text)));
    this.#set = new IpRangeSet(ranges.map((r) => parseRange(typeof r === 'string' ? r.trim() : `${r.network}/${r.prefix}`, key)));
  }

  /** The ranges as given. */
  get ranges(): readonly string[] {
    return this.#ranges;
  }

  /**
   * True if `ip` (a literal, not a name) may not be dialed. IPv4-mapped IPv6
   * addresses are judged as the IPv4 address they carry. Anything that is not
   * an IP literal is refused.
   */
  isForbidden(ip: string): boolean {
    if (isIPv4(ip)) return this.#set.hasIPv4(ipv4ToNumber(ip));
    if (!isIPv6(ip)) return true;
    const b = parseIPv6(ip);
    const embedded = embeddedIPv4(b);
    if (embedded !== undefined && this.#set.hasIPv4(embedded)) return true;
    return this.#set.has((b.readBigUInt64BE(0) << 64n) | b.readBigUInt64BE(8));
  }
}

/**
 * The IPv4 address (as a number) carried inside an IPv6 one, where the IPv6
 * address is a way to reach that IPv4 host: IPv4-mapped (`::ffff:a.b.c.d`),
 * NAT64 well-known prefix (`64:ff9b::a.b.c.d`, RFC 6052) and 6to4
 * (`2002:AABB:CCDD::`, RFC 3056). Such an address is forbidden if the IPv4
 * one is.
 */
function embeddedIPv4(b: Buffer): number | undefined {
  const zero = (from: number, to: number): boolean => b.subarray(from, to).every((x) => x === 0);
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return b.readUInt32BE(12);
  if (b.readUInt32BE(0) === 0x0064ff9b && zero(4, 12)) return b.readUInt32BE(12);
  if (b.readUInt16BE(0) === 0x2002) return b.readUInt32BE(2);
  return undefined;
}

/** A dotted quad already checked by `isIPv4`, as a number. */
function ipv4ToNumber(ip: string): number {
  let n = 0;
  for (const part of ip.split('.')) n = n * 256 + Number(part);
  return n;
}

/** An entry as an inclusive range of 128-bit addresses, IPv4 at its mapped place. */
function parseRange(entry: string, key: string): [bigint, bigint] {
  const [ip, bits, extra] = entry.split('/');
  if (extra !== undefined || ip === undefined || ip === '') throw configError(key, `'${entry}' is not an IP or CIDR`);
  if (bits !== undefined && (!/^\d+$/.test(bits))) throw configError(key, `'${entry}' has a bad prefix length`);
  const prefix = bits === undefined ? undefined : Number(bits);
  let first: bigint;
  let length: number;
  // Node's validators and our own parser, not the ip-address package (about
  // 3.5 MiB of RSS at start, for the default ranges alone: issue 18).
  if (isIPv4(ip)) {
    if (prefix !== undefined && prefix > 32) throw configError(key, `'${entry}' has a bad prefix length`);
    first = IPV4_MAPPED_BASE | BigInt(ipv4ToNumber(ip));
    length = 96 + (prefix ?? 32);
  } else if (isIPv6(ip)) {
    if (prefix !== undefined && prefix > 128) throw configError(key, `'${entry}' has a bad prefix length`);
    const b = parseIPv6(ip);
    first = (b.readBigUInt64BE(0) << 64n) | b.readBigUInt64BE(8);
    length = prefix ?? 128;
  } else {
    throw configError(key, `'${entry}' is not an IP or CIDR`);
  }
  const size = 1n << BigInt(128 - length);
  const start = first & ~(size - 1n);
  return [start, start + size - 1n];
}
