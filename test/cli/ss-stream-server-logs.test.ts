/**
 * What ss-stream-server logs at its default level: a refused target with
 * the --forbidden-ip hint, a failed handshake (a wrong password) with the
 * client and kind; --log-format json; --access-log to a file. Run from dist/.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { binPath, spawnCli } from '../fixtures/cli.js';
import { connectTo, startEchoServer } from '../fixtures/net.js';
import { ssConnect } from '../fixtures/ss-client.js';

const BIN = binPath('ss-stream-server');
const METHOD = 'aes-128-gcm';
const PASSWORD = 'logs-secret-pw';

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

t.test('without -v: a refused target and a wrong password are logged, in JSON, and each connection is in the access log', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ss-logs-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const accessLog = join(dir, 'access.log');
  const echo = await startEchoServer();
  t.teardown(echo.close);
  // No --forbidden-ip: loopback targets are refused by default.
  const cli = spawnCli(BIN, ['-s', '127.0.0.1', '-p', '0', '-m', METHOD, '-k', PASSWORD, '--log-format', 'json', '--access-log', accessLog]);
  t.teardown(() => cli.kill('SIGKILL'));
  const [, port] = await cli.waitForStdout(/listening on 127\.0\.0\.1:(\d+)/, 20_000);

  const c = await ssConnect(Number(port), { method: METHOD, password: PASSWORD, target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('hi') });
  await c.ended;
  const probe = await connectTo(Number(port));
  probe.end(randomBytes(80));
  await waitFor(() => cli.stderr().includes('handshake failed') && cli.stderr().includes('target refused'), 'the failure lines');
  await waitFor(() => readFileSync(accessLog, 'utf8').split('\n').length >= 3, 'two access lines');

  const lines = cli.stderr().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  t.ok(lines.every((l) => typeof l['time'] === 'string' && typeof l['level'] === 'string' && typeof l['msg'] === 'string'), 'every stderr line is one JSON object');
  t.match(lines.find((l) => l['msg'] === 'target refused'), { level: 'warn', client: '127.0.0.1', user: 'default', target: `127.0.0.1:${echo.port}`, hint: /--forbidden-ip/ });
  t.match(lines.find((l) => l['msg'] === 'handshake failed'), { level: 'warn', client: '127.0.0.1', kind: 'auth', bytes: 80 });

  const access = readFileSync(accessLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  t.match(access.find((l) => l['status'] === 'ERR_SS_FORBIDDEN_TARGET'), { level: 'access', msg: 'connection', user: 'default', target: `127.0.0.1:${echo.port}`, up: 0, down: 0 });
  t.match(access.find((l) => l['status'] === 'ERR_SS_DECRYPT'), { user: '-', target: '-' });
  t.notMatch(cli.stderr() + readFileSync(accessLog, 'utf8'), PASSWORD, 'the password is in no log');
  cli.kill('SIGTERM');
  t.equal((await cli.exited).code, 0);
});

t.test('--access-log - writes text access lines to stderr; a bad --log-format is refused', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const cli = spawnCli(BIN, ['-s', '127.0.0.1', '-p', '0', '-m', METHOD, '-k', PASSWORD, '--forbidden-ip', '', '--access-log', '-']);
  t.teardown(() => cli.kill('SIGKILL'));
  const [, port] = await cli.waitForStdout(/listening on 127\.0\.0\.1:(\d+)/, 20_000);
  const c = await ssConnect(Number(port), { method: METHOD, password: PASSWORD, target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('hello') });
  await new Promise((r) => setTimeout(r, 100));
  c.encrypt.end();
  await c.ended;
  await waitFor(() => / access connection /.test(cli.stderr()), 'the access line');
  t.match(cli.stderr(), new RegExp(`access connection client=127\\.0\\.0\\.1:\\d+ user=default target=127\\.0\\.0\\.1:${echo.port} up=5 down=5 durationMs=\\d+ status=OK`));
  const bad = spawnCli(BIN, ['-k', PASSWORD, '--log-format', 'xml']);
  t.equal((await bad.exited).code, 2);
  t.match(bad.stderr(), /--log-format: must be one of text, json/);
});
