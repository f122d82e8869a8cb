/**
 * SIP002 `ss://` URIs (PROTOCOL.md section 5; shadowsocks-org `sip002.md`).
 *
 *   ss://<userinfo>@<host>:<port>[/][?plugin=<pct-encoded "name;opts">][#<pct-encoded tag>]
 *   (we write the plugin as `/?plugin=`, as SIP002's example does)
 *   userinfo = base64url(method ":" password)                  what we write (no padding)
 *            | pct-encoded(method) ":" pct-encoded(password)   also read; the only form for 2022-* methods
 *   ss://base64(method ":" password "@" host ":" port)[#tag]     legacy form, read only
 *
 * Errors are `ERR_SS_CONFIG` under the key `uri`, and never quote the
 * password or the URI.
 */
import { isIPv6 } from 'node:net';
import { DEFAULT_SERVER_PORT } from '../constants.js';
import { checkInt, checkString, NOT_UTF8 } from './check.js';
import { configError } from '../errors.js';

/** What an `ss://` URI carries. */
export interface Sip002Server {
  /** The method name, as written (not checked against the supported ones). */
  method: string;
  /** The password, decoded. */
  password: string;
  /** Host name or IP; IPv6 without brackets. */
  host: string;
  /** 1..65535; 8388 when the URI has none (as shadowsocks-rust). */
  port: number;
  /** The `plugin` query parameter, decoded (`name;opt=val;...`). */
  plugin?: string;
  /** The fragment, decoded: a display name. */
  tag?: string;
}

const KEY = 'uri';

/**
 * Writes an `ss://` URI. The userinfo is base64url without padding, except
 * for `2022-*` methods, where SIP002 requires the plain percent-encoded form.
 * A non-empty `plugin` (`name;opts`, the client's plugin) becomes the
 * percent-encoded `/?plugin=` parameter.
 * @throws SsError `ERR_SS_CONFIG` for an empty method or host, or a port outside 1..65535
 */
export function encodeSip002(server: Sip002Server): string {
  const { method, password, host, port, tag, plugin } = server;
  if (checkString(method, 'method') === '' || method.includes(':')) throw configError('method', 'must be a non-empty name without ":"');
  if (typeof password !== 'string') throw configError('password', 'must be a string');
  if (checkString(host, 'host') === '') throw configError('host', 'must not be empty');
  checkInt(port, 'port', 1, 65535);
  const userinfo = method.startsWith('2022-')
    ? `${encodeURIComponent(method)}:${encodeURIComponent(password)}`
    : Buffer.from(`${method}:${password}`, 'utf8').toString('base64url');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const fragment = tag === undefined ? '' : `#${encodeURIComponent(tag)}`;
  const query = plugin === undefined || plugin === '' ? '' : `/?plugin=${encodeURIComponent(plugin)}`;
  return `ss://${userinfo}@${hostPart}:${port}${query}${fragment}`;
}

/**
 * Reads an `ss://` URI in any of its forms: base64 userinfo (URL-safe or
 * standard, padded or not, possibly percent-encoded), plain percent-encoded
 * userinfo, or the legacy whole-base64 form. Unknown query parameters are
 * ignored.
 * @throws SsError `ERR_SS_CONFIG` (key `uri`) naming what is wrong
 */
export function decodeSip002(uri: string): Sip002Server {
  checkString(uri, KEY);
  if (!/^ss:\/\//i.test(uri)) throw configError(KEY, 'must start with ss://');
  const hash = uri.indexOf('#');
  const body = uri.slice(5, hash < 0 ? undefined : hash);
  const tag = hash < 0 ? undefined : pctDecode(uri.slice(hash + 1), 'tag');
  const question = body.indexOf('?');
  const main = question < 0 ? body : body.slice(0, question);
  const plugin = question < 0 ? undefined : findParam(body.slice(question + 1), 'plugin');
  const at = main.lastIndexOf('@');
  const server = at < 0
    ? decodeLegacy(main)
    : { ...decodeUserinfo(main.slice(0, at)), ...decodeHostPort(main.slice(at + 1).replace(/\/$/, '')) };
  if (plugin !== undefined) server.plugin = plugin;
  if (tag !== undefined) server.tag = tag;
  return server;
}

function decodeLegacy(text: string): Sip002Server {
  const plain = fromBase64(pctDecode(text.replace(/\/$/, ''), 'userinfo'));
  const at = plain.lastIndexOf('@');
  if (at < 0) throw configError(KEY, 'has no @host:port');
  return { ...splitMethod(plain.slice(0, at)), ...decodeHostPort(plain.slice(at + 1)) };
}

function decodeUserinfo(userinfo: string): { method: string; password: string } {
  const colon = userinfo.indexOf(':');
  if (colon >= 0) {
    return checkCredentials(pctDecode(userinfo.slice(0, colon), 'method'), pctDecode(userinfo.slice(colon + 1), 'password'));
  }
  return splitMethod(fromBase64(pctDecode(userinfo, 'userinfo')));
}

function splitMethod(plain: string): { method: string; password: string } {
  const colon = plain.indexOf(':');
  if (colon < 0) throw configError(KEY, 'userinfo has no method:password');
  return checkCredentials(plain.slice(0, colon), plain.slice(colon + 1));
}

function checkCredentials(method: string, password: string): { method: string; password: string } {
  if (method === '') throw configError(KEY, 'has an empty method');
  if (password === '') throw configError(KEY, 'has an empty password');
  return { method, password };
}

function decodeHostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*))(?::(\d*))?$/.exec(text);
  if (m === null) throw configError(KEY, 'has a malformed host:port');
  const host = m[1] ?? pctDecode(m[2]!, 'host');
  if (host === '') throw configError(KEY, 'has an empty host');
  if (m[1] !== undefined && !isIPv6(host)) throw configError(KEY, 'has a bracketed host that is not an IPv6 address');
  const port = m[3] === undefined ? DEFAULT_SERVER_PORT : Number(m[3]);
  if (m[3] === '' || !Number.isInteger(port) || port < 1 || port > 65535) throw configError(KEY, 'port must be between 1 and 65535');
  return { host, port };
}

// Node's 'base64' decoder also takes the URL-safe alphabet and missing padding.
function fromBase64(text: string): string {
  if (!/^[A-Za-z0-9+/_-]+=*$/.test(text)) throw configError(KEY, 'userinfo is neither method:password nor base64');
  try {
    // fatal: bytes that are not UTF-8 are refused, not turned into U+FFFD (a changed password).
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(text, 'base64'));
  } catch {
    throw configError(KEY, `userinfo ${NOT_UTF8}`);
  }
}

function findParam(query: string, name: string): string | undefined {
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (key === name) return pctDecode(eq < 0 ? '' : pair.slice(eq + 1), name);
  }
  return undefined;
}

function pctDecode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw configError(KEY, `${what} has a bad percent-encoding`);
  }
}
