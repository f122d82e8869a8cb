/**
 * ss-stream-server under a low limit of open files (`ulimit -n`), with and
 * without workers: a burst of connections that send one byte and close,
 * from a client without the password, runs every process out of file
 * descriptors; once they are gone, a real client must be served again.
 * And a config with more ports than the limit can hold is refused before
 * any of them listens. Everything stays on 127.0.0.1; each step is bounded
 * in count and time.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { binPath, spawnCli, type CliProcess } from '../fixtures/cli.js';
import { freePort, startEchoServer } from '../fixtures/net.js';
import { ssConnect } from '../fixtures/ss-client.js';

const BIN = binPath('ss-stream-server');
const LISTENING = /listening on 127\.0\.0\.1:(\d+) \(([a-z0-9-]+)\)/;
const WORKER_STARTED = /worker started worker=(\d+) pid=(\d+)/g;
/** The limit of open files of the server (and its workers). */
const MAX_OPEN_FILES = 256;
/** Connections in the burst: several times what one process can hold. */
const BURST = 1500;
/** How long a real client keeps trying after the burst, ms (a wedged server never answers). */
const RECOVERY_DEADLINE_MS = 20_000;

async function startCli(t: Test, args: string[]): Promise<{ cli: CliProcess; port: number; method: string }> {
  const cli = spawnCli(BIN, args, { maxOpenFiles: MAX_OPEN_FILES });
  t.teardown(() => {
    cli.kill('SIGKILL');
    for (const m of cli.stderr().matchAll(WORKER_STARTED)) {
      try {
        process.kill(Number(m[2]), 'SIGKILL');
      } catch {}
    }
  });
  const [, port, method] = await cli.waitForStdout(LISTENING, 20_000);
  return { cli, port: Number(port), method: method! };
}

/** Opens `n` connections at once, each sending one byte; closes them all once each connected or failed. */
async function burst(port: number, n: number): Promise<void> {
  const sockets: Socket[] = [];
  await Promise.all(Array.from({ length: n }, () => new Promise<void>((resolve) => {
    const s = connect({ port, host: '127.0.0.1' }, () => {
      s.write(Buffer.of(0x42));
      resolve();
    });
    sockets.push(s);
    s.setTimeout(5000, () => resolve());
    s.on('error', () => resolve());
  })));
  for (const s of sockets) s.destroy();
}

/** Tries one relayed echo after another until one succeeds; resolves with the attempts, or 0 past the deadline. */
async function servedAgain(port: number, method: string, target: number): Promise<number> {
  for (let attempt = 1, end = Date.now() + RECOVERY_DEADLINE_MS; Date.now() < end; attempt++) {
    const payload = randomBytes(100);
    const client = await ssConnect(port, { method, password: 'pw', target: { host: '127.0.0.1', port: target }, payload, end: true }).catch(() => undefined);
    if (client !== undefined) {
      const timer = setTimeout(() => client.socket.destroy(), 1000);
      await client.ended;
      clearTimeout(timer);
      client.socket.destroy();
      if (client.received().equals(payload)) return attempt;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return 0;
}

t.test('with ulimit -n 64, running out of descriptors on connect is logged once as a warning naming EMFILE and the limit', async (t) => {
  const echo = await startEchoServer();
  t.teardown(() => echo.close());
  const cli = spawnCli(BIN, ['-s', '127.0.0.1', '-p', '0', '--forbidden-ip', '', '-k', 'pw'], { maxOpenFiles: 64 });
  t.teardown(() => cli.kill('SIGKILL'));
  const [, port, method] = await cli.waitForStdout(LISTENING, 20_000);
  // 150 authenticated clients held open: each relayed one takes two descriptors.
  const clients = await Promise.all(Array.from({ length: 150 }, () => ssConnect(Number(port), { method: method!, password: 'pw', target: { host: '127.0.0.1', port: echo.port }, payload: Buffer.of(1) }).catch(() => undefined)));
  await new Promise((r) => setTimeout(r, 1000));
  for (const c of clients) c?.socket.destroy();
  const lines = cli.stderr().split('\n').filter((l) => l.includes('out of file descriptors'));
  t.equal(lines.length, 1, 'one line for the whole burst');
  t.match(lines[0], /warn out of file descriptors on=connect code=EMFILE limit=64 suppressed=0 hint=.*ulimit -n/);
  t.match(cli.stderr(), /info udp associations capped by the limit of open files natCapacity=8 configured=1024 openFiles=64/);
  cli.kill('SIGTERM');
  t.same(await cli.exited, { code: 0, signal: null });
});

for (const workers of [1, 2]) {
  t.test(`with --workers ${workers} and ulimit -n ${MAX_OPEN_FILES}, serves again after ${BURST} connections that send one byte and close`, async (t) => {
    const echo = await startEchoServer();
    t.teardown(() => echo.close());
    const { cli, port, method } = await startCli(t, ['-s', '127.0.0.1', '-p', '0', '--forbidden-ip', '', '-k', 'pw', '--workers', String(workers)]);
    await burst(port, BURST);
    t.ok(await servedAgain(port, method, echo.port) > 0, 'a real client is served again');
    cli.kill('SIGTERM');
    t.same(await cli.exited, { code: 0, signal: null }, 'SIGTERM still stops it');
  });
}

/** Resolves true if a TCP connection to `port` on 127.0.0.1 was accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' }, () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

t.test('refuses a port_password config that ulimit -n cannot hold, before any port listens', async (t) => {
  const ports = new Set<number>();
  while (ports.size < 40) ports.add(await freePort());
  const config = { server: '127.0.0.1', port_password: Object.fromEntries([...ports].map((p) => [p, 'pw'])) };
  const dir = t.testdir({ 'many.json': JSON.stringify(config) });
  const cli = spawnCli(BIN, ['-c', join(dir, 'many.json')], { maxOpenFiles: 96 });
  t.teardown(() => cli.kill('SIGKILL'));
  let running = true;
  void cli.exited.then(() => { running = false; });
  // Knock on the lowest port (the first to listen) until the process is gone.
  const first = Math.min(...ports);
  let accepted = 0;
  for (let i = 0; running && i < 2000; i++) if (await accepts(first)) accepted++;
  const { code } = await cli.exited;
  t.equal(code, 1, 'exit 1');
  t.match(cli.stderr(), /^ss-stream-server: ulimit -n: a limit of 96 open files cannot serve every port: 80 listening sockets \+ \d+ open now \+ 32 kept for connections = \d+ needed; raise the limit or serve fewer ports\n$/);
  t.notMatch(cli.stderr(), /listening address=/, 'no server logged that it listened');
  t.equal(cli.stdout(), '');
  t.equal(accepted, 0, 'no connection was accepted');
});
