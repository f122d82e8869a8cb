/**
 * SIGHUP, SIGUSR1 and SIGUSR2 sent to ss-stream-server (its main process and
 * every worker) and to ss-stream-local are logged and ignored (the server's
 * main process handles SIGHUP as a reload, refused here with no -c): no process
 * ends, none opens Node's inspector (no "Debugger listening" line, no TCP
 * listener of its own but the proxy's port), and traffic still flows.
 * Everything runs on 127.0.0.1 from dist/.
 */
import { randomBytes } from 'node:crypto';
import t, { type Test } from 'tap';
import { SocksClient } from 'socks';
import { binPath, spawnCli, type CliProcess } from '../fixtures/cli.js';
import { readBytes, startEchoServer } from '../fixtures/net.js';
import { tcpListeningPorts } from '../fixtures/proc.js';
import { ssConnect } from '../fixtures/ss-client.js';

const SERVER = binPath('ss-stream-server');
const LOCAL = binPath('ss-stream-local');
const LISTENING = /listening on 127\.0\.0\.1:(\d+) \(([a-z0-9-]+)\)/;
const WORKER_STARTED = /worker started worker=(\d+) pid=(\d+)/g;
const SIGNALS = ['SIGUSR1', 'SIGHUP', 'SIGUSR2'] as const;
const INSPECTOR = /Debugger listening|inspector/i;

async function start(t: Test, bin: string, args: string[]): Promise<{ cli: CliProcess; port: number; method: string }> {
  const cli = spawnCli(bin, args);
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

// The server's main process reloads on SIGHUP: without -c it refuses, and goes on.
const serverMainLine = (s: string): RegExp => (s === 'SIGHUP' ? /reload refused, the running configuration stays: no config file/ : new RegExp(`info signal ignored signal=${s}\\n`));

function count(text: string, re: RegExp): number {
  return text.match(new RegExp(re.source, 'g'))?.length ?? 0;
}

/** Waits until `condition` holds, for `ms` at most. */
async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !condition() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends each ignored signal to `pid` and waits for `cli` to log it
 * (`logged(signal)` matches the line), to start an inspector, or to end.
 */
async function sendIgnored(t: Test, cli: CliProcess, pid: number, logged: (signal: string) => RegExp): Promise<void> {
  for (const signal of SIGNALS) {
    const before = count(cli.stderr(), logged(signal));
    const inspectorBefore = count(cli.stderr(), INSPECTOR);
    process.kill(pid, signal);
    await until(() => count(cli.stderr(), logged(signal)) > before || count(cli.stderr(), INSPECTOR) > inspectorBefore || !alive(pid));
    t.equal(count(cli.stderr(), logged(signal)), before + 1, `${pid} logs ${signal} as ignored`);
    t.ok(alive(pid), `${pid} survives ${signal}`);
    t.notMatch(cli.stderr(), INSPECTOR, `${pid} starts no inspector on ${signal}`);
  }
}

t.test('ss-stream-server and ss-stream-local log and ignore SIGHUP, SIGUSR1 and SIGUSR2, open no debugger, and keep relaying', async (t) => {
  const echo = await startEchoServer();
  t.teardown(() => echo.close());
  const server = await start(t, SERVER, ['-s', '127.0.0.1', '-p', '0', '--forbidden-ip', '', '-k', 'pw']);
  const local = await start(t, LOCAL, ['-s', '127.0.0.1', '-p', String(server.port), '-b', '127.0.0.1', '-l', '0', '-k', 'pw']);
  await sendIgnored(t, server.cli, server.cli.child.pid!, serverMainLine);
  await sendIgnored(t, local.cli, local.cli.child.pid!, (s) => new RegExp(`info signal ignored signal=${s}\\n`));
  for (const { cli, port } of [server, local]) {
    t.notMatch(cli.stderr(), INSPECTOR, 'no inspector was started');
    t.same(tcpListeningPorts(cli.child.pid!), [port], 'listens on its own port only');
  }
  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: local.port, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port: echo.port }, timeout: 5000 });
  t.teardown(() => socket.destroy());
  const payload = randomBytes(64);
  socket.write(payload);
  t.same(await readBytes(socket, payload.length), payload, 'relays through both');
  socket.destroy();
  for (const { cli } of [local, server]) {
    cli.kill('SIGTERM');
    t.same(await cli.exited, { code: 0, signal: null }, 'SIGTERM still stops it');
  }
});

t.test('with --workers 2, the main process and each worker log and ignore SIGHUP, SIGUSR1 and SIGUSR2, and open no debugger', async (t) => {
  const echo = await startEchoServer();
  t.teardown(() => echo.close());
  const { cli, port, method } = await start(t, SERVER, ['-s', '127.0.0.1', '-p', '0', '--forbidden-ip', '', '-k', 'pw', '--workers', '2']);
  const main = cli.child.pid!;
  await sendIgnored(t, cli, main, serverMainLine);
  for (const m of [...cli.stderr().matchAll(WORKER_STARTED)]) {
    const [n, pid] = [Number(m[1]), Number(m[2])];
    await sendIgnored(t, cli, pid, (s) => new RegExp(`info signal ignored signal=${s} worker=${n}\\n`));
    t.same(tcpListeningPorts(pid), [port], `worker ${n} listens on the shared port only`);
  }
  t.notMatch(cli.stderr(), INSPECTOR, 'no inspector was started');
  t.same(tcpListeningPorts(main).filter((p) => p !== port), [], 'the main process has no listener of its own');
  t.notMatch(cli.stderr(), /worker exited/, 'no worker exited');
  for (let i = 0; i < 4; i++) {
    const payload = randomBytes(100);
    const client = await ssConnect(port, { method, password: 'pw', target: { host: '127.0.0.1', port: echo.port }, payload, end: true });
    await client.ended;
    client.socket.destroy();
    t.same(client.received(), payload, `connection ${i} relayed`);
  }
  cli.kill('SIGTERM');
  t.same(await cli.exited, { code: 0, signal: null }, 'SIGTERM still stops it');
});
