/**
 * ss-stream-server with a SIP003 plugin (the fake one: a node script that
 * forwards TCP), run from dist/ as a child process: the plugin's lifecycle
 * as the command drives it, alone and with --workers. Plugins are found by
 * the PID they record, and checked to be gone by PID.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { binPath, runCli, spawnCli } from '../fixtures/cli.js';
import { startEchoServer } from '../fixtures/net.js';
import { FAKE_PLUGIN, isAlive, waitFor } from '../fixtures/plugin.js';
import { ssConnect } from '../fixtures/ss-client.js';

const BIN = binPath('ss-stream-server');
const method = 'aes-128-gcm';
const password = 'cli-plugin';
const BASE = ['-s', '127.0.0.1', '-p', '0', '--forbidden-ip', '', '-m', method, '-k', password, '--plugin', FAKE_PLUGIN];
const LISTENING = /listening on 127\.0\.0\.1:(\d+) \(/;

function recordFile(t: Test): { args: string[]; pid(): number; ppid(): number } {
  const dir = mkdtempSync(join(tmpdir(), 'cli-plugin-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'record.json');
  const pid = (): number => (JSON.parse(readFileSync(path, 'utf8')) as { pid: number }).pid;
  return { args: ['--plugin-args=--record', `--plugin-args=${path}`], pid, ppid: () => Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid()}/status`, 'utf8'))![1]) };
}

async function echoes(port: number, target: number, text: string): Promise<boolean> {
  const c = await ssConnect(port, { method, password, target: { host: '127.0.0.1', port: target }, payload: Buffer.from(text), end: true });
  await c.ended;
  return c.received().toString() === text;
}

t.test('runs the plugin in front of the port, logs its lines by name, and stops it on SIGTERM', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const record = recordFile(t);
  const cli = spawnCli(BIN, [...BASE, ...record.args]);
  t.teardown(() => cli.kill('SIGKILL'));
  const [, port] = await cli.waitForStdout(LISTENING, 20_000);
  t.equal(record.ppid(), cli.child.pid, 'the plugin is our child');
  t.ok(await echoes(Number(port), echo.port, 'via the plugin'), 'the printed port is the plugin\'s, and it relays');
  await waitFor(() => cli.stderr().includes('fake-plugin.mjs: fake plugin stderr line'));
  const pid = record.pid();
  cli.kill('SIGTERM');
  t.equal((await cli.exited).code, 0);
  t.notOk(isAlive(pid), 'the plugin stopped with the server');
});

t.test('with --workers 2, the primary runs one plugin for the port', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const record = recordFile(t);
  const cli = spawnCli(BIN, [...BASE, ...record.args, '--workers', '2']);
  t.teardown(() => cli.kill('SIGKILL'));
  const [, port] = await cli.waitForStdout(LISTENING, 30_000);
  t.equal(record.ppid(), cli.child.pid, 'the plugin is a child of the primary, not of a worker');
  t.equal(cli.stderr().match(/plugin started/g)?.length, 1, 'one plugin');
  for (let i = 0; i < 4; i++) t.ok(await echoes(Number(port), echo.port, `connection ${i}`), `connection ${i} relays`);
  const pid = record.pid();
  cli.kill('SIGTERM');
  t.equal((await cli.exited).code, 0);
  t.notOk(isAlive(pid), 'the plugin stopped with the primary');
});

t.test('a plugin that cannot start exits 1, naming the plugin', async (t) => {
  const { code, stderr } = await runCli(BIN, ['-s', '127.0.0.1', '-p', '0', '-k', password, '--plugin', '/nonexistent/obfs-server'], 20_000);
  t.equal(code, 1);
  t.match(stderr, /ss-stream-server: plugin obfs-server: cannot run it: .*ENOENT/);
});

t.test('a plugin that keeps dying ends the command with exit 1', async (t) => {
  const cli = spawnCli(BIN, [...BASE, '--plugin-args=--die-after', '--plugin-args=300']);
  t.teardown(() => cli.kill('SIGKILL'));
  await cli.waitForStdout(LISTENING, 20_000);
  const timer = setTimeout(() => cli.kill('SIGKILL'), 60_000);
  const { code } = await cli.exited;
  clearTimeout(timer);
  t.equal(code, 1);
  t.match(cli.stderr(), /restarting in 100 ms/);
  t.match(cli.stderr(), /ss-stream-server: plugin fake-plugin\.mjs exited \(code 7\) more than the allowed restarts/);
});

t.test('a process that dies of an uncaught error takes its plugins with it', async (t) => {
  const record = recordFile(t);
  const lib = fileURLToPath(new URL('../../dist/lib/transport/plugin-process.js', import.meta.url));
  const script = `
    import { PluginProcess } from ${JSON.stringify(lib)};
    const port = Number(process.argv[1]);
    const p = new PluginProcess({ plugin: ${JSON.stringify(FAKE_PLUGIN)}, pluginArgs: ${JSON.stringify(record.args.map((a) => a.slice('--plugin-args='.length)))},
      endpoints: { remoteHost: '127.0.0.1', remotePort: port, localHost: '127.0.0.1', localPort: 9 }, listen: { host: '127.0.0.1', port } });
    await p.start();
    throw new Error('crash');`;
  const { freePort } = await import('../fixtures/net.js');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, String(await freePort())], { stdio: 'ignore' });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.not(code, 0, 'it crashed');
  const pid = record.pid();
  await waitFor(() => !isAlive(pid)).catch(() => {});
  t.notOk(isAlive(pid), 'its plugin is gone');
});
