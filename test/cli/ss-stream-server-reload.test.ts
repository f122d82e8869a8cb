/**
 * ss-stream-server reloads its config file on SIGHUP: a transfer running
 * through the server during the reload completes intact, a user added by
 * the reload connects, a removed one cannot open new connections, and a
 * config that fails to load (or would need a restart) is refused while the
 * old one stays. Also the --manager-address checks at start. Runs dist/ on
 * 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t, { type Test } from 'tap';
import { binPath, runCli, spawnCli, type CliProcess } from '../fixtures/cli.js';
import { freePort, howItEnds, readBytes, startEchoServer } from '../fixtures/net.js';
import { ssConnect } from '../fixtures/ss-client.js';
import { decodeSip008 } from '../../lib/config/sip008.js';

const SERVER = binPath('ss-stream-server');
const method = 'aes-128-gcm';

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !condition() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
}

async function setup(t: Test) {
  const dir = await mkdtemp(join(tmpdir(), 'ss-reload-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.json');
  const port = await freePort();
  const write = (o: object | string) => writeFile(file, typeof o === 'string' ? o : JSON.stringify({ server: '127.0.0.1', server_port: port, method, forbidden_ip: '', mode: 'tcp_only', ...o }));
  const echo = await startEchoServer();
  t.teardown(echo.close);
  return { file, port, write, target: { host: '127.0.0.1', port: echo.port } };
}

async function spawn(t: Test, file: string, extra: string[] = []): Promise<CliProcess> {
  const cli = spawnCli(SERVER, ['-c', file, ...extra]);
  t.teardown(() => {
    cli.kill('SIGKILL');
    for (const m of cli.stderr().matchAll(/worker started worker=\d+ pid=(\d+)/g)) {
      try {
        process.kill(Number(m[1]), 'SIGKILL');
      } catch {}
    }
  });
  await cli.waitForStdout(/listening on 127\.0\.0\.1:\d+/, 20_000);
  return cli;
}

/** Sends SIGHUP and waits for the n-th outcome line. */
async function reload(cli: CliProcess, n: number, outcome = /(info reloaded(?!.*worker=).*|error reload refused.*)\n/g): Promise<string> {
  cli.kill('SIGHUP');
  await until(() => [...cli.stderr().matchAll(outcome)].length >= n);
  return [...cli.stderr().matchAll(outcome)][n - 1]?.[1] ?? 'no outcome';
}

async function relays(port: number, password: string, target: { host: string; port: number }): Promise<boolean> {
  const c = await ssConnect(port, { method, password, target, payload: Buffer.from('ping') }).catch(() => undefined);
  if (c === undefined) return false; // refused: nothing listens
  const ok = await Promise.race([readBytes(c.decrypt, 4, 3000).then(() => true, () => false), howItEnds(c.socket, 3000).then(() => false)]);
  c.socket.destroy();
  return ok;
}

t.test('a transfer running during a SIGHUP reload completes intact; added users connect, removed ones cannot', async (t) => {
  const { file, port, write, target } = await setup(t);
  await write({ users: [{ name: 'alice', password: 'a-pw' }] });
  const cli = await spawn(t, file);
  const data = randomBytes(1 << 20);
  const c = await ssConnect(port, { method, password: 'a-pw', target });
  const half = data.length / 2;
  c.encrypt.write(data.subarray(0, half));
  const echoed = readBytes(c.decrypt, data.length, 20_000);
  await write({ users: [{ name: 'bob', password: 'b-pw' }] });
  t.match(await reload(cli, 1), /^info reloaded .*changed/);
  c.encrypt.end(data.subarray(half));
  t.ok((await echoed).equals(data), 'alice\'s 1 MiB came back intact across the reload');
  t.equal(await relays(port, 'b-pw', target), true, 'bob, added by the reload, connects');
  t.equal(await relays(port, 'a-pw', target), false, 'alice, removed, cannot open a new connection');
  cli.kill('SIGTERM');
  t.same(await cli.exited, { code: 0, signal: null });
});

t.test('a reload adds and removes ports; a bad config is refused and the old one stays', async (t) => {
  const { file, port, write, target } = await setup(t);
  await write({ password: 'one' });
  const cli = await spawn(t, file);
  const other = await freePort();
  await write({ server_port: undefined, port_password: { [port]: 'uno', [other]: 'dos' } });
  t.match(await reload(cli, 1), /^info reloaded/);
  t.equal(await relays(port, 'uno', target), true, 'the kept port has its new password');
  t.equal(await relays(other, 'dos', target), true, 'the new port serves');
  await write('{"server_port": ');
  t.match(await reload(cli, 2), /^error reload refused, the running configuration stays: .*JSON/);
  await write({ server_port: undefined, port_password: { [port]: 'tres' }, method: 'aes-256-gcm' });
  t.match(await reload(cli, 3), /^error reload refused, the running configuration stays: method: cannot change on a running server/);
  await write({ server_port: undefined, port_password: { [port]: 'tres', [other]: '' } });
  t.match(await reload(cli, 4), /^error reload refused, .*must not be empty/);
  t.notMatch(cli.stderr(), /tres|uno|dos/, 'no password is logged');
  t.equal(await relays(port, 'uno', target), true, 'after three refused reloads the old config is in force');
  t.equal(await relays(other, 'dos', target), true);
  await write({ password: 'only' });
  t.match(await reload(cli, 5), /^info reloaded/);
  t.equal(await relays(port, 'only', target), true);
  t.equal(await relays(other, 'dos', target), false, 'the removed port no longer serves');
  cli.kill('SIGTERM');
  t.same(await cli.exited, { code: 0, signal: null });
});

t.test('with --workers 2, the main process passes the reload to every worker, and a transfer goes on', async (t) => {
  const { file, port, write, target } = await setup(t);
  await write({ users: [{ name: 'alice', password: 'a-pw' }] });
  const sip008 = join(dirname(file), 'servers.json');
  const shared = async (): Promise<string[]> => decodeSip008(JSON.parse(await readFile(sip008, 'utf8'))).map((s) => `${s.serverPort} ${s.password}`);
  const cli = await spawn(t, file, ['--workers', '2', '--sip008', sip008, '--public-host', 'h.test']);
  const data = randomBytes(1 << 19);
  const c = await ssConnect(port, { method, password: 'a-pw', target });
  c.encrypt.write(data.subarray(0, 1000));
  const echoed = readBytes(c.decrypt, data.length, 20_000);
  await write({ users: [{ name: 'bob', password: 'b-pw' }] });
  t.match(await reload(cli, 1), /^info reloaded workers=2/);
  t.equal([...cli.stderr().matchAll(/info reloaded .*worker=\d/g)].length, 2, 'each worker reloaded');
  t.same(await shared(), [`${port} b-pw`], '--sip008 is rewritten with the reloaded users');
  c.encrypt.end(data.subarray(1000));
  t.ok((await echoed).equals(data), 'the transfer completed intact');
  for (let i = 0; i < 4; i++) {
    t.equal(await relays(port, 'b-pw', target), true, `bob connects (${i})`);
    t.equal(await relays(port, 'a-pw', target), false, `alice cannot (${i})`);
  }
  await write({ users: [{ name: 'carol', password: 'c-pw' }], method: 'aes-256-gcm' });
  t.match(await reload(cli, 2), /^error reload refused, the running configuration stays: method: cannot change/);
  t.equal(await relays(port, 'b-pw', target), true, 'a refused reload leaves the workers as they were');
  cli.kill('SIGTERM');
  t.same(await cli.exited, { code: 0, signal: null });
});

t.test('--manager-address: a Unix socket path and --workers 2 are refused at start, naming the flag', async (t) => {
  const path = await runCli(SERVER, ['-s', '127.0.0.1', '-p', '0', '-k', 'pw', '--manager-address', '/tmp/ss-manager.sock']);
  t.equal(path.code, 2);
  t.match(path.stderr, /--manager-address: a Unix datagram socket path is not supported/);
  const workers = await runCli(SERVER, ['-s', '127.0.0.1', '-p', '0', '-k', 'pw', '--workers', '2', '--manager-address', '127.0.0.1:1']);
  t.equal(workers.code, 2);
  t.match(workers.stderr, /--manager-address: needs a single process/);
});
