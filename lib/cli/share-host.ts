/**
 * Which host to put in the `ss://` URIs and SIP008 document a server
 * shares (`--print-uri`, `--sip008`, a generated password):
 *
 *   1. `--public-host` (JSON `public_host`), as given
 *   2. the first listening host that is a concrete address (not a wildcard);
 *      a warning if it is a loopback or private one
 *   3. this machine's first non-internal IPv4 address, then its first global
 *      IPv6 one, with a warning: behind NAT it is often a private address
 *   4. 127.0.0.1, with a warning
 */
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { stripBrackets } from '../protocol/address.js';
import { parseIpRange } from '../protocol/ip-range.js';
import { DEFAULT_FORBIDDEN_RANGES } from '../protocol/special-ip-ranges.js';

type Interfaces = ReturnType<typeof networkInterfaces>;

/** The host chosen, and why a client elsewhere may not reach it. */
export interface ShareHost {
  host: string;
  warning?: string;
}

const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]']);
const ADVICE = 'set --public-host (JSON public_host) to the address clients reach';

// Loopback, private, link-local and other special ranges: not reachable from elsewhere.
const SPECIAL = new BlockList();
for (const r of DEFAULT_FORBIDDEN_RANGES.map((text) => parseIpRange(text, 'range'))) SPECIAL.addSubnet(r.network, r.prefix, r.family);

/**
 * Chooses the host clients are told to connect to (brackets around an
 * IPv6 host removed).
 * @param publicHost `--public-host`, if given
 * @param hosts the listening hosts of the server(s)
 */
export function shareHost(publicHost: string | undefined, hosts: readonly (string | undefined)[], interfaces: Interfaces = networkInterfaces()): ShareHost {
  if (publicHost !== undefined) return { host: stripBrackets(publicHost.trim()) };
  const concrete = hosts.find((h): h is string => h !== undefined && !WILDCARDS.has(h.trim()));
  if (concrete !== undefined) {
    const host = stripBrackets(concrete.trim());
    return isSpecial(host) ? { host, warning: `the listening address ${host} is not reachable from other networks; ${ADVICE}` } : { host };
  }
  const all = Object.values(interfaces).flatMap((list) => list ?? []).filter((a) => !a.internal);
  const found = all.find((a) => a.family === 'IPv4') ?? all.find((a) => a.family === 'IPv6' && !isSpecial(a.address) && !a.address.startsWith('fe80:'));
  if (found !== undefined) return { host: found.address, warning: `no --public-host: sharing this machine's address ${found.address}, which behind NAT may be a private one; ${ADVICE}` };
  return { host: '127.0.0.1', warning: `no --public-host and no network address: sharing 127.0.0.1; ${ADVICE}` };
}

function isSpecial(host: string): boolean {
  const family = isIP(host);
  return family !== 0 && SPECIAL.check(host, family === 4 ? 'ipv4' : 'ipv6');
}
