/**
 * An upstream proxy, written as a URL (issue 17):
 *
 *   socks5://[user:pass@]host:port     SOCKS5 (RFC 1928), user/pass per RFC 1929
 *   http://[user:pass@]host:port       HTTP CONNECT (RFC 9110 section 9.3.6), Basic auth
 *
 * The user name and password are percent-decoded (`%40` for `@`). They are
 * secrets: {@link redactProxyUrl} is the only way a proxy is printed, and
 * parse errors never echo the URL.
 */
import { formatHostPort, stripBrackets } from './address.js';

/** How to reach an upstream proxy. `username`/`password` are secrets. */
export interface UpstreamProxy {
  readonly protocol: 'socks5' | 'http';
  /** Host name or IP (no brackets). */
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
}

/** RFC 1929: user name and password are each 1 to 255 bytes. */
export const MAX_PROXY_CREDENTIAL_BYTES = 255;

/**
 * Parses a proxy URL.
 * @returns the proxy, or a problem (a phrase that never contains the URL)
 */
export function parseProxyUrl(text: string): UpstreamProxy | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be a URL: socks5://[user:pass@]host:port or http://[user:pass@]host:port';
  }
  const protocol = url.protocol === 'socks5:' ? 'socks5' : url.protocol === 'http:' ? 'http' : undefined;
  if (protocol === undefined) return 'must start with socks5:// or http:// (https:// proxies are not supported)';
  if (url.port === '') return 'must give the proxy port (host:port)';
  if (url.pathname !== '/' && url.pathname !== '' || url.search !== '' || url.hash !== '') return 'must have no path, query or fragment';
  const host = stripBrackets(url.hostname);
  if (host === '') return 'must name the proxy host';
  const out: { protocol: 'socks5' | 'http'; host: string; port: number; username?: string; password?: string } = { protocol, host, port: Number(url.port) };
  if (url.username !== '' || url.password !== '') {
    let username: string;
    let password: string;
    try {
      username = decodeURIComponent(url.username);
      password = decodeURIComponent(url.password);
    } catch {
      return 'has a badly percent-encoded user name or password';
    }
    if (username === '') return 'must have a user name before the password';
    if (protocol === 'socks5' && (Buffer.byteLength(username) > MAX_PROXY_CREDENTIAL_BYTES || Buffer.byteLength(password) > MAX_PROXY_CREDENTIAL_BYTES || password === '')) {
      return `SOCKS5 credentials must each be 1 to ${MAX_PROXY_CREDENTIAL_BYTES} bytes (RFC 1929)`;
    }
    out.username = username;
    out.password = password;
  }
  return out;
}

/** The proxy as a URL with its credentials (for the option form; a secret). */
export function formatProxyUrl(proxy: UpstreamProxy): string {
  const auth = proxy.username === undefined ? '' : `${encodeURIComponent(proxy.username)}:${encodeURIComponent(proxy.password ?? '')}@`;
  return `${proxy.protocol}://${auth}${formatHostPort(proxy.host, proxy.port)}`;
}

/** The proxy as a URL fit to print: credentials become `***`. */
export function redactProxyUrl(proxy: UpstreamProxy): string {
  const auth = proxy.username === undefined ? '' : '***@';
  return `${proxy.protocol}://${auth}${formatHostPort(proxy.host, proxy.port)}`;
}
