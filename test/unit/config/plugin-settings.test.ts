import t from 'tap';
import { resolvePlugin, splitSip002Plugin, toPlugin, toPluginArgs, toPluginMode, toPluginOpts } from '../../../lib/config/plugin-settings.js';

t.test('splits a SIP002 plugin value at its first semicolon into the program and its options', async (t) => {
  t.same(splitSip002Plugin('obfs-local;obfs=http;obfs-host=a.test'), { plugin: 'obfs-local', pluginOpts: 'obfs=http;obfs-host=a.test' });
  t.same(splitSip002Plugin('v2ray-plugin'), { plugin: 'v2ray-plugin' });
  t.same(splitSip002Plugin('v2ray-plugin;'), { plugin: 'v2ray-plugin' }, 'an empty option list is none');
  t.same(splitSip002Plugin('p;path=/a\\;b'), { plugin: 'p', pluginOpts: 'path=/a\\;b' }, 'escaped semicolons stay in the options, escaped');
});

t.test('checks the plugin name, options, arguments and mode, naming the key', async (t) => {
  t.equal(toPlugin('', 'plugin'), '', "'' is accepted (no plugin)");
  t.throws(() => toPlugin(' obfs', 'plugin'), { code: 'ERR_SS_CONFIG', message: /^plugin: must not start or end with spaces/ });
  t.throws(() => toPlugin('a\0b', 'plugin'), { message: /^plugin: must not contain NUL/ });
  t.throws(() => toPluginOpts('obfs=http\0', 'plugin_opts'), { message: /^plugin_opts: must not contain NUL/ });
  t.same(toPluginArgs(['-v', '8'], '--plugin-args', 'flag'), ['-v', '8'], 'a repeated flag gives the arguments in order');
  t.same(toPluginArgs('8', '--plugin-args', 'flag'), ['8'], 'one flag value is one argument');
  t.throws(() => toPluginArgs(['-v', 8], '--plugin-args', 'flag'), { message: /^--plugin-args\[1\]: must be a string, got number/ }, 'flag values are text: a number is refused as in a file');
  t.same(toPluginArgs('-v', 'plugin_args', 'file'), ['-v'], 'one string in a file is one argument');
  t.throws(() => toPluginArgs('-v', 'pluginArgs', 'option'), { message: /^pluginArgs: must be an array of strings, got string/ });
  t.throws(() => toPluginArgs(['-v', 8], 'plugin_args', 'file'), { message: /^plugin_args\[1\]: must be a string, got number/ });
  t.equal(toPluginMode('tcp_and_udp', 'plugin_mode'), 'tcp_and_udp');
  t.throws(() => toPluginMode('udp_only', 'plugin_mode'), { message: /^plugin_mode: must be one of tcp_only, tcp_and_udp, got 'udp_only'/ });
});

t.test('resolves to no plugin for an absent or empty name, and defaults the rest', async (t) => {
  t.equal(resolvePlugin({}), undefined);
  t.equal(resolvePlugin({ plugin: '', pluginOpts: '', pluginArgs: [] }), undefined);
  t.same(resolvePlugin({ plugin: 'obfs-server', pluginOpts: '' }), { plugin: 'obfs-server', pluginArgs: [], pluginMode: 'tcp_only' }, "'' options are none");
  t.throws(() => resolvePlugin({ pluginOpts: 'obfs=http' }), { message: /^pluginOpts: needs a plugin/ });
});
