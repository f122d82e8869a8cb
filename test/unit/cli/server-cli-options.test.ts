import t from 'tap';
import { buildServerCliOptions, generatePassword } from '../../../lib/cli/server-cli-options.js';
import type { ServerCliArgs } from '../../../lib/cli/server-cli-args.js';
import { parseConfigFile } from '../../../lib/config/server-config-file.js';

const none: ServerCliArgs = { verbose: false, quiet: false };
const fixed = (): string => 'generated';

t.test('generates a password when none is given anywhere', async (t) => {
  t.same(buildServerCliOptions(none, undefined, fixed), { servers: [{ password: 'generated' }], logLevel: 'info', workers: 1, logFormat: 'text', generatedPassword: 'generated' });
  t.match(generatePassword(), /^[A-Za-z0-9_-]{32}$/, '24 random bytes, base64url');
  const asked: string[] = [];
  buildServerCliOptions({ ...none, method: '2022-blake3-aes-128-gcm' }, undefined, (spec) => { asked.push(spec.name); return 'k'; });
  t.same(asked, ['2022-blake3-aes-128-gcm'], 'the secret is generated for the method');
  t.equal(buildServerCliOptions({ ...none }, { servers: [{ users: [{ name: 'a', password: 'p' }] }], warnings: [] }, fixed).generatedPassword, undefined, 'users: nothing generated');
  t.not(generatePassword(), generatePassword());
});

t.test('converts every flag into an option, naming the flag on errors', async (t) => {
  const args: ServerCliArgs = {
    ...none, server: ['127.0.0.1'], serverPort: '0', password: 'pw', method: 'aes-128-gcm',
    timeout: '60', handshakeTimeout: '1.5', connectTimeout: '3', forbiddenIp: '', mode: 'udp_only',
  };
  t.same(buildServerCliOptions(args, undefined, fixed), {
    servers: [{ host: '127.0.0.1', port: 0, password: 'pw', method: 'aes-128-gcm', idleTimeoutMs: 60_000, handshakeTimeoutMs: 1500, connectTimeoutMs: 3000, forbiddenIp: [], mode: 'udp_only' }],
    logLevel: 'info',
    workers: 1,
    logFormat: 'text',
  });
  t.same(buildServerCliOptions({ ...none, server: ['127.0.0.1', '::1'], key: 'k', forbiddenIp: '10.0.0.0/8,::1' }).servers, [{ host: ['127.0.0.1', '::1'], key: 'k', forbiddenIp: ['10.0.0.0/8', '::1'] }]);
  const bad: [Partial<ServerCliArgs>, RegExp][] = [
    [{ server: [] }, /^--server: needs an address/],
    [{ server: ['127.0.0.1', ' '] }, /^--server: needs an address/],
    [{ serverPort: '-1' }, /^--server-port: must be a port number/],
    [{ password: '' }, /^--password: must not be empty/],
    [{ key: '' }, /^--key: must not be empty/],
    [{ handshakeTimeout: 'x' }, /^--handshake-timeout: /],
    [{ connectTimeout: '0' }, /^--connect-timeout: /],
    [{ mode: 'tcp' }, /^--mode: must be one of/],
  ];
  t.same(buildServerCliOptions({ ...none, password: 'pw', nameserver: ['127.0.0.1:5353, ::1', '[::1]:53'], ipv6First: true }).servers, [{ password: 'pw', nameservers: ['127.0.0.1:5353', '::1', '[::1]:53'], ipv6First: true }]);
  bad.push([{ nameserver: ['127.0.0.1', 'dns.test'] }, /^--nameserver: 'dns.test' is not an IP address/]);
  for (const [flags, message] of bad) t.throws(() => buildServerCliOptions({ ...none, ...flags }), { code: 'ERR_SS_CONFIG', message });
});

t.test('flags override the config file, entry by entry', async (t) => {
  const file = parseConfigFile({ server: '0.0.0.0', server_port: 8388, key: 'a2V5', method: 'aes-256-gcm', timeout: 100 });
  t.same(buildServerCliOptions({ ...none, password: 'pw', serverPort: '9000' }, file).servers, [
    { host: '0.0.0.0', port: 9000, method: 'aes-256-gcm', idleTimeoutMs: 100_000, password: 'pw' },
  ], '-k replaces the file key');
  const withPassword = parseConfigFile({ password: 'file', method: 'aes-256-gcm' });
  t.same(buildServerCliOptions({ ...none, key: 'flag' }, withPassword).servers, [{ method: 'aes-256-gcm', key: 'flag' }], '--key replaces the file password');
  t.same(buildServerCliOptions(none, withPassword), { servers: [{ password: 'file', method: 'aes-256-gcm' }], logLevel: 'info', workers: 1, logFormat: 'text' }, 'no password is generated');
});

t.test('with port_password, -k applies to every port and -p is refused', async (t) => {
  const file = parseConfigFile({ port_password: { 8381: 'a', 8382: 'b' } });
  t.same(buildServerCliOptions({ ...none, password: 'pw' }, file).servers, [{ port: 8381, password: 'pw' }, { port: 8382, password: 'pw' }]);
  t.throws(() => buildServerCliOptions({ ...none, serverPort: '1' }, file), { code: 'ERR_SS_CONFIG', message: /^--server-port: cannot be used with port_password/ });
});

t.test('picks the log level: -v, -q, then the file, then info', async (t) => {
  const verbose = parseConfigFile({ verbose: -1, password: 'x' });
  t.equal(buildServerCliOptions({ ...none, verbose: true }, verbose).logLevel, 'debug');
  t.equal(buildServerCliOptions({ ...none, quiet: true }, verbose).logLevel, 'error');
  t.equal(buildServerCliOptions(none, verbose).logLevel, 'warn');
  t.equal(buildServerCliOptions(none, parseConfigFile({ password: 'x' })).logLevel, 'info');
});

t.test('picks the worker count: --workers, then the file, then 1', async (t) => {
  const file = parseConfigFile({ workers: 3, password: 'x' });
  t.equal(buildServerCliOptions({ ...none, workers: '2' }, file).workers, 2);
  t.equal(buildServerCliOptions(none, file).workers, 3);
  t.equal(buildServerCliOptions(none, parseConfigFile({ password: 'x' })).workers, 1);
  for (const bad of ['0', '-1', 'abc', '1.5', '257', '', ' 2']) {
    t.throws(() => buildServerCliOptions({ ...none, workers: bad }, file), { code: 'ERR_SS_CONFIG', message: /^--workers: must be an integer from 1 to 256, got / }, `refuses --workers '${bad}'`);
  }
});

t.test('picks the manager address: --manager-address, then the file, else none', async (t) => {
  const file = parseConfigFile({ manager_address: '127.0.0.1:6001', password: 'x' });
  t.same(buildServerCliOptions({ ...none, managerAddress: '[::1]:7001' }, file).managerAddress, { host: '::1', port: 7001 });
  t.same(buildServerCliOptions(none, file).managerAddress, { host: '127.0.0.1', port: 6001 });
  t.equal(buildServerCliOptions(none, parseConfigFile({ password: 'x' })).managerAddress, undefined);
  t.throws(() => buildServerCliOptions({ ...none, managerAddress: '/run/ss.sock' }, file), { code: 'ERR_SS_CONFIG', message: /^--manager-address: a Unix datagram socket path is not supported/ });
});

t.test('--metrics, --log-format and --access-log are read from flags over the file, and checked', async (t) => {
  const file = parseConfigFile({ password: 'x', metrics: '0.0.0.0:9100', log_format: 'json', access_log: '/var/log/ss-access.log' });
  t.match(buildServerCliOptions(none, file), { metrics: { host: '0.0.0.0', port: 9100 }, logFormat: 'json', accessLog: '/var/log/ss-access.log' }, 'from the file');
  t.match(buildServerCliOptions({ ...none, metrics: '9200', logFormat: 'text', accessLog: '-' }, file), { metrics: { host: '127.0.0.1', port: 9200 }, logFormat: 'text', accessLog: '-' }, 'flags win; a bare port binds 127.0.0.1');
  t.match(buildServerCliOptions({ ...none, metrics: '[::1]:9300' }, file).metrics, { host: '::1', port: 9300 });
  t.equal(buildServerCliOptions(none, parseConfigFile({ password: 'x' })).metrics, undefined, 'off by default');
  t.equal(buildServerCliOptions(none, parseConfigFile({ password: 'x' })).accessLog, undefined, 'no access log by default');
  for (const bad of ['', 'host:', ':9100', '1.2.3.4:70000', '[1.2.3.4]:9100', 'a b:1']) {
    t.throws(() => buildServerCliOptions({ ...none, metrics: bad }, file), { code: 'ERR_SS_CONFIG', message: /^--metrics: / }, `refuses --metrics '${bad}'`);
  }
  t.throws(() => buildServerCliOptions({ ...none, logFormat: 'xml' }, file), { code: 'ERR_SS_CONFIG', message: /^--log-format: must be one of text, json/ });
  t.throws(() => parseConfigFile({ password: 'x', metrics: true }), { code: 'ERR_SS_CONFIG', message: /^metrics: / });
  t.throws(() => parseConfigFile({ password: 'x', access_log: '' }), { code: 'ERR_SS_CONFIG', message: /^access_log: / });
});

t.test('the secret comes from the flags (or their files), then the config file, then SS_SERVER_PASSWORD, then is generated', async (t) => {
  const env = { SS_SERVER_PASSWORD: 'from-env' };
  const file = parseConfigFile({ password: 'from-file' });
  t.equal(buildServerCliOptions({ ...none, password: 'from-flag' }, file, fixed, env).servers[0]!.password, 'from-flag', 'a flag beats the file and the environment');
  t.equal(buildServerCliOptions({ ...none }, file, fixed, env).servers[0]!.password, 'from-file', 'the file beats the environment');
  const fromEnv = buildServerCliOptions({ ...none }, undefined, fixed, env);
  t.equal(fromEnv.servers[0]!.password, 'from-env', 'the environment fills in a missing password');
  t.equal(fromEnv.generatedPassword, undefined, 'nothing is generated then');
  t.same(buildServerCliOptions({ ...none }, undefined, fixed, { SS_SERVER_KEY: 'a2V5' }).servers[0], { key: 'a2V5' });
  t.equal(buildServerCliOptions({ ...none }, undefined, fixed, {}).generatedPassword, 'generated', 'no environment: generated');
  const ports = parseConfigFile({ port_password: { 8001: 'a' } });
  t.equal(buildServerCliOptions({ ...none }, ports, fixed, env).servers[0]!.password, 'a', 'a port_password entry keeps its own password');
  const mixed = parseConfigFile({ servers: [{ server_port: 8001, password: 'own' }, { server_port: 8002 }] });
  t.same(buildServerCliOptions({ ...none }, mixed, fixed, env).servers.map((s) => s.password), ['own', 'from-env'], 'only servers without a secret take the environment');
  t.throws(() => buildServerCliOptions({ ...none }, undefined, fixed, { SS_SERVER_PASSWORD: '' }), { message: 'SS_SERVER_PASSWORD: must not be empty' });
  t.doesNotThrow(() => buildServerCliOptions({ ...none, password: 'x' }, undefined, fixed, { SS_SERVER_PASSWORD: '' }), 'the environment is not read when not needed');
});

t.test('nofile comes from --nofile, else the file', async (t) => {
  t.equal(buildServerCliOptions({ ...none, password: 'x', nofile: '4096' }, parseConfigFile({ nofile: 100 })).nofile, 4096);
  t.equal(buildServerCliOptions({ ...none, password: 'x' }, parseConfigFile({ nofile: 100 })).nofile, 100);
  t.equal(buildServerCliOptions({ ...none, password: 'x' }).nofile, undefined);
  t.throws(() => buildServerCliOptions({ ...none, password: 'x', nofile: 'many' }), { message: /^--nofile: must be an integer from 1 to/ });
});

t.test('-p cannot override the ports of a servers array either', async (t) => {
  const file = parseConfigFile({ servers: [{ server_port: 8001, password: 'a' }, { server_port: 8002, password: 'b' }] });
  t.throws(() => buildServerCliOptions({ ...none, serverPort: '1' }, file), { code: 'ERR_SS_CONFIG', message: '--server-port: cannot be used with port_password or servers in the config file: they give several ports' });
});
