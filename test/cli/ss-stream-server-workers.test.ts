/**
 * ss-stream-server --workers N: node:cluster workers on one shared port,
 * run as a child process from dist/ (npm test builds first). Every server
 * listens on 127.0.0.1 with a port from -p 0; workers are found by the PIDs
 * the primary logs, and are checked to be gone by PID.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { binPath, runCli, spawnCli, type CliProcess } from '../fixtures/cli.js';
import { freePort, startEchoServer } from '../fixtures/net.js';
import { keysFor, ssConnect } from '../fixtures/ss-client.js';
import { SsUdpClient } from '../fixtures/ss-udp.js';
import { startUdpEcho } from '../fixtures/udp.js';

const BIN = binPath('ss-stream-server');
const LOOPBACK = ['-s', '127.0.0.1', '-p', '0', '--forbidden-ip', ''];
const LISTENING = /listening on 127\.0\.0\.1:(\d+) \(([a-z0-9-]+)\)/;
const WORKER_STARTED = /worker started worker=(\d+) pid=(\d+)/g;

async function echoPort(t: Test): Promise<number> {
  const echo = await startEchoServer();
  t.teardown(() => echo.close());
  return echo.port;
}

/** Starts the CLI and resolves once it prints its address (all workers listen by then). */
async function startCli(t: Test, args: string[]): Promise<{ cli: CliProcess; port: number; method: string }> {
  const cli = spawnCli(BIN, args);
  t.teardown(() => {
    cli.kill('SIGKILL');
    for (const pid of workerPids(cli)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  const [, port, method] = await cli.waitForStdout(LISTENING, 20_000);
  return { cli, port: Number(port), method: method! };
}

/** PIDs of every worker the primary started so far (or of worker `n` only), from its log. */
function workerPids(cli: CliProcess, n?: number): number[] {
  return [...cli.stderr().matchAll(WORKER_STARTED)].filter((m) => n === undefined || Number(m[1]) === n).map((m) => Number(m[2]));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function parentOf(pid: number): number {
  return Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

/** Relays `n` connections one after the other; resolves with how many echoed correctly. */
async function relay(port: number, method: string, password: string, target: number, n: number): Promise<number> {
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const payload = randomBytes(1000);
    const client = await ssConnect(port, { method, password, target: { host: '127.0.0.1', port: target }, payload, end: true });
    await client.ended;
    client.socket.destroy();
    if (client.received().equals(payload)) ok++;
  }
  return ok;
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !condition(); ) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

t.test('with --workers 2, reports once, relays through both workers, and SIGTERM stops them all', async (t) => {
  const target = await echoPort(t);
  const { cli, port, method } = await startCli(t, [...LOOPBACK, '--workers', '2', '-k', 'pw', '-v']);
  const pids = workerPids(cli);
  t.equal(pids.length, 2, 'two workers started');
  for (const pid of pids) t.equal(parentOf(pid), cli.child.pid, `worker ${pid} is a child of the primary`);
  t.equal(cli.stdout().match(/listening on/g)?.length, 1, 'the address is printed once');
  t.equal(await relay(port, method, 'pw', target, 8), 8, 'every connection echoed');
  await until(() => (cli.stderr().match(/connection closed .*status=OK/g)?.length ?? 0) >= 8);
  t.match(cli.stderr(), /connection closed .*worker=1/, 'worker 1 served connections');
  t.match(cli.stderr(), /connection closed .*worker=2/, 'worker 2 served connections');
  cli.kill('SIGTERM');
  t.same(await cli.exited, { code: 0, signal: null }, 'SIGTERM exits 0');
  t.match(cli.stderr(), /stopped worker=1/);
  t.match(cli.stderr(), /stopped worker=2/);
  t.same(pids.filter(alive), [], 'no worker is left running');
});

t.test('restarts a worker that dies, on the same port, with a generated password printed once', async (t) => {
  const target = await echoPort(t);
  const { cli, port, method } = await startCli(t, [...LOOPBACK, '--workers', '2']);
  const [, password] = await cli.waitForStdout(/password: (\S+)/);
  const [first, second] = workerPids(cli);
  process.kill(second!, 'SIGKILL');
  const worker2Listening = new RegExp(`info listening address=127\\.0\\.0\\.1:${port} .*worker=2`, 'g');
  await until(() => workerPids(cli).length === 3 && (cli.stderr().match(worker2Listening)?.length ?? 0) === 2);
  t.match(cli.stderr(), new RegExp(`warn worker exited unexpectedly: restarting worker=2 pid=${second} code=null signal=SIGKILL inMs=100`));
  const restarted = workerPids(cli)[2]!;
  t.not(restarted, second, 'a new process');
  t.equal(await relay(port, method, password!, target, 6), 6, 'both workers serve the generated password');
  t.equal(cli.stdout().match(/uri:/g)?.length, 1, 'the URI was printed once');
  cli.kill('SIGINT');
  t.same(await cli.exited, { code: 0, signal: null }, 'SIGINT exits 0');
  t.same([first!, restarted].filter(alive), [], 'no worker is left running');
});

t.test('relays UDP (in worker 1) with workers from the config file', async (t) => {
  const echo = await startUdpEcho();
  t.teardown(() => echo.close());
  const dir = t.testdir({ 'config.json': JSON.stringify({ server: '127.0.0.1', server_port: 0, password: 'pw', method: 'aes-256-gcm', workers: 2, forbidden_ip: '' }) });
  const { cli, port } = await startCli(t, ['-c', join(dir, 'config.json')]);
  t.equal(workerPids(cli).length, 2, 'workers: 2 from the file');
  t.match(cli.stderr(), /listening \(udp\) .*worker=1/);
  t.notMatch(cli.stderr(), /listening \(udp\) .*worker=2/, 'one process relays UDP');
  const { spec, masterKey } = keysFor('aes-256-gcm', 'pw');
  const client = await SsUdpClient.open(spec, masterKey, { host: '127.0.0.1', port });
  t.teardown(() => client.close());
  for (let i = 0; i < 4; i++) {
    const payload = randomBytes(32);
    t.ok((await client.echo({ host: '127.0.0.1', port: echo.port }, payload)).payload.equals(payload), `datagram ${i} echoed`);
  }
  t.equal(echo.sources.size, 1, 'the target saw one source port for the client');
  process.kill(workerPids(cli)[0]!, 'SIGKILL');
  await until(() => (cli.stderr().match(/listening \(udp\) .*worker=1/g)?.length ?? 0) === 2);
  t.match(cli.stderr(), new RegExp(`listening \\(udp\\) address=127\\.0\\.0\\.1:${port} .*worker=1`), 'the restarted worker 1 relays UDP on the same port');
  const payload = randomBytes(32);
  t.ok((await client.echo({ host: '127.0.0.1', port: echo.port }, payload)).payload.equals(payload), 'UDP works after the restart');
  cli.kill('SIGTERM');
  t.equal((await cli.exited).code, 0);
});

t.test('gives up and exits 1 when a worker keeps dying', async (t) => {
  const { cli } = await startCli(t, [...LOOPBACK, '--workers', '2', '-k', 'pw']);
  const killed = new Set<number>();
  // Kill every incarnation of worker 2 as soon as it is logged (6 deaths: the first and 5 restarts).
  const timer = setInterval(() => {
    for (const pid of workerPids(cli, 2)) {
      if (killed.has(pid)) continue;
      killed.add(pid);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 20);
  t.teardown(() => clearInterval(timer));
  t.same(await cli.exited, { code: 1, signal: null });
  clearInterval(timer);
  t.equal(killed.size, 6, 'worker 2 was started 6 times');
  t.match(cli.stderr(), /error worker 2 exited 6 times within 60 s; giving up/);
  t.match(cli.stderr(), /ss-stream-server: worker 2 exited 6 times within 60 s; giving up/);
  t.same(workerPids(cli).filter(alive), [], 'no worker is left running');
});

t.test('a second signal kills the workers at once', async (t) => {
  const target = await echoPort(t);
  const { cli, port, method } = await startCli(t, [...LOOPBACK, '--workers', '2', '-k', 'pw']);
  const pids = workerPids(cli);
  const client = await ssConnect(port, { method, password: 'pw', target: { host: '127.0.0.1', port: target }, payload: Buffer.from('ping') });
  t.teardown(() => client.socket.destroy());
  await until(() => client.received().length >= 4);
  cli.kill('SIGTERM');
  await until(() => /info shutting down reason=stop/.test(cli.stderr()));
  const started = Date.now();
  cli.kill('SIGTERM');
  t.same(await cli.exited, { code: 143, signal: null });
  t.ok(Date.now() - started < 3000, 'did not wait for the grace period');
  await until(() => pids.every((pid) => !alive(pid)), 3000);
  t.pass('no worker is left running');
});

t.test('exits 1 when the port is taken, leaving no worker behind', async (t) => {
  const blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  t.teardown(() => new Promise((r) => blocker.close(r)));
  const { port } = blocker.address() as AddressInfo;
  const cli = spawnCli(BIN, ['-s', '127.0.0.1', '-p', String(port), '-k', 'x', '--workers', '2']);
  t.teardown(() => cli.kill('SIGKILL'));
  t.equal((await cli.exited).code, 1);
  t.match(cli.stderr(), /ss-stream-server: .*EADDRINUSE/);
  t.notMatch(cli.stdout(), /listening on/);
  t.same(workerPids(cli).filter(alive), [], 'no worker is left running');
});

t.test('with port_password, exits 1 when the second port is taken, closing the first and leaving no worker behind', async (t) => {
  const blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  t.teardown(() => new Promise((r) => blocker.close(r)));
  const taken = (blocker.address() as AddressInfo).port;
  let free = await freePort();
  for (let i = 0; free >= taken && i < 20; i++) free = await freePort();
  if (free >= taken) {
    t.skip('no free port below the taken one: the clash cannot be ordered', () => {});
    return;
  }
  // Ports listen in ascending order: the free one first, then the taken one.
  const dir = t.testdir({ 'two.json': JSON.stringify({ server: '127.0.0.1', port_password: { [free]: 'a', [taken]: 'b' } }) });
  const cli = spawnCli(BIN, ['-c', join(dir, 'two.json'), '--workers', '2']);
  t.teardown(() => cli.kill('SIGKILL'));
  t.equal((await cli.exited).code, 1);
  t.match(cli.stderr(), /ss-stream-server: .*EADDRINUSE/);
  t.notMatch(cli.stdout(), /listening on/);
  t.same(workerPids(cli).filter(alive), [], 'no worker is left running');
  const probe = createServer();
  probe.listen(free, '127.0.0.1');
  await once(probe, 'listening');
  await new Promise((r) => probe.close(r));
  t.pass('the first port was released');
});

t.test('refuses bad --workers values before starting any worker', async (t) => {
  const dir = t.testdir({ 'bad.json': JSON.stringify({ server: '127.0.0.1', password: 'x', workers: 'many' }) });
  const cases: [string[], RegExp][] = [
    [['-k', 'x', '--workers', '0'], /--workers: must be an integer from 1 to 256, got string "0"/],
    [['-k', 'x', '--workers', '-2'], /--workers: must be an integer from 1 to 256, got string "-2"/],
    [['-k', 'x', '--workers', 'two'], /--workers: must be an integer from 1 to 256, got string "two"/],
    [['-k', 'x', '--workers', '1.5'], /--workers: must be an integer from 1 to 256, got string "1.5"/],
    [['-k', 'x', '--workers', '1000'], /--workers: must be an integer from 1 to 256, got string "1000"/],
    [['-c', join(dir, 'bad.json')], /config file '.*bad\.json': workers: must be an integer from 1 to 256, got string "many"/],
    [['--workers', '2', '-m', 'aes-256-gcm', '--key', 'c2hvcnQ='], /key: must decode to at least 32 bytes/],
  ];
  const results = await Promise.all(cases.map(([args]) => runCli(BIN, [...LOOPBACK, ...args], 60_000)));
  for (const [i, [args, message]] of cases.entries()) {
    const { code, stdout, stderr } = results[i]!;
    t.equal(code, 2, `${args.join(' ')}: exit 2`);
    t.match(stderr, message, `${args.join(' ')}: names the problem`);
    t.notMatch(stderr, /worker started/, 'no worker was started');
    t.notMatch(stdout, /listening/, 'never listened');
  }
});

t.test('with --workers 2, a replayed connection is refused whichever worker it reaches', async (t) => {
  const target = await echoPort(t);
  const password = 'replay-shared';
  const { port, method } = await startCli(t, [...LOOPBACK, '-k', password, '-m', 'aes-128-gcm', '--workers', '2', '--handshake-timeout', '1']);
  const { spec, masterKey } = keysFor(method, password);
  const { EncryptTransform } = await import('../../lib/stream/encrypt-transform.js');
  const { encodeAddress } = await import('../../lib/protocol/address.js');
  const { connectTo, howItEnds } = await import('../fixtures/net.js');
  const enc = new EncryptTransform({ spec, masterKey });
  const recorded = await new Promise<Buffer>((resolve) => {
    enc.once('data', resolve);
    enc.write(Buffer.concat([encodeAddress('127.0.0.1', target), Buffer.from('only once')]));
  });
  const replies: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = await connectTo(port);
    s.write(recorded);
    const r = await howItEnds(s, i === 0 ? 1000 : 400);
    s.destroy();
    replies.push(r.data.length);
    if (i === 0) await new Promise((r) => setTimeout(r, 100)); // the salt reaches the other worker
  }
  t.ok(replies[0]! > 0, 'the original is relayed');
  t.same(replies.slice(1), [0, 0, 0, 0], 'no replay gets a reply, on either worker');
});
