import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { EXIT_LISTEN_FAILED, EXIT_OK, EXIT_USAGE, runServerCli } from '../../../lib/cli/run-server-cli.js';
import { freePort } from '../../fixtures/net.js';
import { ssConnect } from '../../fixtures/ss-client.js';
import { fakeCliIo } from '../../fixtures/cli-io.js';

/** In-memory stdout/stderr, a signal emitter and a recorded exit(). */

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !condition(); ) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

t.test('exits 2 on usage and config errors, with a hint only for usage errors', async (t) => {
  const usage = fakeCliIo();
  t.equal(await runServerCli(['--nope'], usage.io), EXIT_USAGE);
  t.equal(usage.stderr(), "ss-stream-server: Unknown argument: nope\nTry 'ss-stream-server --help'.\n");
  const config = fakeCliIo();
  t.equal(await runServerCli(['-s', '127.0.0.1', '-p', '99999'], config.io), EXIT_USAGE);
  t.equal(config.stderr(), 'ss-stream-server: --server-port: must be between 0 and 65535, got 99999\n');
  t.equal(usage.stdout() + config.stdout(), '');
});

t.test('listens, prints the address and a URI for a generated password, and stops on a signal', async (t) => {
  const f = fakeCliIo();
  const done = runServerCli(['-s', '127.0.0.1', '-p', '0', '-m', 'aes-128-gcm'], f.io);
  await until(() => f.stdout().includes('uri:'));
  const port = Number(/listening on 127\.0\.0\.1:(\d+) \(aes-128-gcm\)\n/.exec(f.stdout())![1]);
  const password = /password: (\S+)/.exec(f.stdout())![1]!;
  t.match(f.stdout(), new RegExp(`uri: +ss://\\S+@127\\.0\\.0\\.1:${port}#ss-stream-server\\n`));
  t.equal(password.length, 32);
  t.match(f.stderr(), /info listening address=127\.0\.0\.1:\d+ method=aes-128-gcm/);
  f.signals.emit('SIGTERM', 'SIGTERM');
  t.equal(await done, EXIT_OK);
  t.match(f.stderr(), /info shutting down signal=SIGTERM connections=0\n.*info stopped\n/);
  t.equal(f.signals.listenerCount('SIGTERM') + f.signals.listenerCount('SIGINT'), 0, 'signal handlers removed');
});

t.test('--genkey prints a fresh key of the method\'s length and exits 0 without listening', async (t) => {
  for (const [method, bytes] of [['2022-blake3-aes-128-gcm', 16], ['2022-blake3-aes-256-gcm', 32], ['2022-blake3-chacha20-poly1305', 32]] as const) {
    const f = fakeCliIo();
    t.equal(await runServerCli(['--genkey', '-m', method], f.io), EXIT_OK);
    const key = f.stdout().trim();
    t.match(f.stdout(), /^[A-Za-z0-9+/]+={0,2}\n$/, `${method}: one standard base64 line`);
    t.equal(Buffer.from(key, 'base64').length, bytes, `${method}: ${bytes} bytes`);
    t.equal(f.stderr(), '', 'nothing logged: no server started');
  }
  const aead = fakeCliIo();
  t.equal(await runServerCli(['--genkey', '-m', 'aes-256-gcm'], aead.io), EXIT_OK);
  t.match(aead.stdout(), /^[A-Za-z0-9_-]{32}\n$/, 'AEAD: a 192-bit password');
  const twice = [fakeCliIo(), fakeCliIo()];
  for (const f of twice) await runServerCli(['--genkey', '-m', '2022-blake3-aes-128-gcm'], f.io);
  t.not(twice[0]!.stdout(), twice[1]!.stdout(), 'fresh every time');
  const bad = fakeCliIo();
  t.equal(await runServerCli(['--genkey', '-m', 'rc5'], bad.io), EXIT_USAGE);
  t.match(bad.stderr(), /^ss-stream-server: --method: unknown method 'rc5'/);
});

t.test('with a 2022 method and no key, generates a PSK of the key length and prints the plain URI', async (t) => {
  const f = fakeCliIo();
  const done = runServerCli(['-s', '127.0.0.1', '-p', '0', '-m', '2022-blake3-aes-256-gcm', '--mode', 'tcp_only'], f.io);
  await until(() => f.stdout().includes('uri:'));
  const port = Number(/listening on 127\.0\.0\.1:(\d+) /.exec(f.stdout())![1]);
  const psk = /password: (\S+)/.exec(f.stdout())![1]!;
  t.equal(Buffer.from(psk, 'base64').length, 32, 'a 32-byte PSK');
  t.match(f.stdout(), /generated a key for this run/);
  t.match(f.stdout(), new RegExp(`uri: +ss://2022-blake3-aes-256-gcm:${encodeURIComponent(psk).replace(/[+]/g, '\\+')}@127\\.0\\.0\\.1:${port}#ss-stream-server\n`), 'plain percent-encoded userinfo');
  f.signals.emit('SIGTERM', 'SIGTERM');
  t.equal(await done, EXIT_OK);
});

t.test('with --mode udp_only, prints the UDP address', async (t) => {
  const f = fakeCliIo();
  const done = runServerCli(['-s', '127.0.0.1', '-p', '0', '-k', 'pw', '--mode', 'udp_only'], f.io);
  await until(() => f.stdout().includes('listening'));
  t.match(f.stdout(), /^listening on 127\.0\.0\.1:\d+ \(chacha20-ietf-poly1305\)\n$/);
  t.match(f.stderr(), /listening \(udp\)/);
  t.notMatch(f.stderr(), /info listening address/, 'no TCP listener');
  f.signals.emit('SIGTERM', 'SIGTERM');
  t.equal(await done, EXIT_OK);
});

t.test('a second signal exits at once with 128 + the signal number', async (t) => {
  const f = fakeCliIo();
  const done = runServerCli(['-s', '127.0.0.1', '-p', '0', '-k', 'pw'], f.io);
  await until(() => f.stdout().includes('listening'));
  const port = Number(/:(\d+) /.exec(f.stdout())![1]);
  const client = await ssConnect(port, { method: 'chacha20-ietf-poly1305', password: 'pw' });
  await new Promise((r) => setTimeout(r, 100)); // let the server accept it
  f.signals.emit('SIGINT', 'SIGINT');
  f.signals.emit('SIGINT', 'SIGINT');
  t.same(f.exits, [130]);
  t.match(f.stderr(), /warn second signal: exiting now signal=SIGINT/);
  client.socket.destroy();
  t.equal(await done, EXIT_OK, 'the first signal still completes once the connection is gone');
  t.notMatch(f.stdout(), /uri:/, 'no URI for a user-given password');
});

t.test('exits 1, closing the servers that did start, when one port is taken', async (t) => {
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
  const dir = t.testdir({ 'config.json': JSON.stringify({ server: '127.0.0.1', port_password: { [free]: 'a', [taken]: 'b' } }) });
  const f = fakeCliIo();
  t.equal(await runServerCli(['-c', join(dir, 'config.json')], f.io), EXIT_LISTEN_FAILED);
  t.match(f.stderr(), /ss-stream-server: listen EADDRINUSE/);
  t.equal(f.stdout(), '');
  const probe = createServer();
  probe.listen(free, '127.0.0.1');
  await once(probe, 'listening');
  await new Promise((r) => probe.close(r));
  t.pass('the first port was released');
});

t.test('with --mode udp_only, --workers runs one process and says so', async (t) => {
  const f = fakeCliIo();
  const done = runServerCli(['-s', '127.0.0.1', '-p', '0', '-k', 'pw', '--mode', 'udp_only', '--workers', '3'], f.io);
  await until(() => f.stdout().includes('listening'));
  t.match(f.stderr(), /warn workers: UDP is relayed by one process; running one with mode udp_only/);
  t.notMatch(f.stderr(), /worker started/, 'no worker process');
  f.signals.emit('SIGTERM', 'SIGTERM');
  t.equal(await done, EXIT_OK);
});
