/**
 * How the HTTP proxy rewrites forwarded heads (RFC 9110 section 7.6,
 * RFC 9112 sections 3.2.2 and 9):
 *
 *   client ─▶ proxy   GET http://echo.test:8080/a?b HTTP/1.1      Host: whatever      Proxy-Connection: keep-alive
 *   proxy  ─▶ origin  GET /a?b HTTP/1.1                           Host: echo.test:8080 Connection: close
 *   origin ─▶ proxy   HTTP/1.1 200 OK                             Connection: close    Content-Length: 5
 *   proxy  ─▶ client  HTTP/1.1 200 OK                             Connection: keep-alive Content-Length: 5
 *
 * Each request gets its own connection to the origin (`Connection: close`),
 * while the client's connection is kept alive when the response length is
 * known. Hop-by-hop fields, and every field `Connection` names, are dropped
 * in both directions.
 */
import { fieldTokens, fieldValues, type HttpField, type HttpRequestHead, type HttpResponseHead } from './http-head.js';
import type { HttpForwardTarget } from './http-target.js';

// RFC 9110 section 7.6.1, plus the non-standard Proxy-Connection.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'upgrade']);

function endToEnd(fields: readonly HttpField[]): HttpField[] {
  const named = new Set(fieldTokens(fields, 'connection'));
  return fields.filter(([name]) => {
    const lower = name.toLowerCase();
    // Transfer-Encoding and Content-Length frame the body that is forwarded as is.
    if (lower === 'transfer-encoding' || lower === 'content-length') return true;
    return !HOP_BY_HOP.has(lower) && !named.has(lower);
  });
}

/**
 * True if the client wants its connection kept open after this exchange:
 * HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with `keep-alive`
 * (`Proxy-Connection` is read the same way, as browsers send it).
 */
export function clientWantsKeepAlive(head: HttpRequestHead): boolean {
  const tokens = [...fieldTokens(head.fields, 'connection'), ...fieldTokens(head.fields, 'proxy-connection')];
  if (tokens.includes('close')) return false;
  return head.version === '1.1' || tokens.includes('keep-alive');
}

/**
 * The request to send to the origin: origin-form target, `Host` set from
 * the absolute URI (RFC 9112 section 3.2.2: the received Host is replaced),
 * hop-by-hop fields dropped, `Connection: close` added.
 */
export function toOriginRequest(head: HttpRequestHead, target: HttpForwardTarget): HttpRequestHead {
  const fields = endToEnd(head.fields).filter(([name]) => name.toLowerCase() !== 'host');
  return {
    method: head.method,
    target: target.path,
    version: head.version,
    fields: [['Host', target.authority], ...fields, ['Connection', 'close']],
  };
}

/** The response head to give the client, with hop-by-hop fields replaced by our own `Connection`. */
export function toClientResponse(head: HttpResponseHead, keepAlive: boolean): HttpResponseHead {
  const fields = endToEnd(head.fields);
  fields.push(['Connection', keepAlive ? 'keep-alive' : 'close']);
  return { ...head, fields };
}

/** Checks `Proxy-Authorization: Basic base64(user:pass)` against the expected credentials. */
export function proxyAuthorizationMatches(head: HttpRequestHead, credentials: { username: string; password: string }): boolean {
  const expected = Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64');
  return fieldValues(head.fields, 'proxy-authorization').some((v) => {
    const m = /^basic\s+(\S+)$/i.exec(v);
    return m !== null && m[1] === expected;
  });
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * A complete response the proxy itself sends, closing the connection:
 * `HTTP/1.1 <status> <reason>` with a one-line text body.
 */
export function encodeProxyErrorResponse(status: number, message: string, extra: HttpField[] = []): Buffer {
  const body = `${status} ${REASONS[status] ?? 'Error'}: ${message}\n`;
  const fields: HttpField[] = [
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', String(Buffer.byteLength(body, 'utf8'))],
    ...extra,
    ['Connection', 'close'],
  ];
  let text = `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n`;
  for (const [n, v] of fields) text += `${n}: ${v}\r\n`;
  return Buffer.concat([Buffer.from(`${text}\r\n`, 'latin1'), Buffer.from(body, 'utf8')]);
}

/** The answer to a CONNECT that was tunnelled. */
export const HTTP_CONNECT_ESTABLISHED = Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n', 'latin1');
