import t from 'tap';
import { decodeSip008, encodeSip008, pickSip008Server, sip008LocalSettings } from '../../../lib/config/sip008.js';
import { listSharedServers, shareEntryOf } from '../../../lib/config/share-list.js';

const good = { id: '27b8a625-4f4b-4428-9f0f-8a2317db7c79', remarks: 'Server 1', server: '198.51.100.1', server_port: 8388, password: 'pw', method: 'aes-256-gcm' };

t.test('writes version 1 with every server, the plugin only where there is one, and reads it back', async (t) => {
  const { servers } = listSharedServers([
    shareEntryOf({ port: 8001, password: 'a' }),
    { ...shareEntryOf({ port: 8002, password: 'b', method: 'aes-128-gcm' }), plugin: 'obfs-server', pluginOpts: 'obfs=http' },
  ], 'ss.example.test');
  const doc = encodeSip008(servers);
  t.equal(doc.version, 1);
  t.same(Object.keys(doc.servers[0]!), ['id', 'remarks', 'server', 'server_port', 'password', 'method']);
  t.match(doc.servers[1], { server: 'ss.example.test', server_port: 8002, password: 'b', method: 'aes-128-gcm', plugin: 'obfs-local', plugin_opts: 'obfs=http' });
  const read = decodeSip008(JSON.parse(JSON.stringify(doc)));
  t.same(read.map((s) => [s.remarks, s.server, s.serverPort, s.password, s.method, s.plugin, s.pluginOpts]), [
    ['ss-stream-server 8001', 'ss.example.test', 8001, 'a', 'chacha20-ietf-poly1305', undefined, undefined],
    ['ss-stream-server 8002', 'ss.example.test', 8002, 'b', 'aes-128-gcm', 'obfs-local', 'obfs=http'],
  ]);
});

t.test('reads the SIP008 example shape, ignoring custom fields and empty plugins', async (t) => {
  const doc = { version: 1, servers: [{ ...good, plugin: '', plugin_opts: '', custom_field: 1 }], bytes_used: 274877906944, bytes_remaining: 824633720832, custom: 'x' };
  t.same(decodeSip008(doc), [{ server: '198.51.100.1', serverPort: 8388, password: 'pw', method: 'aes-256-gcm', id: good.id, remarks: 'Server 1' }]);
});

t.test('refuses a bad document, naming the field and never the password', async (t) => {
  const bad: [unknown, RegExp][] = [
    [[], /^document: must be a JSON object/],
    [{ servers: [good] }, /^version: must be 1, got undefined/],
    [{ version: 2, servers: [good] }, /^version: must be 1, got number 2/],
    [{ version: 1 }, /^servers: must be an array/],
    [{ version: 1, servers: [] }, /^servers: must list at least one server/],
    [{ version: 1, servers: [good, 'x'] }, /^servers\[1\]: must be an object/],
    [{ version: 1, servers: [{ ...good, server_port: '8388' }] }, /^servers\[0\]\.server_port: must be an integer/],
    [{ version: 1, servers: [{ ...good, server_port: 0 }] }, /^servers\[0\]\.server_port: must be between 1 and 65535/],
    [{ version: 1, servers: [{ ...good, server: ' ' }] }, /^servers\[0\]\.server: must not be empty/],
    [{ version: 1, servers: [{ ...good, password: undefined }] }, /^servers\[0\]\.password: is required/],
    [{ version: 1, servers: [{ ...good, password: 7 }] }, /^servers\[0\]\.password: must be a string, got number$/],
    [{ version: 1, servers: [{ ...good, method: 'rc5' }] }, /^servers\[0\]\.method: unknown method 'rc5'/],
    [{ version: 1, servers: [{ ...good, remarks: 5 }] }, /^servers\[0\]\.remarks: must be a string/],
    [{ version: 1, servers: [{ ...good, plugin: 1 }] }, /^servers\[0\]\.plugin: must be a string/],
    [{ version: 1, servers: [{ ...good, plugin_opts: 'obfs=http' }] }, /^servers\[0\]\.plugin_opts: is given without a plugin/],
    [{ version: 1, servers: [good], bytes_remaining: 5 }, /^bytes_remaining: must not appear without bytes_used/],
    [{ version: 1, servers: [good], bytes_used: -1 }, /^bytes_used: must be between 0/],
  ];
  for (const [doc, message] of bad) {
    const err = t.throws(() => decodeSip008(doc), { code: 'ERR_SS_CONFIG', message }) as Error;
    t.notMatch(err?.message ?? '', /\bpw\b/, 'no password in the message');
  }
});

t.test('picks the first server, or the one whose remarks or id is the tag', async (t) => {
  const servers = decodeSip008({ version: 1, servers: [good, { ...good, id: 'b-id', remarks: 'Server 2', server_port: 9 }] });
  t.equal(pickSip008Server(servers, undefined).index, 0);
  t.equal(pickSip008Server(servers, 'Server 2').server.serverPort, 9);
  t.equal(pickSip008Server(servers, 'b-id').index, 1);
  t.throws(() => pickSip008Server(servers, 'nope'), { message: /^--server-tag: no server has remarks or id 'nope' \(the document has: 'Server 1', 'Server 2'\)/ });
});

t.test('gives a local the plugin of the server it picked, and refuses options without a plugin', async (t) => {
  const [server] = decodeSip008({ version: 1, servers: [{ ...good, plugin: 'obfs-local', plugin_opts: 'obfs=tls' }] });
  t.match(sip008LocalSettings(server!, 'servers[0]'), { server: good.server, plugin: 'obfs-local', pluginOpts: 'obfs=tls' });
  t.notOk('plugin' in sip008LocalSettings({ ...server!, plugin: undefined, pluginOpts: undefined }, 'servers[0]'), 'no plugin, none given');
  t.throws(() => sip008LocalSettings({ ...server!, plugin: undefined }, 'servers[0]'), /servers\[0\]\.plugin: plugin options are given without a plugin/);
});
