import t from 'tap';
import {
  decodeHttpRequestHead,
  decodeHttpResponseHead,
  encodeHttpRequestHead,
  encodeHttpResponseHead,
  fieldTokens,
  fieldValues,
} from '../../../lib/protocol/http-head.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

t.test('decodes a request head with CRLF or bare LF line ends', async (t) => {
  const expected = { method: 'GET', target: 'http://a.test/x', version: '1.1', fields: [['Host', 'a.test'], ['X-Y', 'v  w']] };
  t.same(decodeHttpRequestHead(b('GET http://a.test/x HTTP/1.1\r\nHost: a.test\r\nX-Y:  v  w \t\r\n\r\n')), expected);
  t.same(decodeHttpRequestHead(b('GET http://a.test/x HTTP/1.1\nHost: a.test\nX-Y: v  w\n\n')), expected);
  t.equal(decodeHttpRequestHead(b('CONNECT h:1 HTTP/1.0\r\n\r\n')).version, '1.0');
});

t.test('refuses malformed request heads with ERR_SS_HTTP_BAD_REQUEST', async (t) => {
  const bad = [
    'GET http://a/ HTTP/1.1 extra\r\n\r\n',
    'GET  http://a/ HTTP/1.1\r\n\r\n',
    'GET http://a/ HTTP/2.0\r\n\r\n',
    'GET http://a/ http/1.1\r\n\r\n',
    'G(T http://a/ HTTP/1.1\r\n\r\n',
    'GET http://a/\x7f HTTP/1.1\r\n\r\n',
    'GET http://a/ HTTP/1.1\r\nHost : a\r\n\r\n',
    'GET http://a/ HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n',
    'GET http://a/ HTTP/1.1\r\nNoColon\r\n\r\n',
    'GET http://a/ HTTP/1.1\r\n: empty-name\r\n\r\n',
    'GET http://a/ HTTP/1.1\r\nX: a\rb\r\n\r\n',
    'GET http://a/ HTTP/1.1\r\nX: a\x00b\r\n\r\n',
    '\r\n\r\n',
  ];
  for (const text of bad) t.throws(() => decodeHttpRequestHead(b(text)), { code: 'ERR_SS_HTTP_BAD_REQUEST' }, JSON.stringify(text));
});

t.test('decodes response heads, with or without a reason phrase', async (t) => {
  t.same(decodeHttpResponseHead(b('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n')), { version: '1.1', status: 200, reason: 'OK', fields: [['Content-Length', '5']] });
  t.same(decodeHttpResponseHead(b('HTTP/1.0 204\r\n\r\n')), { version: '1.0', status: 204, reason: '', fields: [] });
  t.equal(decodeHttpResponseHead(b('HTTP/1.1 404 Not  Found\r\n\r\n')).reason, 'Not  Found');
  for (const text of ['HTTP/1.1 20 OK\r\n\r\n', 'HTTP/1.1 OK\r\n\r\n', 'ICY 200 OK\r\n\r\n', 'HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n']) {
    t.throws(() => decodeHttpResponseHead(b(text)), { code: 'ERR_SS_HTTP_BAD_RESPONSE' }, JSON.stringify(text));
  }
});

t.test('finds field values and tokens case-insensitively', async (t) => {
  const fields: [string, string][] = [['Connection', 'Keep-Alive, TE'], ['connection', 'close'], ['Host', 'x']];
  t.same(fieldValues(fields, 'CONNECTION'), ['Keep-Alive, TE', 'close']);
  t.same(fieldTokens(fields, 'connection'), ['keep-alive', 'te', 'close']);
  t.same(fieldTokens(fields, 'upgrade'), []);
});

t.test('encodes heads back to bytes', async (t) => {
  t.equal(encodeHttpRequestHead({ method: 'GET', target: '/', version: '1.1', fields: [['Host', 'a']] }).toString(), 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  t.equal(encodeHttpResponseHead({ version: '1.0', status: 200, reason: 'OK', fields: [] }).toString(), 'HTTP/1.0 200 OK\r\n\r\n');
});
