import t from 'tap';
import { listSharedServers, shareEntryOf } from '../../../lib/config/share-list.js';
import { parseConfigFile } from '../../../lib/config/server-config-file.js';
import { decodeSip002 } from '../../../lib/config/sip002.js';

const psk = (n: number, fill: number): string => Buffer.alloc(n, fill).toString('base64');
const entriesOf = (json: object) => parseConfigFile(json).servers.map((s) => shareEntryOf(s));

t.test('lists every port of port_password, each named by its port', async (t) => {
  const { servers, warnings } = listSharedServers(entriesOf({ method: 'aes-256-gcm', port_password: { 8381: 'one', 8382: 'two' } }), '203.0.113.9');
  t.same(servers.map((s) => [s.remarks, s.host, s.port, s.method, s.password]), [
    ['ss-stream-server 8381', '203.0.113.9', 8381, 'aes-256-gcm', 'one'],
    ['ss-stream-server 8382', '203.0.113.9', 8382, 'aes-256-gcm', 'two'],
  ]);
  t.same(warnings, []);
});

t.test('a single port is named ss-stream-server, on the default port when none is set', async (t) => {
  const [s] = listSharedServers(entriesOf({ password: 'pw' }), 'ss.example.test').servers;
  t.match(s, { remarks: 'ss-stream-server', port: 8388, method: 'chacha20-ietf-poly1305', password: 'pw' });
  t.match(s!.id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a version 5 UUID');
  t.equal(listSharedServers(entriesOf({ password: 'other' }), 'ss.example.test').servers[0]!.id, s!.id, 'stable, and not derived from the password');
});

t.test('lists every AEAD user, and the top-level password as the user default', async (t) => {
  const { servers } = listSharedServers(entriesOf({ server_port: 9000, method: 'aes-128-gcm', password: 'top', users: [{ name: 'alice', password: 'a' }, { name: 'bob', password: 'b' }] }), 'h.test');
  t.same(servers.map((s) => [s.remarks, s.password]), [['ss-stream-server default', 'top'], ['ss-stream-server alice', 'a'], ['ss-stream-server bob', 'b']]);
  t.equal(new Set(servers.map((s) => s.id)).size, 3, 'one id per user');
});

t.test('AES 2022 users get iPSK:uPSK (SIP023); ChaCha 2022 users their own PSK', async (t) => {
  const ipsk = psk(32, 1);
  const alice = psk(32, 2);
  const bobUrlSafe = Buffer.alloc(32, 0xfb).toString('base64url');
  const aes = listSharedServers(entriesOf({ method: '2022-blake3-aes-256-gcm', password: ipsk, users: [{ name: 'alice', password: alice }, { name: 'bob', key: bobUrlSafe }] }), 'h.test').servers;
  t.same(aes.map((s) => [s.remarks, s.password]), [['ss-stream-server alice', `${ipsk}:${alice}`], ['ss-stream-server bob', `${ipsk}:${psk(32, 0xfb)}`]], 'standard base64, whatever alphabet was written');
  const uri = decodeSip002(`ss://2022-blake3-aes-256-gcm:${encodeURIComponent(aes[0]!.password)}@h.test:8388`);
  t.equal(uri.password, `${ipsk}:${alice}`);
  const chacha = listSharedServers(entriesOf({ method: '2022-blake3-chacha20-poly1305', users: [{ name: 'carol', password: psk(32, 3) }] }), 'h.test').servers;
  t.same(chacha.map((s) => s.password), [psk(32, 3)]);
  const single = listSharedServers(entriesOf({ method: '2022-blake3-aes-128-gcm', key: psk(16, 4) }), 'h.test').servers;
  t.same(single.map((s) => s.password), [psk(16, 4)], 'a 2022 key is its password');
});

t.test('a raw AEAD key is left out with a warning that shows no secret', async (t) => {
  const key = psk(32, 9);
  const { servers, warnings } = listSharedServers(entriesOf({ method: 'aes-256-gcm', port_password: { 8001: { key }, 8002: 'pw' } }), 'h.test');
  t.same(servers.map((s) => s.port), [8002]);
  t.match(warnings, [/^port 8001: key is a raw key, which a client cannot take as a password: not shared/]);
  t.notMatch(warnings.join(''), key);
});

t.test('converts the server plugin to the client one', async (t) => {
  const entry = { ...shareEntryOf({ password: 'pw', port: 443 }), plugin: 'obfs-server', pluginOpts: 'obfs=tls;failover=127.0.0.1:8443' };
  t.same(listSharedServers([entry], 'h.test').servers[0]!.plugin, { plugin: 'obfs-local', pluginOpts: 'obfs=tls' });
  const fromSettings = shareEntryOf({ password: 'pw', plugin: 'ss-v2ray-plugin', pluginOpts: 'server;path=/ws' } as never);
  t.match(fromSettings, { plugin: 'ss-v2ray-plugin', pluginOpts: 'server;path=/ws' }, 'read from settings fields when present');
  const unknown = listSharedServers([{ ...entry, plugin: 'my-plugin', pluginOpts: 'x=1' }], 'h.test');
  t.same(unknown.servers[0]!.plugin, { plugin: 'my-plugin', pluginOpts: 'x=1' });
  t.match(unknown.warnings, [/^port 443: plugin 'my-plugin': not known here/]);
});

t.test('refuses what cannot be shared, naming it', async (t) => {
  t.throws(() => listSharedServers([shareEntryOf({ password: 'pw', port: 0 })], 'h.test'), { code: 'ERR_SS_CONFIG', message: /^port: 0 cannot be shared/ });
  t.throws(() => listSharedServers([shareEntryOf({ method: '2022-blake3-aes-128-gcm', password: 'short' })], 'h.test'), { message: /^password: must be a base64 key/ });
  t.throws(() => listSharedServers([shareEntryOf({ method: '2022-blake3-aes-128-gcm', users: [{ name: 'a', password: psk(16, 1) }] })], 'h.test'), { message: /^password: is required with users/ });
  t.match(listSharedServers([shareEntryOf({})], 'h.test'), { servers: [], warnings: [/nothing to share/] });
});
