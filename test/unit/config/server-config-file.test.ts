import t, { type Test } from 'tap';
import { parseConfigFile } from '../../../lib/config/server-config-file.js';
import { secondsToMs, toIpRanges, toPort } from '../../../lib/config/converters.js';
import { resolveServerOptions } from '../../../lib/server/server-options.js';
import { isSsError } from '../../../lib/errors.js';

/** Asserts that `fn` throws ERR_SS_CONFIG with a message matching `pattern`. */
function refuses(t: Test, fn: () => unknown, pattern: RegExp, name?: string): void {
  t.throws(fn, { code: 'ERR_SS_CONFIG', message: pattern }, name ?? pattern.source);
}

t.test('maps the Python ssserver keys to camelCase options', async (t) => {
  const cfg = parseConfigFile({
    server: '0.0.0.0', server_port: 8388, password: 'pw', method: 'aes-256-gcm', timeout: 300,
    forbidden_ip: '127.0.0.0/8, ::1/128',
  });
  t.same(cfg, {
    servers: [{ host: '0.0.0.0', port: 8388, password: 'pw', method: 'aes-256-gcm', idleTimeoutMs: 300_000, forbiddenIp: ['127.0.0.0/8', '::1/128'] }],
    warnings: [],
  });
});

t.test('maps the libev keys: server list, string port, key, our timeouts', async (t) => {
  const key = Buffer.alloc(32, 7).toString('base64');
  const cfg = parseConfigFile({
    server: ['127.0.0.1', '::1'], server_port: '8389', key, method: 'chacha20-ietf-poly1305',
    timeout: '60', handshake_timeout: 2.5, connect_timeout: '10',
  });
  t.same(cfg.servers, [{ host: ['127.0.0.1', '::1'], port: 8389, key, method: 'chacha20-ietf-poly1305', idleTimeoutMs: 60_000, handshakeTimeoutMs: 2500, connectTimeoutMs: 10_000 }]);
  t.equal(Buffer.from(resolveServerOptions(cfg.servers[0]!).users[0]!.key, 'base64').length, 32, 'the result resolves');
});

t.test('maps mode (libev) to the mode option', async (t) => {
  for (const mode of ['tcp_only', 'tcp_and_udp', 'udp_only']) t.same(parseConfigFile({ mode }).servers, [{ mode }]);
  refuses(t, () => parseConfigFile({ mode: 'tcp' }), /^mode: must be one of tcp_and_udp, tcp_only, udp_only, got 'tcp'/);
  refuses(t, () => parseConfigFile({ mode: 1 }), /^mode: must be a string, got number 1/);
});

t.test('accepts forbidden_ip as an array, and "" or [] as "forbid nothing"', async (t) => {
  t.same(parseConfigFile({ forbidden_ip: ['10.0.0.0/8', ' ', 'fe80::/10'] }).servers[0]!.forbiddenIp, ['10.0.0.0/8', 'fe80::/10']);
  t.same(parseConfigFile({ forbidden_ip: '' }).servers[0]!.forbiddenIp, []);
  t.same(parseConfigFile({ forbidden_ip: [] }).servers[0]!.forbiddenIp, []);
});

t.test('port_password yields one server per port and replaces server_port/password', async (t) => {
  const cfg = parseConfigFile({ server: '127.0.0.1', server_port: 1, password: 'x', method: 'aes-128-gcm', port_password: { 8381: 'pw1', '8382': 'pw2' } });
  t.same(cfg.servers, [
    { host: '127.0.0.1', method: 'aes-128-gcm', port: 8381, password: 'pw1' },
    { host: '127.0.0.1', method: 'aes-128-gcm', port: 8382, password: 'pw2' },
  ]);
  t.match(cfg.warnings, [/port_password: replaces server_port and password/]);
  t.same(parseConfigFile({ port_password: { 9000: 'a' } }).warnings, [], 'no warning when nothing is replaced');
});

t.test('refuses a bad port_password', async (t) => {
  refuses(t, () => parseConfigFile({ port_password: { 70000: 'a' } }), /^port_password\.70000: must be between 0 and 65535/);
  refuses(t, () => parseConfigFile({ port_password: { abc: 'a' } }), /^port_password\.abc: must be a port number/);
  refuses(t, () => parseConfigFile({ port_password: { 0: 'a' } }), /^port_password\.0: must be between 1 and 65535/);
  refuses(t, () => parseConfigFile({ port_password: { 8381: 'a', '08381': 'b' } }), /^port_password\.08381: port 8381 is listed twice/);
  refuses(t, () => parseConfigFile({ port_password: { 8381: 5 } }), /^port_password\.8381: must be a string, got number$/);
  refuses(t, () => parseConfigFile({ port_password: {} }), /^port_password: must not be empty/);
  refuses(t, () => parseConfigFile({ port_password: ['a'] }), /^port_password: must be an object/);
  refuses(t, () => parseConfigFile({ port_password: { 8381: 'a' }, key: 'AAAA' }), /^key: cannot be combined with port_password/);
  refuses(t, () => parseConfigFile(JSON.parse('{"port_password": {"8381": "a", "8382": "pw\\udfff"}}')), /^port_password\.8382: is not valid UTF-8 text/);
});

t.test('refuses a password or key with a lone surrogate (a JSON "\\udfff" escape) rather than altering it', async (t) => {
  for (const key of ['password', 'key']) {
    refuses(t, () => parseConfigFile(JSON.parse(`{"${key}": "s3cret\\udfff"}`)), new RegExp(`^${key}: is not valid UTF-8 text, and a secret is never altered`));
  }
  t.same(parseConfigFile(JSON.parse('{"password": "\\ud83d\\ude00 \\ufffd"}')).servers, [{ password: '\u{1F600} \uFFFD' }], 'a surrogate pair and U+FFFD itself are text');
});

t.test('maps verbose to a log level', async (t) => {
  t.equal(parseConfigFile({ verbose: true }).logLevel, 'debug');
  t.equal(parseConfigFile({ verbose: 2 }).logLevel, 'debug');
  t.equal(parseConfigFile({ verbose: 0 }).logLevel, 'info');
  t.equal(parseConfigFile({ verbose: -1 }).logLevel, 'warn');
  t.equal(parseConfigFile({ verbose: -2 }).logLevel, 'error');
  t.notOk('logLevel' in parseConfigFile({ verbose: false }), 'false leaves the default');
  t.notOk('logLevel' in parseConfigFile({}), 'absent leaves the default');
  refuses(t, () => parseConfigFile({ verbose: 'yes' }), /^verbose: must be a boolean or an integer, got string "yes"/);
});

t.test('accepts client-only and unsupported-but-harmless keys with one warning each', async (t) => {
  const cfg = parseConfigFile({
    password: 'pw', local_address: '127.0.0.1', local_port: 1080, tunnel_address: '127.0.0.1:53', fast_open: true,
    no_delay: false, reuse_port: true, user: 'nobody', plugin: '', plugin_opts: '', use_syslog: true, mtu: 1492, mptcp: true,
    dscp: { 8388: 'EF' }, workdir: '/var/lib/ss', local_ipv4_address: '192.0.2.1', 'pid-file': '/run/ss.pid',
  });
  t.same(cfg.servers, [{ password: 'pw', plugin: '', pluginOpts: '' }], '"plugin": "" is no plugin (SIP008 writes it so)');
  const keys = ['local_address', 'local_port', 'tunnel_address', 'fast_open', 'no_delay', 'reuse_port', 'user', 'use_syslog', 'mtu', 'mptcp', 'dscp', 'workdir', 'local_ipv4_address', 'pid-file'];
  t.equal(cfg.warnings.length, keys.length, 'one warning per key');
  for (const key of keys) t.equal(cfg.warnings.filter((w) => w.startsWith(`${key}: `) && w.endsWith('; ignored')).length, 1, `warns once about ${key}`);
  t.match(cfg.warnings, [/^local_address: only used by ss-stream-local; ignored$/]);
});

t.test('says nothing about a libev key whose value is what we do anyway', async (t) => {
  const cfg = parseConfigFile({ password: 'pw', fast_open: false, no_delay: true, reuse_port: false, mptcp: false, use_syslog: false, auth: false, one_time_auth: false, user: '' });
  t.same(cfg.warnings, []);
});

t.test('refuses one-time auth switched on and an ACL, rather than ignoring them', async (t) => {
  refuses(t, () => parseConfigFile({ auth: true }), /^auth: one-time auth \(OTA\) was removed/);
  refuses(t, () => parseConfigFile({ one_time_auth: true }), /^one_time_auth: one-time auth/);
  refuses(t, () => parseConfigFile({ acl: '/etc/ss.acl' }), /^acl: is not supported yet \(refused rather than ignored/);
});

t.test('an unknown key is refused, naming the nearest known key', async (t) => {
  refuses(t, () => parseConfigFile({ sever_port: 8388 }), /^sever_port: unknown key \(did you mean server_port\?\)$/);
  refuses(t, () => parseConfigFile({ 'server-port': 8388 }), /^server-port: unknown key \(did you mean server_port\?\)$/);
  refuses(t, () => parseConfigFile({ fastopen: true }), /^fastopen: unknown key \(did you mean fast_open\?\)$/);
  refuses(t, () => parseConfigFile({ zzzzzzzz: 1 }), /^zzzzzzzz: unknown key$/);
});

t.test('refuses HOST:PORT in server, pointing at server_port', async (t) => {
  refuses(t, () => parseConfigFile({ server: '203.0.113.1:8388' }), /^server: '203.0.113.1:8388' is HOST:PORT; give the address alone and the port with "server_port"$/);
  refuses(t, () => parseConfigFile({ server: ['::1', '[::1]:8388'] }), /^server\[1\]: '\[::1\]:8388' is HOST:PORT/);
  t.same(parseConfigFile({ server: ['::', '0.0.0.0'] }).servers, [{ host: ['::', '0.0.0.0'] }], 'IPv6 literals pass');
  refuses(t, () => parseConfigFile({ server: ['127.0.0.1', '::1', '127.0.0.1'] }), /^server: '127.0.0.1' is listed twice$/);
});

t.test('reads a shadowsocks-rust servers array: one server per enabled entry, top-level keys as defaults', async (t) => {
  const cfg = parseConfigFile({
    method: 'aes-128-gcm', timeout: 60,
    servers: [
      { server: '127.0.0.1', server_port: 8001, password: 'a', remarks: 'first', tcp_weight: 1.0 },
      { server: '127.0.0.1', server_port: 8002, password: 'b', method: 'aes-256-gcm', disabled: false, plugin: '' },
      { server: '127.0.0.1', server_port: 8003, password: 'c', disabled: true },
      { server: '::1', server_port: 8001, key: Buffer.alloc(16, 1).toString('base64'), mode: 'tcp_only' },
    ],
  });
  t.same(cfg.servers, [
    { method: 'aes-128-gcm', idleTimeoutMs: 60_000, host: '127.0.0.1', port: 8001, password: 'a' },
    { method: 'aes-256-gcm', idleTimeoutMs: 60_000, host: '127.0.0.1', port: 8002, password: 'b', plugin: '' },
    { method: 'aes-128-gcm', idleTimeoutMs: 60_000, host: '::1', port: 8001, key: Buffer.alloc(16, 1).toString('base64'), mode: 'tcp_only' },
  ]);
  t.same(cfg.warnings, []);
  t.same(parseConfigFile({ password: 'top', servers: [{ server_port: 9000, key: Buffer.alloc(16).toString('base64') }] }).servers[0]!.password, undefined, "an entry's key replaces the top-level password");
  t.match(parseConfigFile({ password: 'p', servers: [{ server_port: 9000, plugin: 'obfs-server', plugin_opts: 'obfs=http' }] }).servers[0], { plugin: 'obfs-server', pluginOpts: 'obfs=http' }, 'an entry may have its plugin');
});

t.test('refuses a bad servers array, naming the entry', async (t) => {
  refuses(t, () => parseConfigFile({ servers: {} }), /^servers: must be an array of server objects, got an object/);
  refuses(t, () => parseConfigFile({ servers: [] }), /^servers: must not be empty$/);
  refuses(t, () => parseConfigFile({ servers: [{ server_port: 1, disabled: true }] }), /^servers: every entry is disabled$/);
  refuses(t, () => parseConfigFile({ servers: ['x'] }), /^servers\[0\]: must be an object, got string/);
  refuses(t, () => parseConfigFile({ servers: [{ server_port: 70000 }] }), /^servers\[0\]\.server_port: must be between 0 and 65535/);
  refuses(t, () => parseConfigFile({ servers: [{ server_prot: 1 }] }), /^servers\[0\]\.server_prot: unknown key for a server \(did you mean server_port\?\)/);
  refuses(t, () => parseConfigFile({ port_password: { 1: 'a' }, servers: [{ server_port: 2 }] }), /^servers: cannot be combined with port_password/);
});

t.test('the same address given twice is named, in servers and in port_password', async (t) => {
  refuses(t, () => parseConfigFile({ servers: [{ server: '::1', server_port: 8001, password: 'a' }, { server: '::1', server_port: 8001, password: 'b' }] }),
    /^servers\[1\]: listens on \[::1\]:8001, as servers\[0\] does/);
  refuses(t, () => parseConfigFile({ server_port: 8001, servers: [{ password: 'a' }, { password: 'b' }] }), /^servers\[1\]: listens on \(all interfaces\):8001, as servers\[0\] does/);
  t.equal(parseConfigFile({ servers: [{ server_port: 0, password: 'a' }, { server_port: 0, password: 'b' }] }).servers.length, 2, 'port 0 (any free port) never clashes');
  refuses(t, () => parseConfigFile({ port_password: { 8381: 'a', '08381': 'b' } }), /port 8381 is listed twice/);
});

t.test('nofile is read as a process setting', async (t) => {
  t.equal(parseConfigFile({ nofile: 65536 }).nofile, 65536);
  t.equal(parseConfigFile({ nofile: '4096' }).nofile, 4096);
  refuses(t, () => parseConfigFile({ nofile: 0 }), /^nofile: must be an integer from 1 to 1073741824, got number 0/);
});

t.test('maps libev\'s nameserver and ipv6_first, naming the key on errors', async (t) => {
  t.same(parseConfigFile({ nameserver: '127.0.0.1:5353, [::1]:53,::1', ipv6_first: true }).servers, [{ nameservers: ['127.0.0.1:5353', '[::1]:53', '::1'], ipv6First: true }]);
  t.same(parseConfigFile({ nameserver: ['127.0.0.1'], ipv6_first: false }).servers, [{ nameservers: ['127.0.0.1'], ipv6First: false }]);
  refuses(t, () => parseConfigFile({ nameserver: '8.8.8.8,dns.test' }), /^nameserver: 'dns.test' is not an IP address/);
  refuses(t, () => parseConfigFile({ nameserver: '127.0.0.1:99999' }), /^nameserver: '127.0.0.1:99999' has a port outside/);
  refuses(t, () => parseConfigFile({ nameserver: 53 }), /^nameserver: must be a comma-separated string/);
  refuses(t, () => parseConfigFile({ ipv6_first: 'yes' }), /^ipv6_first: must be a boolean, got string "yes"/);
});

t.test('maps workers to a process count, naming the key on errors', async (t) => {
  t.equal(parseConfigFile({ workers: 4 }).workers, 4);
  t.equal(parseConfigFile({ workers: '2' }).workers, 2, 'a decimal string, as Python ssserver reads it from argv');
  t.notOk('workers' in parseConfigFile({}), 'absent leaves the default');
  for (const bad of [0, -1, 1.5, 257, 'four', true, null]) {
    refuses(t, () => parseConfigFile({ workers: bad }), /^workers: must be an integer from 1 to 256, got /);
  }
});

t.test('refuses keys that are not supported yet, naming them', async (t) => {
  refuses(t, () => parseConfigFile({ acl: '/etc/ss.acl' }), /^acl: is not supported yet/);
});

t.test('maps the SIP003 plugin keys, and gives every port_password port the plugin', async (t) => {
  const plugin = { plugin: 'obfs-server', plugin_opts: 'obfs=http', plugin_args: ['-v'], plugin_mode: 'tcp_and_udp' };
  const options = { plugin: 'obfs-server', pluginOpts: 'obfs=http', pluginArgs: ['-v'], pluginMode: 'tcp_and_udp' };
  t.same(parseConfigFile({ password: 'pw', ...plugin }).servers, [{ password: 'pw', ...options }]);
  t.same(parseConfigFile({ port_password: { 8381: 'a', 8382: 'b' }, ...plugin }).servers, [{ ...options, port: 8381, password: 'a' }, { ...options, port: 8382, password: 'b' }]);
  refuses(t, () => parseConfigFile({ plugin: 1 }), /^plugin: must be a string, got number/);
  refuses(t, () => parseConfigFile({ plugin_args: [1] }), /^plugin_args\[0\]: must be a string/);
  refuses(t, () => parseConfigFile({ plugin_mode: 'udp_only' }), /^plugin_mode: must be one of tcp_only, tcp_and_udp, got 'udp_only'/);
});

t.test('reads manager_address as UDP HOST:PORT, and refuses the Unix socket path form', async (t) => {
  t.same(parseConfigFile({ manager_address: '127.0.0.1:6001' }).managerAddress, { host: '127.0.0.1', port: 6001 });
  t.same(parseConfigFile({ manager_address: '[::1]:6001' }).managerAddress, { host: '::1', port: 6001 });
  refuses(t, () => parseConfigFile({ manager_address: '/var/run/shadowsocks-manager.sock' }), /^manager_address: a Unix datagram socket path is not supported/);
  refuses(t, () => parseConfigFile({ manager_address: '127.0.0.1:0' }), /^manager_address: must be between 1 and 65535/);
  refuses(t, () => parseConfigFile({ manager_address: 'a:b:c' }), /^manager_address: must be HOST:PORT/);
  refuses(t, () => parseConfigFile({ manager_address: 6001 }), /^manager_address: must be HOST:PORT/);
});

t.test('refuses unknown keys, naming them', async (t) => {
  refuses(t, () => parseConfigFile({ password: 'x', server_prot: 8388 }), /^server_prot: unknown key \(did you mean server_port\?\)$/);
  refuses(t, () => parseConfigFile({ serverPort: 8388 }), /^serverPort: unknown key \(did you mean server_port\?\)$/, 'camelCase is not a file key');
  refuses(t, () => parseConfigFile(JSON.parse('{"__proto__": 1}')), /^__proto__: unknown key$/);
  refuses(t, () => parseConfigFile({ toString: 1 }), /^toString: unknown key$/);
});

t.test('refuses wrong types, naming the key and the type', async (t) => {
  refuses(t, () => parseConfigFile({ server: 5 }), /^server: must be a string or an array of strings, got number 5/);
  refuses(t, () => parseConfigFile({ server: [] }), /^server: must not be an empty array/);
  refuses(t, () => parseConfigFile({ server: ['127.0.0.1', 2] }), /^server\[1\]: must be a string, got number 2/);
  refuses(t, () => parseConfigFile({ server: ' ' }), /^server: must not be empty/);
  refuses(t, () => parseConfigFile({ server: ['a', ''] }), /^server\[1\]: must not be empty/);
  refuses(t, () => parseConfigFile({ server_port: true }), /^server_port: must be an integer, got boolean true/);
  refuses(t, () => parseConfigFile({ server_port: 'http' }), /^server_port: must be a port number, got string "http"/);
  refuses(t, () => parseConfigFile({ server_port: 65536 }), /^server_port: must be between 0 and 65535/);
  refuses(t, () => parseConfigFile({ server_port: 80.5 }), /^server_port: must be an integer/);
  refuses(t, () => parseConfigFile({ method: 'xchacha20' }), /^method: unknown method 'xchacha20'/);
  refuses(t, () => parseConfigFile({ method: ['aes-256-gcm'] }), /^method: must be a string, got an array/);
  refuses(t, () => parseConfigFile({ timeout: 'soon' }), /^timeout: must be a positive number of seconds, got string "soon"/);
  refuses(t, () => parseConfigFile({ timeout: -1 }), /^timeout: must be a positive number of seconds/);
  refuses(t, () => parseConfigFile({ timeout: 1e12 }), /^timeout: must be between 0.001 and 2147483 seconds/);
  refuses(t, () => parseConfigFile({ handshake_timeout: null }), /^handshake_timeout: must be a positive number of seconds, got null/);
  refuses(t, () => parseConfigFile({ connect_timeout: 0.0001 }), /^connect_timeout: must be between/);
  refuses(t, () => parseConfigFile({ forbidden_ip: 12 }), /^forbidden_ip: must be a comma-separated string or an array of strings, got number 12/);
  refuses(t, () => parseConfigFile({ forbidden_ip: ['10.0.0.0/8', 3] }), /^forbidden_ip\[1\]: must be a string, got number 3/);
  refuses(t, () => parseConfigFile({ forbidden_ip: '10.0.0.0/8,nope' }), /^forbidden_ip: 'nope' is not an IP or CIDR/);
});

t.test('never puts a password or key into an error message', async (t) => {
  for (const key of ['password', 'key']) {
    for (const [value, type] of [[123456789, 'number'], [null, 'null'], [['s3cret'], 'an array'], [{ a: 's3cret' }, 'object']] as const) {
      try {
        parseConfigFile({ [key]: value });
        t.fail('should throw');
      } catch (err) {
        t.ok(isSsError(err, 'ERR_SS_CONFIG'));
        t.equal((err as Error).message, `${key}: must be a string, got ${type}`);
      }
    }
    refuses(t, () => parseConfigFile({ [key]: '' }), new RegExp(`^${key}: must not be empty`));
  }
});

t.test('refuses a config that is not an object', async (t) => {
  refuses(t, () => parseConfigFile([]), /^config: must be a JSON object, got an array/);
  refuses(t, () => parseConfigFile(null), /^config: must be a JSON object, got null/);
  refuses(t, () => parseConfigFile('x'), /^config: must be a JSON object, got string "x"/);
});

t.test('the value helpers name the key they are given', async (t) => {
  t.equal(toPort('0', '--server-port', 0), 0);
  t.equal(toPort(443, 'p', 1), 443);
  refuses(t, () => toPort('1234567', '--server-port', 0), /^--server-port: must be a port number/);
  t.equal(secondsToMs('1.5', '--timeout'), 1500);
  refuses(t, () => secondsToMs('1e3', '--timeout'), /^--timeout: must be a positive number of seconds, got string "1e3"/);
  refuses(t, () => secondsToMs(Infinity, 't'), /^t: must be a positive number of seconds/);
  t.same(toIpRanges('::1,127.0.0.1', '--forbidden-ip', 'flag').map((r) => r.text), ['::1', '127.0.0.1']);
  refuses(t, () => toIpRanges('10.0.0.0/33', '--forbidden-ip', 'flag'), /^--forbidden-ip: '10.0.0.0\/33' has a bad prefix length/);
});

t.test('a port_password entry may be an object with its own password, key and users', async (t) => {
  const c = parseConfigFile({ users: [{ name: 'zed', password: 'z' }], port_password: { '8381': 'p1', '8382': { key: 'a2V5', users: [{ name: 'yan', password: 'y' }] } } });
  t.same(c.servers, [
    { users: [{ name: 'zed', password: 'z' }], port: 8381, password: 'p1' },
    { users: [{ name: 'yan', password: 'y' }], port: 8382, key: 'a2V5' },
  ]);
  t.throws(() => parseConfigFile({ port_password: { '8381': { pw: 'x' } } }), { message: /^port_password\.8381\.pw: unknown key/ });
  t.throws(() => parseConfigFile({ port_password: { '8381': { users: [] } } }), { message: 'port_password.8381.users: must list at least one user' });
  t.throws(() => parseConfigFile({ port_password: { '8381': 5 } }), { message: /^port_password\.8381: must be a string, got number$/ });
});
