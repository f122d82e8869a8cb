/**
 * The converter of the upstream proxy settings: the server's
 * `outbound_proxy` (and `users[].outbound_proxy`), the local side's `proxy`.
 * The value is a URL, `socks5://[user:pass@]host:port` or
 * `http://[user:pass@]host:port` (see `protocol/proxy-url.ts`); an error
 * names the key and never echoes the URL (it may hold a password).
 */
import { configError } from '../errors.js';
import { formatProxyUrl, parseProxyUrl, type UpstreamProxy } from '../protocol/proxy-url.js';
import { typeName } from './check.js';

/**
 * Parses a proxy URL setting.
 * @throws SsError `ERR_SS_CONFIG` naming `key`
 */
export function toUpstreamProxy(v: unknown, key: string): UpstreamProxy {
  if (typeof v !== 'string') throw configError(key, `must be a proxy URL string, got ${typeName(v)}`);
  const parsed = parseProxyUrl(v);
  if (typeof parsed === 'string') throw configError(key, parsed);
  return parsed;
}

/** The option form of a parsed proxy: its URL (with its credentials: a secret). */
export function upstreamProxyOption(proxy: UpstreamProxy): string {
  return formatProxyUrl(proxy);
}
