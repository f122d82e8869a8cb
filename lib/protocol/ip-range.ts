/**
 * An IP or CIDR range as plain data, parsed once: the forbidden-target list
 * is read into these by the configuration and handed to the server's
 * `TargetFilter`, which adds them without parsing again.
 *
 *   "10.0.0.0/8"  ─▶ { text: '10.0.0.0/8', family: 'ipv4', network: '10.0.0.0', prefix: 8 }
 *   "::1"         ─▶ { text: '::1', family: 'ipv6', network: '::1', prefix: 128 }   (a bare IP is that address)
 */
import { isIPv4, isIPv6 } from 'node:net';
import { configError } from '../errors.js';
import { formatIPv6, parseIPv6 } from './address.js';

/** One IP or CIDR range, JSON-serialisable. */
export interface IpRange {
  /** The range as written (trimmed). */
  readonly text: string;
  readonly family: 'ipv4' | 'ipv6';
  /** The network address in its canonical form. */
  readonly network: string;
  /** The prefix length: 0-32 for IPv4, 0-128 for IPv6. */
  readonly prefix: number;
}

/**
 * Parses `10.0.0.0/8`, `fe80::/10` or a bare IP (surrounding spaces are
 * ignored).
 * @throws SsError `ERR_SS_CONFIG` naming `key` and the bad entry
 */
export function parseIpRange(entry: string, key: string): IpRange {
  const text = entry.trim();
  const [ip, bits, extra] = text.split('/');
  if (extra !== undefined || ip === undefined || ip === '') throw configError(key, `'${text}' is not an IP or CIDR`);
  if (bits !== undefined && !/^\d+$/.test(bits)) throw configError(key, `'${text}' has a bad prefix length`);
  // Node's own validators (a dotted quad without leading zeros; IPv6 with an
  // optional zone, which is dropped) instead of the ip-address package, which
  // cost about 3.5 MiB of RSS at start (issue 18).
  const family = isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : undefined;
  if (family === undefined) throw configError(key, `'${text}' is not an IP or CIDR`);
  const max = family === 'ipv4' ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) throw configError(key, `'${text}' has a bad prefix length`);
  const network = family === 'ipv4' ? ip : formatIPv6(parseIPv6(ip));
  return Object.freeze({ text, family, network, prefix });
}
