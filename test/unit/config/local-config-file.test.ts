import t, { type Test } from 'tap';
import { parseLocalConfigFile, readLocalConfigFile } from '../../../lib/config/local-config-file.js';

const refuses = (t: Test, json: unknown, message: RegExp): void => {
  t.throws(() => readLocalConfigFile(json), { code: 'ERR_SS_CONFIG', message }, String(message));
};

t.test('reads a config shared with the server: the server\'s keys warn once each, the client\'s are used', async (t) => {
  const cfg = readLocalConfigFile({
    server: '127.0.0.1', server_port: 8388, password: 'pw', method: 'aes-128-gcm', local_port: 1081,
    port_password: { 8389: 'x' }, users: [], workers: 4, forbidden_ip: '', manager_address: '127.0.0.1:6001', verbose: true, ipv6_first: true, log_format: 'json',
    fast_open: true, no_delay: true, reuse_port: false, nofile: 4096,
  });
  t.same(cfg.options, { server: '127.0.0.1', serverPort: 8388, password: 'pw', method: 'aes-128-gcm', port: 1081 });
  const serverKeys = ['port_password', 'users', 'workers', 'forbidden_ip', 'manager_address', 'ipv6_first'];
  for (const key of serverKeys) t.same(cfg.warnings.filter((w) => w.startsWith(`${key}: `)), [`${key}: only used by ss-stream-server; ignored`], key);
  t.same(cfg.warnings.filter((w) => w.startsWith('fast_open: ')), ['fast_open: TCP Fast Open is not supported; ignored']);
  t.equal(cfg.warnings.length, serverKeys.length + 1, 'no_delay: true and reuse_port: false say nothing');
  t.equal(cfg.nofile, 4096);
  t.equal(cfg.logLevel, 'debug', 'verbose is read as by the server');
  t.equal(cfg.logFormat, 'json');
  t.equal(readLocalConfigFile({ verbose: -1 }).logLevel, 'warn');
  t.notOk('logLevel' in readLocalConfigFile({ verbose: false }), 'false leaves the default');
  refuses(t, { log_format: 'xml' }, /^log_format: must be one of text, json/);
});

t.test('an unknown key is refused with the nearest known key; ACL and OTA are refused', async (t) => {
  refuses(t, { local_prot: 1 }, /^local_prot: unknown key \(did you mean local_port\?\)$/);
  refuses(t, { acl: 'x.acl' }, /^acl: is not supported yet/);
  refuses(t, { auth: true }, /^auth: one-time auth/);
  refuses(t, { server: '203.0.113.1:8388' }, /^server: '203.0.113.1:8388' is HOST:PORT; give the address alone and the port with "server_port"$/);
});

t.test('reads a shadowsocks-rust servers array: the first enabled entry is the server', async (t) => {
  const cfg = readLocalConfigFile({
    local_address: '127.0.0.1', local_port: 1080, password: 'top',
    servers: [
      { server: '192.0.2.1', server_port: 1, password: 'off', disabled: true },
      { server: '192.0.2.2', server_port: 8388, key: Buffer.alloc(16).toString('base64'), method: 'aes-128-gcm', remarks: 'tokyo', users: [] },
      { server: '192.0.2.3', server_port: 8389, password: 'b' },
    ],
  });
  t.same(cfg.options, { host: '127.0.0.1', port: 1080, server: '192.0.2.2', serverPort: 8388, key: Buffer.alloc(16).toString('base64'), method: 'aes-128-gcm' }, "the entry's key replaces the top-level password");
  t.same(cfg.warnings, ['servers: 2 servers given; using the first, servers[1] (tokyo)', 'servers[1].users: only used by ss-stream-server; ignored']);
  t.same(readLocalConfigFile({ servers: [{ server: 'ss.test', password: 'p' }] }).warnings, [], 'one server: nothing to say');
  refuses(t, { servers: [{ server: 'ss.test', server_port: 'x' }] }, /^servers\[0\]\.server_port: /);
  refuses(t, { servers: [] }, /^servers: must not be empty/);
});

t.test('parseLocalConfigFile gives the options alone', async (t) => {
  t.same(parseLocalConfigFile({ server: 'ss.test', fast_open: true }), { server: 'ss.test' });
});
