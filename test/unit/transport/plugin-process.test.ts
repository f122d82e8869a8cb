import { once } from 'node:events';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isSsError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/logger.js';
import { freePort } from '../../../lib/transport/free-port.js';
import { PluginProcess, pluginEnv, type PluginProcessOptions } from '../../../lib/transport/plugin-process.js';
import { FAKE_PLUGIN, isAlive, waitFor } from '../../fixtures/plugin.js';
import { connectTo, readAll, startEchoServer } from '../../fixtures/net.js';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string): void => void lines.push(`${level} ${message}`);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

// A fake plugin on the server side: listens on a free port, forwards to `localPort`.
async function serverSidePlugin(localPort: number, extra: Partial<PluginProcessOptions> = {}): Promise<{ plugin: PluginProcess; port: number; logger: ReturnType<typeof recordingLogger> }> {
  const port = await freePort('127.0.0.1');
  const logger = recordingLogger();
  const plugin = new PluginProcess({
    plugin: FAKE_PLUGIN,
    endpoints: { remoteHost: '127.0.0.1', remotePort: port, localHost: '127.0.0.1', localPort },
    listen: { host: '127.0.0.1', port },
    logger,
    ...extra,
  });
  return { plugin, port, logger };
}

t.test('pluginEnv sets SS_REMOTE_*, SS_LOCAL_* and SS_PLUGIN_OPTIONS only when given', async (t) => {
  const endpoints = { remoteHost: '0.0.0.0', remotePort: 8388, localHost: '127.0.0.1', localPort: 40000 };
  t.same(pluginEnv(endpoints, 'obfs=http'), { SS_REMOTE_HOST: '0.0.0.0', SS_REMOTE_PORT: '8388', SS_LOCAL_HOST: '127.0.0.1', SS_LOCAL_PORT: '40000', SS_PLUGIN_OPTIONS: 'obfs=http' });
  t.notOk('SS_PLUGIN_OPTIONS' in pluginEnv(endpoints));
});

t.test('gives the plugin its environment and arguments, and resolves once it listens', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plugin-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const record = join(dir, 'record.json');
  const { plugin, port, logger } = await serverSidePlugin(echo.port, { pluginOpts: 'obfs=http;obfs-host=a.test', pluginArgs: ['--record', record] });
  t.teardown(() => plugin.stop());
  await plugin.start();
  const seen = JSON.parse(readFileSync(record, 'utf8')) as { argv: string[]; env: Record<string, string> };
  t.same(seen.argv, ['--record', record]);
  t.same(seen.env, { SS_REMOTE_HOST: '127.0.0.1', SS_REMOTE_PORT: String(port), SS_LOCAL_HOST: '127.0.0.1', SS_LOCAL_PORT: String(echo.port), SS_PLUGIN_OPTIONS: 'obfs=http;obfs-host=a.test' });
  const c = await connectTo(port);
  const all = readAll(c);
  c.end('through the plugin');
  t.equal((await all).toString(), 'through the plugin');
  await waitFor(() => logger.lines.some((l) => l === 'info fake-plugin.mjs: fake plugin stderr line'));
  t.ok(logger.lines.includes('info fake-plugin.mjs: fake plugin starting'), 'stdout lines are logged with the plugin name');
});

t.test('a missing program is ERR_SS_PLUGIN_START naming the plugin', async (t) => {
  const { plugin } = await serverSidePlugin(1, { plugin: '/nonexistent/obfs-server' });
  const err = await plugin.start().then(() => undefined, (e: unknown) => e);
  t.ok(isSsError(err, 'ERR_SS_PLUGIN_START'), String(err));
  t.match((err as Error).message, /plugin obfs-server: cannot run it: .*ENOENT/);
});

t.test('a plugin that exits at once is ERR_SS_PLUGIN_START with its exit code', async (t) => {
  const { plugin } = await serverSidePlugin(1, { pluginArgs: ['--exit', '3'] });
  await t.rejects(plugin.start(), { code: 'ERR_SS_PLUGIN_START', message: /fake-plugin\.mjs: it exited \(code 3\) before listening/ });
});

t.test('a plugin that never opens its port is ERR_SS_PLUGIN_START after the timeout, and is killed', async (t) => {
  const { plugin } = await serverSidePlugin(1, { pluginArgs: ['--no-listen'], startTimeoutMs: 300 });
  const pids: number[] = [];
  plugin.on('spawn', (pid) => pids.push(pid));
  await t.rejects(plugin.start(), { code: 'ERR_SS_PLUGIN_START', message: /did not listen on 127\.0\.0\.1:\d+ within 300 ms/ });
  t.equal(pids.length, 1);
  t.notOk(isAlive(pids[0]!), 'the child is gone');
});

t.test('restarts a plugin that dies, with the backoff delay', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const { plugin, port, logger } = await serverSidePlugin(echo.port, { pluginArgs: ['--die-after', '200'], backoff: { initialDelayMs: 50, maxRestarts: 10 } });
  t.teardown(() => plugin.stop());
  const pids: number[] = [];
  plugin.on('spawn', (pid) => pids.push(pid));
  await plugin.start();
  await waitFor(() => pids.length >= 3);
  t.ok(logger.lines.some((l) => /^warn plugin fake-plugin\.mjs exited \(code 7\); restarting in 50 ms$/.test(l)), 'the first restart waits 50 ms');
  t.ok(logger.lines.some((l) => /restarting in 100 ms$/.test(l)), 'the second waits twice as long');
  t.ok(port > 0);
});

t.test("past the restart bound, emits 'fatal' with ERR_SS_PLUGIN_EXITED and stops restarting", async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const { plugin } = await serverSidePlugin(echo.port, { pluginArgs: ['--die-after', '50'], backoff: { initialDelayMs: 10, maxRestarts: 2 } });
  t.teardown(() => plugin.stop());
  let spawns = 0;
  plugin.on('spawn', () => spawns++);
  await plugin.start();
  const [err] = (await once(plugin, 'fatal')) as [Error];
  t.ok(isSsError(err, 'ERR_SS_PLUGIN_EXITED'));
  t.match(err.message, /plugin fake-plugin\.mjs exited \(code 7\) more than the allowed restarts/);
  t.equal(spawns, 3, 'the start and two restarts');
  t.equal(plugin.pid, undefined);
});

t.test('stop() ends the plugin with SIGTERM', async (t) => {
  const { plugin } = await serverSidePlugin(1);
  await plugin.start();
  const pid = plugin.pid!;
  await plugin.stop();
  t.notOk(isAlive(pid));
});

t.test('stop() kills a plugin that ignores SIGTERM after the grace period', async (t) => {
  const { plugin, logger } = await serverSidePlugin(1, { pluginArgs: ['--ignore-term'], stopGraceMs: 200 });
  await plugin.start();
  const pid = plugin.pid!;
  await plugin.stop();
  t.notOk(isAlive(pid));
  t.ok(logger.lines.some((l) => /did not exit on SIGTERM; killing it/.test(l)));
});

t.test('a stopped plugin is not restarted', async (t) => {
  const { plugin } = await serverSidePlugin(1, { backoff: { initialDelayMs: 1 } });
  let spawns = 0;
  plugin.on('spawn', () => spawns++);
  await plugin.start();
  await plugin.stop();
  await new Promise((r) => setTimeout(r, 100));
  t.equal(spawns, 1);
});

t.test('a program that vanished before a restart counts as one more exit, up to the bound', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plugin-vanish-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const program = join(dir, 'vanishing-plugin.mjs');
  copyFileSync(FAKE_PLUGIN, program);
  chmodSync(program, 0o755);
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const { plugin } = await serverSidePlugin(echo.port, { plugin: program, pluginArgs: ['--die-after', '100'], backoff: { initialDelayMs: 10, maxRestarts: 2 } });
  t.teardown(() => plugin.stop());
  await plugin.start();
  rmSync(program);
  const [err] = (await once(plugin, 'fatal')) as [Error];
  t.ok(isSsError(err, 'ERR_SS_PLUGIN_EXITED'), 'gives up instead of going silent');
});
