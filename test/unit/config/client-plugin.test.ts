import t from 'tap';
import { toClientPlugin } from '../../../lib/config/client-plugin.js';

t.test('obfs-server becomes obfs-local with only the client options', async (t) => {
  t.same(toClientPlugin('obfs-server', 'obfs=http;obfs-host=www.example.test;failover=127.0.0.1:80'), { plugin: 'obfs-local', pluginOpts: 'obfs=http;obfs-host=www.example.test' });
  t.same(toClientPlugin('/usr/bin/obfs-server', 'obfs=tls'), { plugin: 'obfs-local', pluginOpts: 'obfs=tls' }, 'a path is matched by its name');
  t.same(toClientPlugin('obfs-server', undefined), { plugin: 'obfs-local', pluginOpts: '' });
});

t.test('v2ray-plugin and Debian\'s ss-v2ray-plugin lose server, cert and key', async (t) => {
  const opts = 'server;tls;host=ss.example.test;path=/ws;cert=/etc/c.pem;key=/etc/k.pem;mux=4';
  t.same(toClientPlugin('v2ray-plugin', opts), { plugin: 'v2ray-plugin', pluginOpts: 'tls;host=ss.example.test;path=/ws;mux=4' });
  t.same(toClientPlugin('ss-v2ray-plugin', 'server;mode=websocket'), { plugin: 'v2ray-plugin', pluginOpts: 'mode=websocket' });
});

t.test('an unknown plugin is passed through with a warning', async (t) => {
  const warnings: string[] = [];
  t.same(toClientPlugin('kcptun', 'crypt=aes;key\\;x=1', (w) => warnings.push(w)), { plugin: 'kcptun', pluginOpts: 'crypt=aes;key\\;x=1' });
  t.match(warnings, [/plugin 'kcptun': not known here/]);
});
