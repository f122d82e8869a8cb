/**
 * Which target addresses the server refuses to connect to. By default:
 * every loopback, private, link-local, CGNAT, multicast, broadcast,
 * reserved, documentation and unspecified range, for IPv4 and IPv6, and the
 * IPv6 forms that carry an IPv4 address (IPv4-mapped, NAT64 `64:ff9b::/96`,
 * 6to4 `2002::/16`) are judged by that IPv4 address too.
 * Checked on resolved addresses, so a name that resolves to 127.0.0.1 is
 * refused as well.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { parseIPv6 } from '../../protocol/address.js';
import { parseIpRange, type IpRange } from '../../protocol/ip-range.js';
import { DEFAULT_FORBIDDEN_RANGES } from '../../protocol/special-ip-ranges.js';

/** The default forbidden ranges (IANA special-purpose registries, RFC 6890). */
export { DEFAULT_FORBIDDEN_RANGES };

/** Decides whether a resolved target IP may be dialed. */
export class TargetFilter {
  readonly #list = new BlockList();
  readonly #ranges: readonly string[];

  /**
   * @param ranges IPs or CIDRs (`10.0.0.0/8`, `::1`, `fe80::/10`), as text
   *   or already parsed by `parseIpRange()` (as the resolved server
   *   configuration holds them: those are not parsed again); a bare IP means
   *   just that address. Default: {@link DEFAULT_FORBIDDEN_RANGES}.
   * @throws SsError `ERR_SS_CONFIG` naming the bad entry
   */
  constructor(ranges: readonly (string | IpRange)[] = DEFAULT_FORBIDDEN_RANGES, key = 'forbiddenIp') {
    const parsed = ranges.map((r) => (typeof r === 'string' ? parseIpRange(r, key) : r));
    this.#ranges = Object.freeze(ranges.map((r) => (typeof r === 'string' ? r : r.text)));
    for (const r of parsed) this.#list.addSubnet(r.network, r.prefix, r.family);
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
    if (isIPv4(ip)) return this.#list.check(ip, 'ipv4');
    if (!isIPv6(ip)) return true;
    const bare = ip.split('%')[0]!;
    const embedded = embeddedIPv4(parseIPv6(bare));
    if (embedded !== undefined && this.isForbidden(embedded)) return true;
    return this.#list.check(bare, 'ipv6');
  }
}

/**
 * The IPv4 address carried inside an IPv6 one, where the IPv6 address is a
 * way to reach that IPv4 host: IPv4-mapped (`::ffff:a.b.c.d`), NAT64
 * well-known prefix (`64:ff9b::a.b.c.d`, RFC 6052) and 6to4 (`2002:AABB:CCDD::`,
 * RFC 3056). Such an address is forbidden if the IPv4 one is.
 */
function embeddedIPv4(b: Buffer): string | undefined {
  const zero = (from: number, to: number): boolean => b.subarray(from, to).every((x) => x === 0);
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  if (b.readUInt32BE(0) === 0x0064ff9b && zero(4, 12)) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  if (b.readUInt16BE(0) === 0x2002) return `${b[2]}.${b[3]}.${b[4]}.${b[5]}`;
  return undefined;
}
