/**
 * ss-stream-server --manager-address: the ss-manager API of the running
 * command adds and removes ports, and answers ping with pong and a stat.
 * Runs dist/ on 127.0.0.1.
 */
import t from 'tap';
import { binPath, spawnCli } from '../fixtures/cli.js';
import { freePort, readBytes, startEchoServer } from '../fixtures/net.js';
import { ssConnect } from '../fixtures/ss-client.js';
import { openManagerClient } from '../fixtures/manager-client.js';

const SERVER = binPath('ss-stream-server');

t.test('the command serves the manager API on the UDP address given, and nothing more', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const managerPort = await freePort();
  const cli = spawnCli(SERVER, ['-s', '127.0.0.1', '-p', '0', '-k', 'pw', '-m', 'aes-128-gcm', '--forbidden-ip', '', '--manager-address', `127.0.0.1:${managerPort}`]);
  t.teardown(() => cli.kill('SIGKILL'));
  await cli.waitForStdout(/listening on 127\.0\.0\.1:\d+/, 20_000);
  const { ask, next } = await openManagerClient(t, managerPort);
  const port = await freePort();
  t.equal(await ask(`add: {"server_port": ${port}, "password": "pw-of-8001"}`), 'ok');
  const c = await ssConnect(port, { method: 'aes-128-gcm', password: 'pw-of-8001', target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.from('hi') });
  t.same(await readBytes(c.decrypt, 2), Buffer.from('hi'), 'the added port relays with the base settings (method, forbidden_ip)');
  c.encrypt.end();
  await c.ended;
  t.equal(JSON.parse(await ask('list')).length, 2, 'list shows the configured and the added port');
  t.equal(await ask('ping'), 'pong');
  const stat = await next();
  // JSON objects list integer keys in numeric order: compare parsed, not as text.
  t.match(stat.toString(), /^stat: \{.*\}$/);
  const stats = JSON.parse(stat.toString().slice('stat: '.length)) as Record<string, number>;
  t.equal(Object.keys(stats).length, 2, 'the configured port (its bound number) and the added one');
  t.equal(stats[String(port)], 4);
  t.same(Object.entries(stats).filter(([p]) => p !== String(port)).map(([, n]) => n), [0]);
  const ext = await next();
  t.match(ext.toString(), /^stat_ext: \{.*\}$/);
  t.same((JSON.parse(ext.toString().slice('stat_ext: '.length)) as Record<string, unknown>)[String(port)], { up: 2, down: 2 });
  t.notMatch(stat.toString(), /"0":/);
  t.equal(await ask(`remove: {"server_port": ${port}}`), 'ok');
  t.notMatch(cli.stderr(), /pw-of-8001/, 'the password is not logged');
  cli.kill('SIGTERM');
  t.same(await cli.exited, { code: 0, signal: null });
});
