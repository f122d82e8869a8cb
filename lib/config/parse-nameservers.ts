/**
 * Name-server addresses as libev's `-d` and JSON `nameserver` give them,
 * checked and put in the form `dns.setServers` takes.
 *
 *   "1.1.1.1, 127.0.0.1:5353,[::1]:53, 2001:db8::53"  ──▶  ['1.1.1.1', '127.0.0.1:5353', '[::1]:53', '2001:db8::53']
 */
import { isIPv4, isIPv6 } from 'node:net';
import { configError } from '../errors.js';
import { typeName } from './check.js';

/**
 * Parses `ADDR[:PORT][,...]` (a string) or an array of `ADDR[:PORT]`;
 * an IPv6 address with a port is written `[ADDR]:PORT`. Empty entries are
 * dropped, so `""` and `[]` mean "the system's servers".
 * @throws SsError `ERR_SS_CONFIG` naming `key` and the bad entry
 */
export function parseNameservers(value: unknown, key: string): string[] {
  let entries: unknown[];
  if (typeof value === 'string') entries = value.split(',');
  else if (Array.isArray(value)) entries = value.flatMap((e: unknown) => (typeof e === 'string' ? e.split(',') : [e]));
  else throw configError(key, `must be a comma-separated string or an array of strings, got ${typeName(value)}`);
  return entries.flatMap((entry, i) => {
    if (typeof entry !== 'string') throw configError(`${key}[${i}]`, `must be a string, got ${typeName(entry)}`);
    const text = entry.trim();
    return text === '' ? [] : [parseNameserver(text, key)];
  });
}

function parseNameserver(text: string, key: string): string {
  const bad = (): Error => configError(key, `'${text}' is not an IP address with an optional :port (use [v6]:port for IPv6)`);
  if (isIPv4(text) || isIPv6(text)) return text;
  const bracketed = /^\[([^\]]+)\]$/.exec(text);
  if (bracketed !== null && isIPv6(bracketed[1]!)) return bracketed[1]!;
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  if (match === null) throw bad();
  const [, v6, v4, portText] = match;
  const port = Number(portText);
  if (port < 1 || port > 65535) throw configError(key, `'${text}' has a port outside 1 to 65535`);
  if (v6 !== undefined && isIPv6(v6)) return `[${v6}]:${port}`;
  if (v4 !== undefined && isIPv4(v4)) return `${v4}:${port}`;
  throw bad();
}
