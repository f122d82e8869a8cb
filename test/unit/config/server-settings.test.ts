import t from 'tap';
import { buildServerCliOptions } from '../../../lib/cli/server-cli-options.js';
import { parseServerCliArgs } from '../../../lib/cli/server-cli-args.js';
import type { ServerCliArgs } from '../../../lib/cli/server-cli-args.js';
import { parseConfigFile } from '../../../lib/config/server-config-file.js';
import { SERVER_PROCESS_SETTINGS, SERVER_SETTINGS, resolveServerSettings, type ServerSettings } from '../../../lib/config/server-settings.js';
import { convertToOption, flagProperty, type Setting } from '../../../lib/config/setting.js';
import { SERVER_DEFAULTS } from '../../../lib/server/server-options.js';

type Row = Setting<unknown, unknown>;
const rows = Object.entries(SERVER_SETTINGS) as [keyof ServerSettings, Row][];
const none: ServerCliArgs = { verbose: false, quiet: false };
const key32 = Buffer.alloc(32, 7).toString('base64');

/** One good value per setting that has a JSON key or a flag, as an option, in a file, and as a flag's text. */
const SAME: Partial<Record<keyof ServerSettings, { option: unknown; file: unknown; flag: unknown }>> = {
  host: { option: ['127.0.0.1', '::1'], file: ['127.0.0.1', '::1'], flag: ['127.0.0.1', '::1'] },
  port: { option: 9000, file: '9000', flag: '9000' },
  password: { option: 'pw', file: 'pw', flag: 'pw' },
  key: { option: key32, file: key32, flag: key32 },
  users: { option: [{ name: 'alice', password: 'a', maxConnections: 2, rateLimit: 1000, outboundProxy: 'http://[::1]:3128' }], file: [{ name: 'alice', password: 'a', max_connections: 2, rate_limit: 1000, outbound_proxy: 'http://[::1]:3128' }], flag: undefined },
  method: { option: 'aes-128-gcm', file: 'aes-128-gcm', flag: 'aes-128-gcm' },
  idleTimeoutMs: { option: 1500, file: 1.5, flag: '1.5' },
  handshakeTimeoutMs: { option: 2000, file: '2', flag: '2' },
  connectTimeoutMs: { option: 250, file: 0.25, flag: '0.25' },
  forbiddenIp: { option: ['10.0.0.0/8', '::1'], file: '10.0.0.0/8, ::1', flag: '10.0.0.0/8,::1' },
  mode: { option: 'udp_only', file: 'udp_only', flag: 'udp_only' },
  nameservers: { option: ['127.0.0.1:5353', '::1'], file: '127.0.0.1:5353, ::1', flag: ['127.0.0.1:5353,::1'] },
  ipv6First: { option: true, file: true, flag: true },
  outboundProxy: { option: 'socks5://u:p%40ss@127.0.0.1:9050', file: 'socks5://u:p%40ss@127.0.0.1:9050', flag: 'socks5://u:p%40ss@127.0.0.1:9050' },
  outboundProxyRemoteDns: { option: true, file: true, flag: true },
  plugin: { option: 'obfs-server', file: 'obfs-server', flag: 'obfs-server' },
  pluginOpts: { option: 'obfs=http', file: 'obfs=http', flag: 'obfs=http' },
  pluginArgs: { option: ['-v', '8'], file: ['-v', '8'], flag: ['-v', '8'] },
  pluginMode: { option: 'tcp_and_udp', file: 'tcp_and_udp', flag: 'tcp_and_udp' },
  natTimeoutMs: { option: 60_000, file: 60, flag: undefined },
  natCapacity: { option: 100, file: 100, flag: undefined },
};

/** One bad value per setting with a JSON key or a flag, in each form, and what the message says after the name. */
const BAD: Partial<Record<keyof ServerSettings, { option: unknown; file: unknown; flag: unknown; problem: RegExp }>> = {
  host: { option: ' ', file: ' ', flag: [' '], problem: /must not be empty|needs an address/ },
  port: { option: 70000, file: '70000', flag: '70000', problem: /^must be between 0 and 65535/ },
  password: { option: '', file: '', flag: '', problem: /^must not be empty$/ },
  key: { option: 5, file: 5, flag: '', problem: /^must (be a string, got number|not be empty)$/ },
  users: { option: 'alice', file: {}, flag: undefined, problem: /^must be an array of \{"name", "password"\} objects, got / },
  method: { option: 'xchacha20', file: 'xchacha20', flag: 'xchacha20', problem: /^unknown method 'xchacha20'/ },
  idleTimeoutMs: { option: 0, file: 0, flag: '0', problem: /^must be/ },
  handshakeTimeoutMs: { option: -1, file: 'soon', flag: 'soon', problem: /^must be/ },
  connectTimeoutMs: { option: 1.5, file: -2, flag: '-2', problem: /^must be/ },
  forbiddenIp: { option: ['nope'], file: 'nope', flag: 'nope', problem: /^'nope' is not an IP or CIDR/ },
  mode: { option: 'tcp', file: 'tcp', flag: 'tcp', problem: /^must be one of tcp_and_udp, tcp_only, udp_only, got 'tcp'/ },
  nameservers: { option: ['dns.test'], file: 'dns.test', flag: ['dns.test'], problem: /^'dns.test' is not an IP address/ },
  ipv6First: { option: 'yes', file: 'yes', flag: 'yes', problem: /^must be a boolean/ },
  outboundProxy: { option: 'socks4://s3cret@127.0.0.1:1080', file: 'https://s3cret@proxy.test:443', flag: 'socks5://proxy.test', problem: /^must (start with socks5:\/\/ or http:\/\/|give the proxy port)/ },
  outboundProxyRemoteDns: { option: 'yes', file: 1, flag: 'yes', problem: /^must be a boolean/ },
  plugin: { option: 1, file: 1, flag: ' obfs-server', problem: /^must (be a string, got number|not start or end with spaces)/ },
  pluginOpts: { option: 5, file: 5, flag: 'a\0b', problem: /^must (be a string, got number|not contain NUL)/ },
  pluginArgs: { option: '-v', file: {}, flag: 5, problem: /^must be an array of strings/ },
  pluginMode: { option: 'udp_only', file: 'udp_only', flag: 'udp_only', problem: /^must be one of tcp_only, tcp_and_udp, got 'udp_only'/ },
  natTimeoutMs: { option: 0, file: 0, flag: undefined, problem: /^must be/ },
  natCapacity: { option: 0, file: 0, flag: undefined, problem: /^must be/ },
};

// The rest of a complete configuration: a password, and a plugin for the plugin's options.
function withKey(o: ServerSettings): ServerSettings {
  const full = o.password === undefined && o.key === undefined ? { ...o, password: 'x' } : { ...o };
  if (full.pluginOpts !== undefined || full.pluginArgs !== undefined || full.pluginMode !== undefined) full.plugin ??= 'obfs-server';
  return full;
}
const fromOption = (option: string, v: unknown) => resolveServerSettings(withKey({ [option]: v }));
const fromFile = (json: string, v: unknown) => resolveServerSettings(withKey(parseConfigFile({ [json]: v }).servers[0]!));
const fromFlag = (flag: string, v: unknown) => resolveServerSettings(withKey(buildServerCliOptions({ ...none, [flagProperty(flag)]: v }, undefined, () => 'x').servers[0]!));

t.test('every row has a converter and a doc, and its default converts to itself', async (t) => {
  for (const [option, row] of [...rows, ...Object.entries(SERVER_PROCESS_SETTINGS)] as [string, Row][]) {
    t.equal(typeof row.convert, 'function', `${option} has a converter`);
    t.ok(row.doc.length > 10 && !row.doc.includes('\n'), `${option} has a one-line doc`);
    if (row.default !== undefined) t.same(convertToOption(row, row.default, option, 'option'), row.default, `${option}'s default is valid`);
  }
  t.same(Object.keys(SERVER_DEFAULTS).sort(), rows.filter(([, r]) => r.default !== undefined).map(([o]) => o).sort(), 'SERVER_DEFAULTS comes from the table');
});

t.test('each JSON key and flag belongs to one setting, named as shadowsocks names them (snake_case keys, kebab-case flags)', async (t) => {
  const all = [...rows, ...Object.entries(SERVER_PROCESS_SETTINGS)] as [string, Row][];
  const json = all.flatMap(([, r]) => r.json);
  const flags = all.flatMap(([, r]) => r.flags);
  t.equal(new Set(json).size, json.length, 'no JSON key twice');
  t.equal(new Set(flags).size, flags.length, 'no flag twice');
  for (const k of json) t.match(k, /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/, `${k} is snake_case`);
  for (const f of flags) t.match(f, /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, `${f} is kebab-case`);
});

t.test('the command line declares every flag of the table', async (t) => {
  for (const [option, row] of rows) {
    for (const flag of row.flags) {
      const args = await parseServerCliArgs(typeof row.default === 'boolean' ? [`--${flag}`] : [`--${flag}`, '1'], '0');
      t.not((args as unknown as Record<string, unknown>)[flagProperty(flag)], undefined, `--${flag} (${option})`);
    }
  }
});

t.test('a JSON key, a flag and an option of one setting resolve to the same value', async (t) => {
  for (const [option, row] of rows) {
    if (row.json.length === 0 && row.flags.length === 0) continue;
    const same = SAME[option];
    if (same === undefined) {
      t.fail(`${option} has a sample in SAME`);
      continue;
    }
    const expected = fromOption(option, same.option);
    for (const json of row.json) t.same(fromFile(json, same.file), expected, `${json} = ${option}`);
    for (const flag of row.flags) t.same(fromFlag(flag, same.flag), expected, `--${flag} = ${option}`);
  }
});

t.test('a bad value is refused where it is read, naming it as written', async (t) => {
  for (const [option, row] of rows) {
    if (row.json.length === 0 && row.flags.length === 0) continue;
    const bad = BAD[option];
    if (bad === undefined) {
      t.fail(`${option} has a sample in BAD`);
      continue;
    }
    const refused = (fn: () => unknown, name: string): void => {
      try {
        fn();
        t.fail(`${name} should be refused`);
      } catch (err) {
        const message = (err as Error).message;
        t.equal(message.slice(0, name.length + 2), `${name}: `, `names ${name}`);
        t.match(message.slice(name.length + 2), bad.problem, `${name}: ${message}`);
      }
    };
    refused(() => fromOption(option, bad.option), option);
    for (const json of row.json) refused(() => parseConfigFile({ [json]: bad.file }), json);
    for (const flag of row.flags) refused(() => buildServerCliOptions({ ...none, [flagProperty(flag)]: bad.flag }), `--${flag}`);
  }
});

t.test('the resolved configuration is plain data', async (t) => {
  const c = resolveServerSettings({ host: '::1', password: 'pw', forbiddenIp: ['10.0.0.0/8'] });
  t.same(JSON.parse(JSON.stringify(c)), c, 'survives JSON');
  t.same(c.users, [{ name: 'default', key: c.users[0]!.key }]);
  t.equal(Buffer.from(c.users[0]!.key, 'base64').length, 32);
  t.same(c.forbiddenIp, [{ text: '10.0.0.0/8', family: 'ipv4', network: '10.0.0.0', prefix: 8 }]);
  t.same(resolveServerSettings({ password: 'pw' }).hosts, [], 'no host: every interface');
  t.equal(resolveServerSettings({ password: 'pw' }).forbiddenIp.length, SERVER_DEFAULTS.forbiddenIp.length, 'the default ranges');
});

t.test('a plugin resolves with its options; none for an empty name; never in front of a UDP-only server', async (t) => {
  t.same(resolveServerSettings({ password: 'pw', plugin: 'obfs-server', pluginOpts: 'obfs=tls' }).plugin, { plugin: 'obfs-server', pluginOpts: 'obfs=tls', pluginArgs: [], pluginMode: 'tcp_only' });
  t.notOk('plugin' in resolveServerSettings({ password: 'pw', plugin: '', pluginOpts: '' }), '"" is no plugin');
  t.notOk('plugin' in resolveServerSettings({ password: 'pw', pluginMode: 'tcp_and_udp' }), 'plugin_mode alone is no plugin');
  t.throws(() => resolveServerSettings({ password: 'pw', pluginOpts: 'obfs=http' }), { code: 'ERR_SS_CONFIG', message: /^pluginOpts: needs a plugin/ });
  t.throws(() => resolveServerSettings({ password: 'pw', pluginArgs: ['-v'] }), { code: 'ERR_SS_CONFIG', message: /^pluginArgs: needs a plugin/ });
  t.throws(() => resolveServerSettings({ password: 'pw', plugin: 'obfs-server', mode: 'udp_only' }), { code: 'ERR_SS_CONFIG', message: /^plugin: needs TCP/ });
});
