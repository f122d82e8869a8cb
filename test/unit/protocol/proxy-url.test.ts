import t from 'tap';
import { formatProxyUrl, parseProxyUrl, redactProxyUrl } from '../../../lib/protocol/proxy-url.js';

t.test('parses socks5 and http URLs, with percent-decoded credentials and bracketed IPv6', async (t) => {
  t.same(parseProxyUrl('socks5://127.0.0.1:9050'), { protocol: 'socks5', host: '127.0.0.1', port: 9050 });
  t.same(parseProxyUrl('http://me%40corp:p%3Ass@[::1]:3128'), { protocol: 'http', host: '::1', port: 3128, username: 'me@corp', password: 'p:ss' });
  t.same(parseProxyUrl('http://proxy.test:8080/'), { protocol: 'http', host: 'proxy.test', port: 8080 });
  t.same(parseProxyUrl('http://user@proxy.test:8080'), { protocol: 'http', host: 'proxy.test', port: 8080, username: 'user', password: '' });
});

t.test('refuses what it cannot use, never echoing the URL', async (t) => {
  const bad = [
    'not a url s3cret',
    'https://u:s3cret@proxy.test:443',
    'socks4://u:s3cret@proxy.test:1080',
    'socks5://u:s3cret@proxy.test',
    'socks5://u:s3cret@proxy.test:1080/path',
    'socks5://u:s3cret@proxy.test:1080?x=1',
    'socks5://:s3cret@proxy.test:1080',
    'socks5://u@proxy.test:1080',
    `socks5://${'u'.repeat(256)}:s3cret@proxy.test:1080`,
    'socks5://u:%E0%A4%A@proxy.test:1080',
  ];
  for (const url of bad) {
    const r = parseProxyUrl(url);
    t.type(r, 'string', url.slice(0, 40));
    t.notMatch(r as string, /s3cret|proxy\.test/, 'the problem does not quote the URL');
  }
});

t.test('redacts credentials for printing and keeps them in the option form', async (t) => {
  const p = parseProxyUrl('socks5://me:p%40ss@[::1]:1080');
  if (typeof p === 'string') throw new Error(p);
  t.equal(redactProxyUrl(p), 'socks5://***@[::1]:1080');
  t.equal(formatProxyUrl(p), 'socks5://me:p%40ss@[::1]:1080');
  t.same(parseProxyUrl(formatProxyUrl(p)), p, 'round trip');
  t.equal(redactProxyUrl({ protocol: 'http', host: '127.0.0.1', port: 3128 }), 'http://127.0.0.1:3128');
});
