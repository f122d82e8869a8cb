import t from 'tap';
import { decodeSip002, encodeSip002 } from '../../../lib/config/sip002.js';

t.test('decodes the three examples of SIP002 (PROTOCOL.md section 5)', async (t) => {
  t.same(decodeSip002('ss://YWVzLTEyOC1nY206dGVzdA@192.168.100.1:8888#Example1'), {
    method: 'aes-128-gcm', password: 'test', host: '192.168.100.1', port: 8888, tag: 'Example1',
  });
  t.same(decodeSip002('ss://cmM0LW1kNTpwYXNzd2Q@192.168.100.1:8888/?plugin=obfs-local%3Bobfs%3Dhttp#Example2'), {
    method: 'rc4-md5', password: 'passwd', host: '192.168.100.1', port: 8888, plugin: 'obfs-local;obfs=http', tag: 'Example2',
  });
  t.same(decodeSip002('ss://2022-blake3-aes-256-gcm:YctPZ6U7xPPcU%2Bgp3u%2B0tx%2FtRizJN9K8y%2BuKlW2qjlI%3D@192.168.100.1:8888#Example3'), {
    method: '2022-blake3-aes-256-gcm', password: 'YctPZ6U7xPPcU+gp3u+0tx/tRizJN9K8y+uKlW2qjlI=', host: '192.168.100.1', port: 8888, tag: 'Example3',
  });
});

t.test('encodes base64url userinfo without padding, and round-trips', async (t) => {
  const uri = encodeSip002({ method: 'aes-128-gcm', password: 'test', host: '192.168.100.1', port: 8888, tag: 'Example1' });
  t.equal(uri, 'ss://YWVzLTEyOC1nY206dGVzdA@192.168.100.1:8888#Example1', 'matches the SIP002 example');
  const cases = [
    { method: 'chacha20-ietf-poly1305', password: 'p@ss:w/o+rd?#=%é', host: 'example.com', port: 1 },
    { method: 'aes-256-gcm', password: '>>>???', host: '::1', port: 65535, tag: 'my server #1 / ünï' },
    { method: 'xchacha20-ietf-poly1305', password: 'x', host: '2001:db8::1', port: 8388, tag: '' },
  ];
  for (const c of cases) {
    const encoded = encodeSip002(c);
    t.notMatch(encoded.slice(5).split('@')[0], /[=+/]/, 'userinfo is unpadded base64url');
    t.same(decodeSip002(encoded), c, encoded);
  }
  t.match(encodeSip002({ method: 'aes-128-gcm', password: 'x', host: '::1', port: 1 }), /@\[::1\]:1$/, 'IPv6 in brackets');
});

t.test('encodes 2022 methods with plain percent-encoded userinfo', async (t) => {
  const server = { method: '2022-blake3-aes-256-gcm', password: 'YctPZ6U7xPPcU+gp3u+0tx/tRizJN9K8y+uKlW2qjlI=', host: '192.168.100.1', port: 8888, tag: 'Example3' };
  const uri = encodeSip002(server);
  t.equal(uri, 'ss://2022-blake3-aes-256-gcm:YctPZ6U7xPPcU%2Bgp3u%2B0tx%2FtRizJN9K8y%2BuKlW2qjlI%3D@192.168.100.1:8888#Example3');
  t.same(decodeSip002(uri), server);
});

t.test('encodes a plugin as the /?plugin= parameter, as the SIP002 example writes it', async (t) => {
  const server = { method: 'rc4-md5', password: 'passwd', host: '192.168.100.1', port: 8888, plugin: 'obfs-local;obfs=http', tag: 'Example2' };
  t.equal(encodeSip002(server), 'ss://cmM0LW1kNTpwYXNzd2Q@192.168.100.1:8888/?plugin=obfs-local%3Bobfs%3Dhttp#Example2');
  const v2ray = { method: '2022-blake3-aes-128-gcm', password: 'AAAAAAAAAAAAAAAAAAAAAA==', host: 'ss.example.test', port: 443, plugin: 'v2ray-plugin;tls;host=ss.example.test;path=/a\\;b' };
  t.same(decodeSip002(encodeSip002(v2ray)), v2ray, 'round-trips escapes and a 2022 userinfo');
  t.notMatch(encodeSip002({ ...server, plugin: '' }), /plugin/, 'an empty plugin is left out');
});

t.test('decodes padded, standard and percent-encoded base64 userinfo', async (t) => {
  const b64 = Buffer.from('aes-256-gcm:a?b>c').toString('base64'); // has '/' and '='
  t.match(b64, /[/=]/);
  const want = { method: 'aes-256-gcm', password: 'a?b>c', host: 'h', port: 1 };
  t.same(decodeSip002(`ss://${b64}@h:1`), want, 'standard alphabet with padding');
  t.same(decodeSip002(`ss://${encodeURIComponent(b64)}@h:1`), want, 'padding as %3D');
  t.same(decodeSip002(`SS://${Buffer.from('aes-256-gcm:a?b>c').toString('base64url')}@h:1/`), want, 'scheme in upper case, trailing slash');
});

t.test('decodes the legacy whole-base64 form', async (t) => {
  const legacy = `ss://${Buffer.from('aes-256-gcm:pa@ss@192.0.2.1:8388').toString('base64')}#old%20one`;
  t.same(decodeSip002(legacy), { method: 'aes-256-gcm', password: 'pa@ss', host: '192.0.2.1', port: 8388, tag: 'old one' });
  const v6 = `ss://${Buffer.from('aes-128-gcm:pw@[2001:db8::2]:443').toString('base64url')}`;
  t.same(decodeSip002(v6), { method: 'aes-128-gcm', password: 'pw', host: '2001:db8::2', port: 443 });
  t.throws(() => decodeSip002(`ss://${Buffer.from('aes-128-gcm:pw').toString('base64')}`), { code: 'ERR_SS_CONFIG', message: /has no @host:port/ });
});

t.test('ignores unknown query parameters and defaults the port to 8388', async (t) => {
  t.same(decodeSip002('ss://YWVzLTEyOC1nY206dGVzdA@h?group=x&outline=1&plugin'), { method: 'aes-128-gcm', password: 'test', host: 'h', port: 8388, plugin: '' });
  t.same(decodeSip002('ss://YWVzLTEyOC1nY206dGVzdA@h:9/?foo=bar'), { method: 'aes-128-gcm', password: 'test', host: 'h', port: 9 });
  t.same(decodeSip002('ss://aes-128-gcm:te%3Ast@my%2Dhost:9'), { method: 'aes-128-gcm', password: 'te:st', host: 'my-host', port: 9 }, 'plain userinfo');
});

t.test('refuses malformed URIs with ERR_SS_CONFIG, without quoting the password', async (t) => {
  const bad: [string, RegExp][] = [
    ['http://YWVzLTEyOC1nY206dGVzdA@h:1', /must start with ss:\/\//],
    ['ss://YWVzLTEyOC1nY206dGVzdA@:1', /empty host/],
    ['ss://YWVzLTEyOC1nY206dGVzdA@h:0', /port must be between 1 and 65535/],
    ['ss://YWVzLTEyOC1nY206dGVzdA@h:65536', /port must be between 1 and 65535/],
    ['ss://YWVzLTEyOC1nY206dGVzdA@h:', /port must be between 1 and 65535/],
    ['ss://YWVzLTEyOC1nY206dGVzdA@h:x', /malformed host:port/],
    ['ss://YWVzLTEyOC1nY206dGVzdA@::1:8', /malformed host:port/],
    ['ss://YWVzLTEyOC1nY206dGVzdA@[nope]:8', /bracketed host that is not an IPv6/],
    ['ss://c2VjcmV0@h:1', /userinfo has no method:password/],
    ['ss://s3cret!!@h:1', /neither method:password nor base64/],
    ['ss://:s3cret@h:1', /empty method/],
    ['ss://aes-128-gcm:@h:1', /empty password/],
    ['ss://aes-128-gcm:s3cret%zz@h:1', /password has a bad percent-encoding/],
    ['ss://aes-128-gcm:s3cret%FF@h:1', /password has a bad percent-encoding/],
    [`ss://${Buffer.concat([Buffer.from('aes-128-gcm:s3cret'), Buffer.of(0xff)]).toString('base64url')}@h:1`, /userinfo is not valid UTF-8 text, and a secret is never altered/],
    ['ss://aes-128-gcm:s3cret@h:1#%E0%A4%A', /tag has a bad percent-encoding/],
    ['ss://aes-128-gcm:s3cret@h:1?plugin=%', /plugin has a bad percent-encoding/],
  ];
  for (const [uri, message] of bad) {
    const err = t.throws(() => decodeSip002(uri), { code: 'ERR_SS_CONFIG', message }, uri) as Error;
    t.notMatch(err.message, /s3cret/, 'the password is not quoted');
  }
  t.throws(() => decodeSip002(42 as unknown as string), { code: 'ERR_SS_CONFIG', message: /^uri: must be a string/ });
});

t.test('refuses to encode what no URI can carry', async (t) => {
  const ok = { method: 'aes-128-gcm', password: 'x', host: 'h', port: 1 };
  t.throws(() => encodeSip002({ ...ok, method: '' }), { code: 'ERR_SS_CONFIG', message: /^method:/ });
  t.throws(() => encodeSip002({ ...ok, method: 'a:b' }), { code: 'ERR_SS_CONFIG', message: /^method:/ });
  t.throws(() => encodeSip002({ ...ok, host: '' }), { code: 'ERR_SS_CONFIG', message: /^host: must not be empty/ });
  t.throws(() => encodeSip002({ ...ok, port: 0 }), { code: 'ERR_SS_CONFIG', message: /^port: must be between 1 and 65535/ });
  t.throws(() => encodeSip002({ ...ok, password: 5 as unknown as string }), { code: 'ERR_SS_CONFIG', message: /^password: must be a string/ });
});
