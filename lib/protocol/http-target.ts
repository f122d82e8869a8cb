/**
 * Request targets a proxy is asked for (RFC 9112 section 3.2):
 *
 *   authority-form  (CONNECT)   host:port          [2001:db8::1]:443
 *   absolute-form   (the rest)  http://host[:port][/path][?query]
 *
 * Host names are returned as written (lower-cased), never resolved: the
 * Shadowsocks server resolves them.
 */
import { isIP, isIPv6 } from 'node:net';
import { SsError } from '../errors.js';
import type { Address } from './address.js';

/** An absolute-form target split for forwarding. */
export interface HttpForwardTarget {
  /** Where to connect. */
  address: Address;
  /** The origin-form to send: path and query, at least `/`. */
  path: string;
  /** The authority as it belongs in the `Host` field. */
  authority: string;
}

function badRequest(problem: string): SsError {
  return new SsError('ERR_SS_HTTP_BAD_REQUEST', `HTTP: ${problem}`);
}

/**
 * Decodes `host:port` (IPv6 in brackets). Without a port, `defaultPort` is
 * used; if there is none, the authority is refused.
 * @throws SsError `ERR_SS_HTTP_BAD_REQUEST`
 */
export function decodeHttpAuthority(text: string, defaultPort?: number): Address {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:@/?#[\]\s]+))(?::(\d{1,5}))?$/.exec(text);
  if (m === null) throw badRequest(`bad authority ${JSON.stringify(text.slice(0, 64))}`);
  const host = m[1] ?? m[2]!.toLowerCase();
  if (m[1] !== undefined && !isIPv6(host)) throw badRequest('bracketed host is not an IPv6 address');
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (port === undefined) throw badRequest('authority has no port');
  if (port < 1 || port > 65535) throw badRequest(`port ${port} out of range`);
  const family = isIP(host);
  return { type: family === 4 ? 'ipv4' : family === 6 ? 'ipv6' : 'domain', host, port };
}

/**
 * Decodes an absolute-form `http://` target. Other schemes (`https://` goes
 * through CONNECT) and user info in the authority are refused.
 * @throws SsError `ERR_SS_HTTP_BAD_REQUEST`
 */
export function decodeHttpForwardTarget(target: string): HttpForwardTarget {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)/.exec(target);
  if (m === null) throw badRequest('a proxy request must use an absolute http:// target');
  if (m[1]!.toLowerCase() !== 'http') throw badRequest(`scheme ${m[1]} is not supported (use CONNECT for https)`);
  if (m[2]!.includes('@')) throw badRequest('user info in the request target is not supported');
  const address = decodeHttpAuthority(m[2]!, 80);
  const rest = m[3]!;
  const path = rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest;
  return { address, path, authority: m[2]! };
}
