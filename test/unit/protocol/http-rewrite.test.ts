import t from 'tap';
import { decodeHttpRequestHead, decodeHttpResponseHead, encodeHttpRequestHead, encodeHttpResponseHead } from '../../../lib/protocol/http-head.js';
import {
  clientWantsKeepAlive,
  encodeProxyErrorResponse,
  proxyAuthorizationMatches,
  toClientResponse,
  toOriginRequest,
} from '../../../lib/protocol/http-rewrite.js';
import { decodeHttpForwardTarget } from '../../../lib/protocol/http-target.js';

const reqHead = (text: string) => decodeHttpRequestHead(Buffer.from(text));

t.test('rewrites a proxy request to origin-form, replacing Host and hop-by-hop fields', async (t) => {
  const head = reqHead('GET http://echo.test:8080/p?q HTTP/1.1\r\nHost: wrong\r\nProxy-Connection: keep-alive\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: 5\r\nProxy-Authorization: Basic eA==\r\nTE: trailers\r\nUpgrade: websocket\r\nTransfer-Encoding: chunked\r\nAccept: */*\r\n\r\n');
  const out = encodeHttpRequestHead(toOriginRequest(head, decodeHttpForwardTarget(head.target))).toString();
  t.equal(out, 'GET /p?q HTTP/1.1\r\nHost: echo.test:8080\r\nTransfer-Encoding: chunked\r\nAccept: */*\r\nConnection: close\r\n\r\n');
});

t.test('keeps the client version', async (t) => {
  const head = reqHead('GET http://a.test/ HTTP/1.0\r\n\r\n');
  t.match(encodeHttpRequestHead(toOriginRequest(head, decodeHttpForwardTarget(head.target))).toString(), /^GET \/ HTTP\/1\.0\r\nHost: a\.test\r\n/);
});

t.test('decides whether the client wants keep-alive', async (t) => {
  t.ok(clientWantsKeepAlive(reqHead('GET http://a/ HTTP/1.1\r\n\r\n')));
  t.notOk(clientWantsKeepAlive(reqHead('GET http://a/ HTTP/1.1\r\nConnection: close\r\n\r\n')));
  t.notOk(clientWantsKeepAlive(reqHead('GET http://a/ HTTP/1.1\r\nProxy-Connection: Close\r\n\r\n')));
  t.notOk(clientWantsKeepAlive(reqHead('GET http://a/ HTTP/1.0\r\n\r\n')));
  t.ok(clientWantsKeepAlive(reqHead('GET http://a/ HTTP/1.0\r\nProxy-Connection: keep-alive\r\n\r\n')));
});

t.test('gives the client a response with our own Connection field', async (t) => {
  const head = decodeHttpResponseHead(Buffer.from('HTTP/1.1 200 OK\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\nContent-Length: 2\r\n\r\n'));
  t.equal(encodeHttpResponseHead(toClientResponse(head, true)).toString(), 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n');
  t.match(encodeHttpResponseHead(toClientResponse(head, false)).toString(), /Connection: close\r\n\r\n$/);
});

t.test('checks Basic proxy credentials', async (t) => {
  const good = Buffer.from('user:pass').toString('base64');
  const creds = { username: 'user', password: 'pass' };
  t.ok(proxyAuthorizationMatches(reqHead(`GET http://a/ HTTP/1.1\r\nProxy-Authorization: basic ${good}\r\n\r\n`), creds));
  t.notOk(proxyAuthorizationMatches(reqHead(`GET http://a/ HTTP/1.1\r\nProxy-Authorization: Basic ${Buffer.from('user:nope').toString('base64')}\r\n\r\n`), creds));
  t.notOk(proxyAuthorizationMatches(reqHead(`GET http://a/ HTTP/1.1\r\nAuthorization: Basic ${good}\r\n\r\n`), creds));
});

t.test('writes complete error responses', async (t) => {
  const text = encodeProxyErrorResponse(407, 'no', [['Proxy-Authenticate', 'Basic realm="x"']]).toString();
  t.equal(text, 'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 38\r\nProxy-Authenticate: Basic realm="x"\r\nConnection: close\r\n\r\n407 Proxy Authentication Required: no\n');
  t.match(encodeProxyErrorResponse(599, 'x').toString(), /^HTTP\/1\.1 599 Error\r\n/);
});
