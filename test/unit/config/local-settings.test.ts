import t from 'tap';
import { buildLocalCliOptions } from '../../../lib/cli/local-cli-options.js';
import { parseLocalCliArgs, type LocalCliArgs } from '../../../lib/cli/local-cli-args.js';
import { parseLocalConfigFile } from '../../../lib/config/local-config-file.js';
import { LOCAL_SETTINGS, resolveLocalSettings, type LocalSettings } from '../../../lib/config/local-settings.js';
import { convertToOption, flagProperty, type Setting } from '../../../lib/config/setting.js';
import { LOCAL_DEFAULTS } from '../../../lib/local/local-options.js';

type Row = Setting<unknown, unknown>;
const rows = Object.entries(LOCAL_SETTINGS) as [keyof LocalSettings, Row][];
const key32 = Buffer.alloc(32, 7).toString('base64');

/** One good value per setting with a JSON key or a flag: as an option, in a file, as a flag's text. */
const SAME: Partial<Record<keyof LocalSettings, { option: unknown; file: unknown; flag: unknown }>> = {
  server: { option: 'ss.test', file: 'ss.test', flag: 'ss.test' },
  serverPort: { option: 8389, file: '8389', flag: '8389' },
  password: { option: 'pw', file: 'pw', flag: 'pw' },
  key: { option: key32, file: key32, flag: key32 },
  method: { option: 'aes-256-gcm', file: 'aes-256-gcm', flag: 'aes-256-gcm' },
  host: { option: '::1', file: '::1', flag: '::1' },
  port: { option: 0, file: 0, flag: '0' },
  tunnel: { option: { host: '::1', port: 53 }, file: '[::1]:53', flag: '[::1]:53' },
  socksUsername: { option: 'user', file: undefined, flag: 'user' },
  socksPassword: { option: 'secret', file: undefined, flag: 'secret' },
  idleTimeoutMs: { option: 60_000, file: '60', flag: '60' },
  mode: { option: 'tcp_only', file: 'tcp_only', flag: 'tcp_only' },
  proxy: { option: 'http://corp%5Cme:pw@[::1]:3128', file: 'http://corp%5Cme:pw@[::1]:3128', flag: 'http://corp%5Cme:pw@[::1]:3128' },
  plugin: { option: 'obfs-local', file: 'obfs-local', flag: 'obfs-local' },
  pluginOpts: { option: 'obfs=http;obfs-host=a.test', file: 'obfs=http;obfs-host=a.test', flag: 'obfs=http;obfs-host=a.test' },
  pluginArgs: { option: ['-v'], file: '-v', flag: ['-v'] },
  pluginMode: { option: 'tcp_and_udp', file: 'tcp_and_udp', flag: 'tcp_and_udp' },
};

/** One bad value per setting with a JSON key or a flag, and what the message says after the name. */
const BAD: Partial<Record<keyof LocalSettings, { value: unknown; problem: RegExp }>> = {
  server: { value: ' ', problem: /^must not be empty/ },
  serverPort: { value: '0', problem: /^must be between 1 and 65535/ },
  password: { value: '', problem: /^must not be empty$/ },
  key: { value: '', problem: /^must not be empty$/ },
  method: { value: 'xchacha20', problem: /^unknown method 'xchacha20'/ },
  host: { value: ' ', problem: /^must not be empty/ },
  port: { value: 'http', problem: /^must be (a port number|an integer)/ },
  tunnel: { value: 'nohost', problem: /^must be host:port/ },
  socksUsername: { value: 'a:b', problem: /^must not contain ":"/ },
  socksPassword: { value: 'p'.repeat(256), problem: /^must be 1 to 255 bytes/ },
  idleTimeoutMs: { value: 'soon', problem: /^must be/ },
  mode: { value: 'both', problem: /^must be one of tcp_and_udp, tcp_only, udp_only, got 'both'/ },
  proxy: { value: 'ftp://s3cret@proxy.test:21', problem: /^must start with socks5:\/\/ or http:\/\/ \(https:\/\/ proxies are not supported\)$/ },
  plugin: { value: 5, problem: /^must be a string, got number/ },
  pluginOpts: { value: 5, problem: /^must be a string, got number/ },
  pluginArgs: { value: 5, problem: /^must be an array of strings/ },
  pluginMode: { value: 'udp_only', problem: /^must be one of tcp_only, tcp_and_udp, got 'udp_only'/ },
};

// The rest of a complete configuration: a server, a password, and the other half of a SOCKS5 pair.
function complete(o: LocalSettings): LocalSettings {
  const full = { server: 'base.test', ...o };
  if (full.password === undefined && full.key === undefined) full.password = 'x';
  if (full.socksUsername !== undefined) full.socksPassword ??= 'p';
  if (full.socksPassword !== undefined) full.socksUsername ??= 'u';
  if (full.pluginOpts !== undefined || full.pluginArgs !== undefined || full.pluginMode !== undefined) full.plugin ??= 'obfs-local';
  return full;
}
const fromOption = (option: string, v: unknown) => resolveLocalSettings(complete({ [option]: v }));
const fromFile = (json: string, v: unknown) => resolveLocalSettings(complete(parseLocalConfigFile({ [json]: v })));
function flagArgs(flag: string, v: unknown): LocalCliArgs {
  const args = { verbose: false, quiet: false, [flagProperty(flag)]: v } as LocalCliArgs;
  args.server ??= 'base.test';
  if (args.password === undefined && args.key === undefined) args.password = 'x';
  if (args.socksUsername !== undefined) args.socksPassword ??= 'p';
  if (args.socksPassword !== undefined) args.socksUsername ??= 'u';
  return args;
}
const fromFlag = (flag: string, v: unknown) => resolveLocalSettings(complete(buildLocalCliOptions(flagArgs(flag, v)).local));

t.test('every row has a converter and a doc, and its default converts to itself', async (t) => {
  for (const [option, row] of rows) {
    t.equal(typeof row.convert, 'function', `${option} has a converter`);
    t.ok(row.doc.length > 10 && !row.doc.includes('\n'), `${option} has a one-line doc`);
    if (row.default !== undefined) t.same(convertToOption(row, row.default, option, 'option'), row.default, `${option}'s default is valid`);
  }
  t.same(Object.keys(LOCAL_DEFAULTS).sort(), rows.filter(([, r]) => r.default !== undefined).map(([o]) => o).sort(), 'LOCAL_DEFAULTS comes from the table');
});

t.test('the command line declares every flag of the table', async (t) => {
  for (const [option, row] of rows) {
    for (const flag of row.flags) {
      const args = await parseLocalCliArgs([`--${flag}`, '1'], '0');
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
        t.notOk(message.includes('p'.repeat(256)), 'no secret in the message');
      }
    };
    // An option is a number where a file or flag may write text.
    const asOption = typeof row.default === 'number' && typeof bad.value === 'string' && /^\d+$/.test(bad.value) ? Number(bad.value) : bad.value;
    refused(() => fromOption(option, asOption), option);
    for (const json of row.json) refused(() => parseLocalConfigFile({ [json]: bad.value }), json);
    for (const flag of row.flags) refused(() => buildLocalCliOptions(flagArgs(flag, bad.value)), `--${flag}`);
  }
});

t.test('the resolved configuration is plain data', async (t) => {
  const c = resolveLocalSettings({ server: '[::1]', password: 'pw', tunnel: '127.0.0.1:53', socksUsername: 'u', socksPassword: 'p' });
  t.same(JSON.parse(JSON.stringify(c)), c, 'survives JSON');
  t.equal(c.server, '::1');
  t.same(c.tunnel, { type: 'ipv4', host: '127.0.0.1', port: 53 });
  t.same(c.credentials, { username: 'u', password: 'p' });
  t.equal(Buffer.from(c.key, 'base64').length, 32);
});
