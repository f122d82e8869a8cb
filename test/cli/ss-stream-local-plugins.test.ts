/**
 * ss-stream-local with a SIP003 plugin (the fake one), run from dist/ as a
 * child process: a plugin that cannot start or keeps dying exits 1, naming
 * it; SIGTERM stops the plugin with the local.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { binPath, runCli, spawnCli } from '../fixtures/cli.js';
import { FAKE_PLUGIN, isAlive } from '../fixtures/plugin.js';

const BIN = binPath('ss-stream-local');
const BASE = ['-s', '127.0.0.1', '-p', '9', '-k', 'pw', '-l', '0', '-b', '127.0.0.1'];
const LISTENING = /listening on 127\.0\.0\.1:(\d+) \(/;

t.test('a plugin that cannot start exits 1, naming it', async (t) => {
  const { code, stderr } = await runCli(BIN, [...BASE, '--plugin', '/nonexistent/obfs-local'], 20_000);
  t.equal(code, 1);
  t.match(stderr, /ss-stream-local: plugin obfs-local: cannot run it: .*ENOENT/);
});

t.test('a plugin that keeps dying ends the local with exit 1', async (t) => {
  const cli = spawnCli(BIN, [...BASE, '--plugin', FAKE_PLUGIN, '--plugin-args=--side', '--plugin-args=local', '--plugin-args=--die-after', '--plugin-args=300']);
  t.teardown(() => cli.kill('SIGKILL'));
  await cli.waitForStdout(LISTENING, 20_000);
  const timer = setTimeout(() => cli.kill('SIGKILL'), 60_000);
  const { code } = await cli.exited;
  clearTimeout(timer);
  t.equal(code, 1);
  t.match(cli.stderr(), /ss-stream-local: plugin fake-plugin\.mjs exited \(code 7\) more than the allowed restarts/);
});

t.test('SIGTERM stops the plugin with the local', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'local-cli-plugin-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const record = join(dir, 'record.json');
  const cli = spawnCli(BIN, [...BASE, '--plugin', FAKE_PLUGIN, '--plugin-args=--side', '--plugin-args=local', '--plugin-args=--record', `--plugin-args=${record}`]);
  t.teardown(() => cli.kill('SIGKILL'));
  await cli.waitForStdout(LISTENING, 20_000);
  const { pid } = JSON.parse(readFileSync(record, 'utf8')) as { pid: number };
  t.ok(isAlive(pid));
  cli.kill('SIGTERM');
  t.equal((await cli.exited).code, 0);
  t.notOk(isAlive(pid), 'the plugin stopped');
});
