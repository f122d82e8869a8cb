/**
 * IP literal comparison that survives the spellings a socket API may hand
 * back: `::ffff:127.0.0.1` equals `127.0.0.1` (a dual-stack TCP socket
 * reports the mapped form, a udp4 socket the plain one), and `0:0::1`
 * equals `::1`.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { parseIPv6, stripBrackets } from '../protocol/address.js';

/** True if `a` and `b` are the same IP address. Non-literals compare as strings. */
export function sameIp(a: string, b: string): boolean {
  if (a === b) return true;
  const x = canonical(a);
  const y = canonical(b);
  return x !== undefined && x === y;
}

function canonical(ip: string): string | undefined {
  const bare = stripBrackets(ip);
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return undefined;
  const bytes = parseIPv6(bare);
  // IPv4-mapped (::ffff:a.b.c.d) is the IPv4 address it carries.
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  return bytes.toString('hex');
}
