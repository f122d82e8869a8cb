/**
 * ss-stream-server --metrics: /metrics of a single process and of
 * --workers 2, summed over the workers, lint-clean, and never going
 * backwards when a worker is killed and restarted. Run from dist/.
 */
import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import t, { type Test } from 'tap';
import { binPath, spawnCli, type CliProcess } from '../fixtures/cli.js';
import { readBytes, startEchoServer } from '../fixtures/net.js';
import { ssConnect } from '../fixtures/ss-client.js';
import { promtoolCheck, promtoolMissing, sampleValue } from '../fixtures/promtool.js';

const BIN = binPath('ss-stream-server');
const METHOD = 'aes-128-gcm';
const ARGS = ['-s', '127.0.0.1', '-p', '0', '--forbidden-ip', '', '-m', METHOD, '-k', 'metrics-pw', '--metrics', '0'];
const LISTENING = /listening on 127\.0\.0\.1:(\d+)/;
const METRICS = /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/;

function scrape(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve(body));
    }).on('error', reject);
  });
}

async function start(t: Test, extra: string[]): Promise<{ cli: CliProcess; port: number; url: string }> {
  const cli = spawnCli(BIN, [...ARGS, ...extra]);
  t.teardown(() => cli.kill('SIGKILL'));
  const [, port] = await cli.waitForStdout(LISTENING, 20_000);
  const [, url] = await cli.waitForStdout(METRICS);
  return { cli, port: Number(port), url: url! };
}

async function relay(port: number, target: number, n: number, size: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const payload = randomBytes(size);
    const c = await ssConnect(port, { method: METHOD, password: 'metrics-pw', target: { host: '127.0.0.1', port: target }, payload });
    await readBytes(c.decrypt, size);
    c.encrypt.end();
    await c.ended;
  }
}

/** Scrapes until the default user's bytes up reach `bytes` (TCP bytes are counted at close). */
async function waitForBytes(url: string, bytes: number): Promise<string> {
  for (let i = 0; ; i++) {
    const text = await scrape(url);
    if ((sampleValue(text, 'ss_data_bytes_total', { user: 'default', direction: 'up', transport: 'tcp' }) ?? 0) >= bytes || i >= 50) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('one process serves /metrics with the traffic it relayed', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const { url, port } = await start(t, []);
  await relay(port, echo.port, 3, 1000);
  const text = await waitForBytes(url, 3000);
  t.equal(sampleValue(text, 'ss_data_bytes_total', { user: 'default', direction: 'down', transport: 'tcp' }), 3000);
  t.equal(sampleValue(text, 'ss_tcp_connections_closed_total', { status: 'OK' }), 3);
  t.notMatch(text, /metrics-pw/, 'the password appears nowhere');
  await t.test('promtool check metrics passes', { skip: promtoolMissing() }, async (t) => {
    const lint = promtoolCheck(text);
    t.equal(lint.status, 0, lint.output);
  });
});

t.test('with --workers 2 the figures are summed, and killing the workers does not set a counter back', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const { cli, url, port } = await start(t, ['--workers', '2']);
  await relay(port, echo.port, 8, 500);
  const before = await waitForBytes(url, 4000);
  t.equal(sampleValue(before, 'ss_data_bytes_total', { user: 'default', direction: 'up', transport: 'tcp' }), 4000, 'all 8 connections counted, whichever worker took them');
  t.equal(sampleValue(before, 'ss_tcp_connections_closed_total', { status: 'OK' }), 8);
  // Both workers die (whichever took the connections) and are restarted at zero.
  for (const m of cli.stderr().matchAll(/worker started worker=\d+ pid=(\d+)/g)) process.kill(Number(m[1]), 'SIGKILL');
  for (let i = 0; i < 100 && (cli.stderr().match(/worker started/g) ?? []).length < 4; i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));
  const after = await scrape(url);
  t.equal(sampleValue(after, 'ss_data_bytes_total', { user: 'default', direction: 'up', transport: 'tcp' }), 4000, 'the killed workers\' bytes are still counted');
  t.equal(sampleValue(after, 'ss_tcp_connections_closed_total', { status: 'OK' }), 8);
  await relay(port, echo.port, 2, 500);
  const more = await waitForBytes(url, 5000);
  t.equal(sampleValue(more, 'ss_data_bytes_total', { user: 'default', direction: 'up', transport: 'tcp' }), 5000, 'and new traffic adds to them');
  await t.test('promtool check metrics passes on the sum', { skip: promtoolMissing() }, async (t) => {
    const lint = promtoolCheck(more);
    t.equal(lint.status, 0, lint.output);
  });
});
