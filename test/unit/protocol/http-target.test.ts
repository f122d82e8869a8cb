import t from 'tap';
import { decodeHttpAuthority, decodeHttpForwardTarget } from '../../../lib/protocol/http-target.js';

t.test('decodes CONNECT authorities', async (t) => {
  t.same(decodeHttpAuthority('127.0.0.1:443'), { type: 'ipv4', host: '127.0.0.1', port: 443 });
  t.same(decodeHttpAuthority('[::1]:8080'), { type: 'ipv6', host: '::1', port: 8080 });
  t.same(decodeHttpAuthority('Echo.Test:1'), { type: 'domain', host: 'echo.test', port: 1 });
  t.same(decodeHttpAuthority('echo.test', 80), { type: 'domain', host: 'echo.test', port: 80 });
  for (const bad of ['echo.test', 'echo.test:', 'echo.test:0', 'echo.test:65536', '[::1]', '[zz::1]:80', '::1:80', 'a b:80', 'user@host:80', '']) {
    t.throws(() => decodeHttpAuthority(bad), { code: 'ERR_SS_HTTP_BAD_REQUEST' }, JSON.stringify(bad));
  }
});

t.test('decodes absolute-form http targets', async (t) => {
  t.same(decodeHttpForwardTarget('http://echo.test:8080/a/b?c=d'), { address: { type: 'domain', host: 'echo.test', port: 8080 }, path: '/a/b?c=d', authority: 'echo.test:8080' });
  t.same(decodeHttpForwardTarget('HTTP://127.0.0.1'), { address: { type: 'ipv4', host: '127.0.0.1', port: 80 }, path: '/', authority: '127.0.0.1' });
  t.same(decodeHttpForwardTarget('http://[::1]:81?q'), { address: { type: 'ipv6', host: '::1', port: 81 }, path: '/?q', authority: '[::1]:81' });
  t.equal(decodeHttpForwardTarget('http://a.test/x#frag').path, '/x');
  for (const bad of ['/origin-form', '*', 'https://a.test/', 'ftp://a.test/', 'http://user:pw@a.test/', 'http:///path', 'http://a.test:99999/']) {
    t.throws(() => decodeHttpForwardTarget(bad), { code: 'ERR_SS_HTTP_BAD_REQUEST' }, JSON.stringify(bad));
  }
});
