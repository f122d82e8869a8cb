import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { ClusterPlugins } from '../../../lib/cli/cluster-plugins.js';
import { isSsError } from '../../../lib/errors.js';
import { NOOP_LOGGER } from '../../../lib/logger.js';
import { freePort } from '../../../lib/transport/free-port.js';
import { tcpListeningPorts } from '../../fixtures/proc.js';
import { FAKE_PLUGIN, isAlive, waitFor } from '../../fixtures/plugin.js';

function recordFile(t: Test): { path: string; pid(): number } {
  const dir = mkdtempSync(join(tmpdir(), 'cluster-plugins-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'record.json');
  return { path, pid: () => (JSON.parse(readFileSync(path, 'utf8')) as { pid: number }).pid };
}

t.test('prepare() fixes the public port and gives each plugin port a loopback port; servers without a plugin pass unchanged', async (t) => {
  const plugins = new ClusterPlugins(NOOP_LOGGER);
  const plain = { host: '127.0.0.1', port: 8388, password: 'pw' };
  const [first, second] = await plugins.prepare([{ host: '127.0.0.1', port: 0, password: 'pw', plugin: FAKE_PLUGIN }, plain]);
  t.not(first!.port, 0, 'port 0 becomes a free port, where the plugin will listen');
  t.type(first!.pluginLocalPort, 'number');
  t.equal(second, plain);
});

t.test('start() runs one plugin per port in front of its loopback port; a reload keeps unchanged ones and stops removed ones', async (t) => {
  const plugins = new ClusterPlugins(NOOP_LOGGER);
  t.teardown(() => plugins.stop());
  const records = [recordFile(t), recordFile(t)];
  const ports = [await freePort('127.0.0.1'), await freePort('127.0.0.1')];
  const servers = ports.map((port, i) => ({ host: '127.0.0.1', port, password: 'pw', plugin: FAKE_PLUGIN, pluginArgs: ['--record', records[i]!.path] }));
  const prepared = await plugins.prepare(servers);
  t.same(prepared.map((s) => s.port), ports);
  await plugins.start();
  const pids = records.map((r) => r.pid());
  t.same(pids.map((pid) => tcpListeningPorts(pid)), ports.map((p) => [p]), 'each plugin listens on its public port');
  t.equal(JSON.parse(readFileSync(records[0]!.path, 'utf8')).env.SS_LOCAL_PORT, String(prepared[0]!.pluginLocalPort), 'and goes to the loopback port the workers get');
  const kept = await plugins.prepare([servers[0]!]);
  t.equal(kept[0]!.pluginLocalPort, prepared[0]!.pluginLocalPort, 'a reload keeps an unchanged port\'s loopback port');
  await plugins.start();
  t.equal(records[0]!.pid(), pids[0], 'and its plugin');
  await waitFor(() => !isAlive(pids[1]!));
  t.pass('the removed port\'s plugin stopped');
  await plugins.stop();
  t.notOk(isAlive(pids[0]!), 'stop() ends it');
});

t.test("a plugin that keeps dying is a 'fatal' event", async (t) => {
  const plugins = new ClusterPlugins(NOOP_LOGGER);
  t.teardown(() => plugins.stop());
  await plugins.prepare([{ host: '127.0.0.1', port: 0, password: 'pw', plugin: FAKE_PLUGIN, pluginArgs: ['--die-after', '200'] }]);
  await plugins.start();
  const [err] = (await once(plugins, 'fatal')) as [Error];
  t.ok(isSsError(err, 'ERR_SS_PLUGIN_EXITED'));
});

t.test('start() rejects with ERR_SS_PLUGIN_START when a plugin cannot start', async (t) => {
  const plugins = new ClusterPlugins(NOOP_LOGGER);
  t.teardown(() => plugins.stop());
  await plugins.prepare([{ host: '127.0.0.1', port: 0, password: 'pw', plugin: '/nonexistent/obfs-server' }]);
  await t.rejects(plugins.start(), { code: 'ERR_SS_PLUGIN_START' });
});
