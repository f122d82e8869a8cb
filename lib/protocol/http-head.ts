/**
 * HTTP/1.x message heads (RFC 9112) for the local HTTP proxy: decoding a
 * complete head into its parts and encoding it back.
 *
 *   request   METHOD SP request-target SP HTTP/1.x CRLF     CONNECT host:port HTTP/1.1
 *             *( field-name ":" OWS field-value OWS CRLF )   GET http://host:port/path HTTP/1.1
 *             CRLF
 *   response  HTTP/1.x SP 3DIGIT SP reason-phrase CRLF  *( field CRLF )  CRLF
 *
 * Strict where leniency lets two parsers disagree about where a message ends
 * (request smuggling, RFC 9112 section 11.2): no whitespace before the colon,
 * no obsolete line folding, no bare CR, no control characters in values.
 * Bare LF line ends are accepted (RFC 9112 section 2.2 allows it). Heads are
 * read as Latin-1, so every byte round-trips.
 */
import { SsError, type SsErrorCode } from '../errors.js';

/** A header field as received: the name keeps its case. */
export type HttpField = [name: string, value: string];

/** A decoded request head. */
export interface HttpRequestHead {
  method: string;
  /** The request-target as sent (absolute-form, authority-form or origin-form). */
  target: string;
  /** `'1.0'` or `'1.1'`. */
  version: string;
  fields: HttpField[];
}

/** A decoded response head. */
export interface HttpResponseHead {
  version: string;
  status: number;
  reason: string;
  fields: HttpField[];
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Field values: visible characters, SP, HTAB and obs-text; no CR, LF or NUL.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const REQUEST_TARGET = /^[\x21-\x7e]+$/;
const VERSION = /^HTTP\/1\.([01])$/;

function fail(code: SsErrorCode, problem: string): never {
  throw new SsError(code, `HTTP: ${problem}`);
}

/**
 * Decodes a request head (the bytes up to and including the empty line).
 * @throws SsError `ERR_SS_HTTP_BAD_REQUEST` naming the problem
 */
export function decodeHttpRequestHead(buf: Buffer): HttpRequestHead {
  const code = 'ERR_SS_HTTP_BAD_REQUEST';
  const [startLine, fields] = splitHead(buf, code);
  const parts = startLine.split(' ');
  if (parts.length !== 3) fail(code, 'request line is not "METHOD target HTTP/1.x"');
  const [method, target, version] = parts as [string, string, string];
  if (!TOKEN.test(method)) fail(code, 'bad method');
  if (!REQUEST_TARGET.test(target)) fail(code, 'bad request target');
  const v = VERSION.exec(version);
  if (v === null) fail(code, `unsupported version ${JSON.stringify(version.slice(0, 16))}`);
  return { method, target, version: `1.${v[1]}`, fields };
}

/**
 * Decodes a response head.
 * @throws SsError `ERR_SS_HTTP_BAD_RESPONSE` naming the problem
 */
export function decodeHttpResponseHead(buf: Buffer): HttpResponseHead {
  const code = 'ERR_SS_HTTP_BAD_RESPONSE';
  const [startLine, fields] = splitHead(buf, code);
  const m = /^HTTP\/1\.([01]) (\d{3})(?: ([\t\x20-\x7e\x80-\xff]*))?$/.exec(startLine);
  if (m === null) fail(code, 'bad status line');
  return { version: `1.${m[1]}`, status: Number(m[2]), reason: m[3] ?? '', fields };
}

function splitHead(buf: Buffer, code: SsErrorCode): [string, HttpField[]] {
  const lines = buf.toString('latin1').split('\n');
  // The head ends with an empty line, so the last two entries are '' (or '\r', '').
  const body: string[] = [];
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.includes('\r')) fail(code, 'bare CR in the head');
    body.push(line);
  }
  while (body.length > 0 && body[body.length - 1] === '') body.pop();
  if (body.length === 0) fail(code, 'empty head');
  const fields: HttpField[] = [];
  for (const line of body.slice(1)) fields.push(decodeField(line, code));
  return [body[0]!, fields];
}

function decodeField(line: string, code: SsErrorCode): HttpField {
  if (line.startsWith(' ') || line.startsWith('\t')) fail(code, 'obsolete line folding');
  const colon = line.indexOf(':');
  if (colon <= 0) fail(code, 'header line without a name and colon');
  const name = line.slice(0, colon);
  if (!TOKEN.test(name)) fail(code, `bad header name ${JSON.stringify(name.slice(0, 32))}`);
  const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
  if (!FIELD_VALUE.test(value)) fail(code, `control character in header ${name}`);
  return [name, value];
}

/** Every value of the fields named `name` (case-insensitive), in order. */
export function fieldValues(fields: readonly HttpField[], name: string): string[] {
  const lower = name.toLowerCase();
  return fields.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

/** The comma-separated tokens of every `name` field, lower-cased (`Connection: close, TE` → `['close', 'te']`). */
export function fieldTokens(fields: readonly HttpField[], name: string): string[] {
  return fieldValues(fields, name).flatMap((v) => v.split(',')).map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
}

/** Encodes a request head, ending with the empty line. */
export function encodeHttpRequestHead(head: HttpRequestHead): Buffer {
  return encode(`${head.method} ${head.target} HTTP/${head.version}`, head.fields);
}

/** Encodes a response head, ending with the empty line. */
export function encodeHttpResponseHead(head: HttpResponseHead): Buffer {
  return encode(`HTTP/${head.version} ${head.status} ${head.reason}`, head.fields);
}

function encode(startLine: string, fields: readonly HttpField[]): Buffer {
  let text = `${startLine}\r\n`;
  for (const [name, value] of fields) text += `${name}: ${value}\r\n`;
  return Buffer.from(`${text}\r\n`, 'latin1');
}
