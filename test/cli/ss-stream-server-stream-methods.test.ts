/**
 * The command line with a legacy stream method: the start warning, the
 * clear refusal of a legacy-provider method without the flag, and the same
 * method working (through libev's ss-tunnel, when installed) with
 * NODE_OPTIONS=--openssl-legacy-provider.
 */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { binPath, runCli, spawnCli } from '../fixtures/cli.js';
import { echoRoundTrip, firstDifference, startCountingEchoServer } from '../fixtures/interop.js';
import { libevMissing, startSsTunnel } from '../fixtures/libev.js';
import { connectTo } from '../fixtures/net.js';

const BIN = binPath('ss-stream-server');
const LISTENING = /listening on 127\.0\.0\.1:(\d+) \(([a-z0-9-]+)\)/;
const legacyLoaded = (process.env['NODE_OPTIONS'] ?? '').includes('--openssl-legacy-provider');

t.test('a stream method starts with a warning on stderr saying what is lost and what to use', async (t) => {
  const cli = spawnCli(BIN, ['-s', '127.0.0.1', '-p', '0', '-m', 'aes-256-cfb', '-k', 'pw']);
  t.teardown(() => cli.kill('SIGKILL'));
  await cli.waitForStdout(LISTENING);
  t.match(cli.stderr(), /warn aes-256-cfb is a legacy stream cipher: no integrity.*detectable by active probing.*use an AEAD method/);
  t.equal(cli.stderr().match(/legacy stream cipher/g)?.length, 1, 'once: checking the options before listening does not warn again');
  t.notMatch(cli.stderr(), /pw/, 'the password is not printed');
});

t.test('an AEAD method starts without that warning', async (t) => {
  const cli = spawnCli(BIN, ['-s', '127.0.0.1', '-p', '0', '-m', 'aes-256-gcm', '-k', 'pw']);
  t.teardown(() => cli.kill('SIGKILL'));
  await cli.waitForStdout(LISTENING);
  t.notMatch(cli.stderr(), /legacy stream cipher/);
});

t.test('bf-cfb without the legacy provider exits 2 naming the flag', { skip: legacyLoaded ? 'NODE_OPTIONS already loads the legacy provider' : false }, async (t) => {
  const { code, stderr } = await runCli(BIN, ['-s', '127.0.0.1', '-p', '0', '-m', 'bf-cfb', '-k', 'pw']);
  t.equal(code, 2);
  t.match(stderr, /--method: bf-cfb needs OpenSSL's legacy provider.*NODE_OPTIONS=--openssl-legacy-provider/);
});

t.test('bf-cfb with NODE_OPTIONS=--openssl-legacy-provider relays for libev ss-tunnel', { skip: libevMissing('ss-tunnel') }, async (t) => {
  const cli = spawnCli(BIN, ['-s', '127.0.0.1', '-p', '0', '-m', 'bf-cfb', '-k', 'bf-password', '--forbidden-ip', ''], { env: { NODE_OPTIONS: '--openssl-legacy-provider' } });
  t.teardown(() => cli.kill('SIGKILL'));
  const [, port] = await cli.waitForStdout(LISTENING);
  const echo = await startCountingEchoServer('127.0.0.1');
  t.teardown(() => echo.close());
  const tunnel = await startSsTunnel({ serverPort: Number(port), target: `127.0.0.1:${echo.port}`, method: 'bf-cfb', password: 'bf-password' });
  t.teardown(() => tunnel.stop());
  const payload = randomBytes(256 * 1024);
  const back = await echoRoundTrip(await connectTo(tunnel.port), payload);
  t.equal(firstDifference(back, payload), undefined, 'echoes 256 KiB byte for byte', { peerLog: tunnel.log() });
});
