import t from 'tap';
import { LOCAL_DEFAULTS, parseLocalConfigFile, resolveLocalOptions, resolveLocalServices, resolveTunnel } from '../../../lib/local/local-options.js';

const base = { server: '127.0.0.1', password: 'pw' };

t.test('merges the defaults', async (t) => {
  const c = resolveLocalOptions(base);
  t.match(c, { server: '127.0.0.1', serverPort: 8388, host: '127.0.0.1', port: 1080, tunnel: undefined, credentials: undefined, idleTimeoutMs: 300_000, firstPacketDelayMs: 50, maxHttpHeadBytes: 65536 });
  t.equal(c.method, LOCAL_DEFAULTS.method);
  t.equal(Buffer.from(c.key, 'base64').length, 32, 'the derived key, base64');
  t.equal(c.mode, 'tcp_and_udp', 'UDP ASSOCIATE is offered by default');
  t.equal(resolveLocalOptions({ ...base, mode: 'tcp_only' }).mode, 'tcp_only');
  t.equal(resolveLocalOptions({ ...base, server: '[::1]', host: '[::1]' }).server, '::1');
});

t.test('refuses bad options, naming them', async (t) => {
  const cases: [object, RegExp][] = [
    [{ password: 'pw' }, /^server: is required/],
    [{ ...base, server: ' ' }, /^server: must not be empty/],
    [{ server: 'x' }, /^password: is required/],
    [{ ...base, key: 'AAAA' }, /^key: give either password or key/],
    [{ ...base, method: 'xchacha20' }, /^method: unknown method/],
    [{ ...base, serverPort: 0 }, /^serverPort: must be between 1 and 65535/],
    [{ ...base, port: 70000 }, /^port: /],
    [{ ...base, idleTimeoutMs: 0 }, /^idleTimeoutMs: /],
    [{ ...base, firstPacketDelayMs: -1 }, /^firstPacketDelayMs: /],
    [{ ...base, maxHttpHeadBytes: 10 }, /^maxHttpHeadBytes: /],
    [{ ...base, tunnel: 'nohost' }, /^tunnel: must be host:port/],
    [{ ...base, tunnel: { host: 'a', port: 0 } }, /^tunnel\.port: /],
    [{ ...base, tunnel: 5 }, /^tunnel: must be/],
    [{ ...base, socksUsername: 'u' }, /^socksPassword: is required/],
    [{ ...base, socksUsername: 'u:v', socksPassword: 'p' }, /^socksUsername: must not contain ":"/],
    [{ ...base, socksUsername: 'u', socksPassword: 'p'.repeat(256) }, /^socksPassword: must be 1 to 255 bytes/],
    [{ ...base, mode: 'both' }, /^mode: must be one of tcp_and_udp, tcp_only, udp_only/],
  ];
  for (const [options, message] of cases) t.throws(() => resolveLocalOptions(options), { code: 'ERR_SS_CONFIG', message }, JSON.stringify(options));
  t.throws(() => resolveLocalOptions(null as never), { code: 'ERR_SS_CONFIG' });
});

t.test('refuses bad services, naming them', async (t) => {
  t.throws(() => resolveLocalServices({ onConnectionClose: 'nope' as never }), { code: 'ERR_SS_CONFIG', message: /^onConnectionClose: must be a function/ });
  t.throws(() => resolveLocalServices({ lookup: 'dns' as never }), { code: 'ERR_SS_CONFIG', message: /^lookup: must be a function/ });
  t.equal(typeof resolveLocalServices({}).lookup, 'function', 'dns.lookup by default');
});

t.test('parses tunnel targets', async (t) => {
  t.same(resolveTunnel('echo.test:7'), { type: 'domain', host: 'echo.test', port: 7 });
  t.same(resolveTunnel('[::1]:53'), { type: 'ipv6', host: '::1', port: 53 });
  t.same(resolveTunnel({ host: '::1', port: 53 }), { type: 'ipv6', host: '::1', port: 53 });
  t.same(resolveTunnel({ host: '127.0.0.1', port: 80 }), { type: 'ipv4', host: '127.0.0.1', port: 80 });
});

t.test('maps ss-local JSON keys to options', async (t) => {
  t.same(parseLocalConfigFile({ server: 'ss.test', server_port: '8389', local_address: '127.0.0.1', local_port: 1081, password: 'pw', method: 'aes-128-gcm', timeout: 60, tunnel_address: '127.0.0.1:53', mode: 'tcp_only', plugin: '' }), {
    server: 'ss.test', serverPort: 8389, host: '127.0.0.1', port: 1081, password: 'pw', method: 'aes-128-gcm', idleTimeoutMs: 60_000, tunnel: { type: 'ipv4', host: '127.0.0.1', port: 53 }, mode: 'tcp_only', plugin: '',
  });
  t.same(parseLocalConfigFile({ key: 'a2V5' }), { key: 'a2V5' });
  t.same(parseLocalConfigFile({ plugin: 'obfs-local', plugin_opts: 'obfs=http', plugin_args: 'x', plugin_mode: 'tcp_and_udp' }), { plugin: 'obfs-local', pluginOpts: 'obfs=http', pluginArgs: ['x'], pluginMode: 'tcp_and_udp' }, 'the SIP003 keys');
  for (const mode of ['tcp_and_udp', 'tcp_only', 'udp_only']) t.same(parseLocalConfigFile({ mode }), { mode }, `mode ${mode}`);
});

t.test('refuses bad or unknown JSON keys, naming them', async (t) => {
  const cases: [unknown, RegExp][] = [
    [[], /^config: must be a JSON object/],
    [{ sever: 'x' }, /^sever: unknown key/],
    [{ server: 1 }, /^server: must be a string, got number/],
    [{ server_port: 0 }, /^server_port: /],
    [{ local_port: 'x' }, /^local_port: /],
    [{ password: '' }, /^password: must not be empty/],
    [{ method: 'bf-cfb' }, /^method: bf-cfb needs OpenSSL's legacy provider.*--openssl-legacy-provider/],
    [{ timeout: -1 }, /^timeout: /],
    [{ mode: 'tcp_udp' }, /^mode: must be one of tcp_and_udp, tcp_only, udp_only, got 'tcp_udp'/],
    [{ mode: 1 }, /^mode: must be a string/],
    [{ plugin: 2 }, /^plugin: must be a string, got number/],
    [{ plugin_opts: ['obfs=http'] }, /^plugin_opts: must be a string/],
    [{ plugin_mode: 'both' }, /^plugin_mode: must be one of tcp_only, tcp_and_udp, got 'both'/],
    [{ tunnel_address: 'x' }, /^tunnel_address: /],
  ];
  for (const [json, message] of cases) t.throws(() => parseLocalConfigFile(json), { code: 'ERR_SS_CONFIG', message }, JSON.stringify(json));
});
