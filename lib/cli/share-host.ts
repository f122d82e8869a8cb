/**
 * Which host to put in the `ss://` URI printed for a generated password.
 */
import { networkInterfaces } from 'node:os';
import { stripBrackets } from '../protocol/address.js';

type Interfaces = ReturnType<typeof networkInterfaces>;

const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]']);

/**
 * The first listening host that is a concrete address (not a wildcard);
 * else the first non-internal IPv4 address of this machine; else 127.0.0.1.
 * Brackets around an IPv6 host are removed.
 */
export function shareHost(hosts: readonly (string | undefined)[], interfaces: Interfaces = networkInterfaces()): string {
  const concrete = hosts.find((h): h is string => h !== undefined && !WILDCARDS.has(h.trim()));
  if (concrete !== undefined) return stripBrackets(concrete.trim());
  for (const list of Object.values(interfaces)) {
    const ipv4 = list?.find((a) => a.family === 'IPv4' && !a.internal);
    if (ipv4 !== undefined) return ipv4.address;
  }
  return '127.0.0.1';
}
