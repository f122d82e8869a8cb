import t from 'tap';
import { resolveUsers, toUsers } from '../../../lib/config/server-users.js';
import { evpBytesToKey } from '../../../lib/crypto/kdf.js';
import { getMethod } from '../../../lib/crypto/methods.js';

const aead = getMethod('aes-128-gcm')!;
const aes2022 = getMethod('2022-blake3-aes-128-gcm')!;
const chacha2022 = getMethod('2022-blake3-chacha20-poly1305')!;
const psk16 = (n: number): string => Buffer.alloc(16, n).toString('base64');
const psk32 = (n: number): string => Buffer.alloc(32, n).toString('base64');

t.test('toUsers accepts name with password or key, and refuses the rest naming the entry', async (t) => {
  t.same(toUsers([{ name: 'a', password: 'p' }, { name: 'b', key: 'k' }], 'users'), [{ name: 'a', password: 'p' }, { name: 'b', key: 'k' }]);
  const bad: [unknown, RegExp][] = [
    [[], /^users: must list at least one user$/],
    [['a'], /^users\[0\]: must be an object/],
    [[{ name: '', password: 'p' }], /^users\[0\]\.name: must not be empty$/],
    [[{ name: 5, password: 'p' }], /^users\[0\]\.name: must be a string/],
    [[{ name: 'a\n', password: 'p' }], /^users\[0\]\.name: must not contain control characters$/],
    [[{ name: 'x'.repeat(129), password: 'p' }], /^users\[0\]\.name: must be at most 128 characters$/],
    [[{ name: 'a', password: 'p' }, { name: 'a', password: 'q' }], /^users\[1\]\.name: 'a' is listed twice$/],
    [[{ name: 'a' }], /^users\[0\]: needs exactly one of password and key$/],
    [[{ name: 'a', password: 'p', key: 'k' }], /^users\[0\]: needs exactly one of password and key$/],
    [[{ name: 'a', password: '' }], /^users\[0\]\.password: must not be empty$/],
    [[{ name: 'a', password: 'p', limit: 3 }], /^users\[0\]\.limit: unknown key/],
  ];
  for (const [v, message] of bad) t.throws(() => toUsers(v, 'users'), { code: 'ERR_SS_CONFIG', message }, JSON.stringify(v));
});

t.test('a mistyped password is named by its type, never echoed', async (t) => {
  t.throws(() => toUsers([{ name: 'a', password: 12345678 }], 'users'), { message: 'users[0].password: must be a string, got number' });
  const err = t.throws(() => resolveUsers(aes2022, psk16(9), undefined, [{ name: 'a', password: 'c2VjcmV0LXNlY3JldA' }]), { message: /^users\[0\]\.password: must be a base64 key of exactly 16 bytes/ }) as Error;
  t.notMatch(err.message, /c2VjcmV0/, 'the wrong PSK is not in the message');
});

t.test('AEAD: the users are the keys; a top-level password adds the user default, first', async (t) => {
  const key = (pw: string): string => evpBytesToKey(pw, 16).toString('base64');
  t.same(resolveUsers(aead, undefined, undefined, [{ name: 'a', password: 'pa' }]), { users: [{ name: 'a', key: key('pa') }] });
  t.same(resolveUsers(aead, 'top', undefined, [{ name: 'a', password: 'pa' }]), { users: [{ name: 'default', key: key('top') }, { name: 'a', key: key('pa') }] });
  t.throws(() => resolveUsers(aead, 'top', undefined, [{ name: 'default', password: 'pa' }]), { message: /^users\[0\]\.name: 'default' is the name of the top-level password's user/ });
  t.throws(() => resolveUsers(aead, undefined, undefined, undefined), { message: 'password: is required' });
});

t.test('two users may not share a key, whichever way it is written', async (t) => {
  t.throws(() => resolveUsers(aead, undefined, undefined, [{ name: 'a', password: 'same' }, { name: 'b', key: evpBytesToKey('same', 16).toString('base64') }]), { message: 'users[1]: has the same key as users[0]' });
  t.throws(() => resolveUsers(aead, 'same', undefined, [{ name: 'a', password: 'x' }, { name: 'b', password: 'same' }]), { message: 'users[1]: has the same key as the top-level password' });
});

t.test('2022 AES: the top-level password is the identity PSK, required with users, and no user', async (t) => {
  t.same(resolveUsers(aes2022, psk16(9), undefined, [{ name: 'a', password: psk16(1) }]), { users: [{ name: 'a', key: psk16(1) }], identityKey: psk16(9) });
  t.throws(() => resolveUsers(aes2022, undefined, undefined, [{ name: 'a', password: psk16(1) }]), { message: /^password: is required with users and 2022-blake3-aes-128-gcm: the server's identity PSK/ });
  t.throws(() => resolveUsers(aes2022, psk16(9), undefined, [{ name: 'a', password: psk32(1) }]), { message: /^users\[0\]\.password: must be a base64 key of exactly 16 bytes .* it decodes to 32 bytes$/ });
  t.same(resolveUsers(aes2022, psk16(9), undefined, undefined), { users: [{ name: 'default', key: psk16(9) }] }, 'without users: one user, as before');
});

t.test('2022 ChaCha has no identity headers: its users are told apart as AEAD ones are', async (t) => {
  t.same(resolveUsers(chacha2022, psk32(9), undefined, [{ name: 'a', password: psk32(1) }]), { users: [{ name: 'default', key: psk32(9) }, { name: 'a', key: psk32(1) }] });
  t.same(resolveUsers(chacha2022, undefined, undefined, [{ name: 'a', key: psk32(1) }]), { users: [{ name: 'a', key: psk32(1) }] });
});

t.test('users may carry limits: max_connections and rate_limit in a file, maxConnections and rateLimit in the API', async (t) => {
  t.same(toUsers([{ name: 'a', password: 'p', max_connections: 3, rate_limit: 1000 }], 'users', 'file'), [{ name: 'a', password: 'p', maxConnections: 3, rateLimit: 1000 }]);
  t.same(toUsers([{ name: 'a', password: 'p', maxConnections: 3, rateLimit: 1000 }], 'users', 'option'), [{ name: 'a', password: 'p', maxConnections: 3, rateLimit: 1000 }]);
  t.throws(() => toUsers([{ name: 'a', password: 'p', maxConnections: 3 }], 'users', 'file'), { message: /^users\[0\]\.maxConnections: unknown key \(a user has name, password or key, max_connections, rate_limit and outbound_proxy\)$/ });
  t.throws(() => toUsers([{ name: 'a', password: 'p', rate_limit: 3 }], 'users', 'option'), { message: /^users\[0\]\.rate_limit: unknown key/ });
  const bad: [unknown, RegExp][] = [
    [0, /^users\[0\]\.max_connections: must be between 1 and 1048576, got 0$/],
    [1.5, /^users\[0\]\.max_connections: must be an integer, got number 1.5$/],
    ['3', /^users\[0\]\.max_connections: must be an integer, got string "3"$/],
  ];
  for (const [v, message] of bad) t.throws(() => toUsers([{ name: 'a', password: 'p', max_connections: v }], 'users', 'file'), { code: 'ERR_SS_CONFIG', message });
  t.throws(() => toUsers([{ name: 'a', password: 'p', rate_limit: -1 }], 'users', 'file'), { message: /^users\[0\]\.rate_limit: must be between 1 and / });
  const key = evpBytesToKey('pa', 16).toString('base64');
  t.same(resolveUsers(aead, undefined, undefined, [{ name: 'a', password: 'pa', maxConnections: 2, rateLimit: 5 }]), { users: [{ name: 'a', key, maxConnections: 2, rateLimit: 5 }] });
});

t.test('users may carry an upstream proxy: outbound_proxy in a file, outboundProxy in the API, checked and never echoed', async (t) => {
  const url = 'socks5://me:s3cret@127.0.0.1:9050';
  t.same(toUsers([{ name: 'a', password: 'p', outbound_proxy: url }], 'users', 'file'), [{ name: 'a', password: 'p', outboundProxy: url }]);
  t.same(toUsers([{ name: 'a', password: 'p', outboundProxy: url }], 'users', 'option'), [{ name: 'a', password: 'p', outboundProxy: url }]);
  t.throws(() => toUsers([{ name: 'a', password: 'p', outbound_proxy: 'ftp://me:s3cret@127.0.0.1:21' }], 'users', 'file'), { code: 'ERR_SS_CONFIG', message: /^users\[0\]\.outbound_proxy: must start with socks5:\/\/ or http:\/\// });
  t.throws(() => toUsers([{ name: 'a', password: 'p', outboundProxy: 7 }], 'users', 'option'), { message: /^users\[0\]\.outboundProxy: must be a proxy URL string, got number 7$/ });
  try {
    toUsers([{ name: 'a', password: 'p', outbound_proxy: 'socks5://me:s3cret@127.0.0.1' }], 'users', 'file');
    t.fail('refused');
  } catch (err) {
    t.notMatch((err as Error).message, /s3cret/, 'the password is not in the error');
  }
  const key = evpBytesToKey('pa', 16).toString('base64');
  t.same(resolveUsers(aead, undefined, undefined, [{ name: 'a', password: 'pa', outboundProxy: url }]), { users: [{ name: 'a', key, outboundProxy: { protocol: 'socks5', host: '127.0.0.1', port: 9050, username: 'me', password: 's3cret' } }] });
});
