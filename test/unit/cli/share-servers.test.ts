import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { EXIT_OK, EXIT_USAGE, runServerCli } from '../../../lib/cli/run-server-cli.js';
import { decodeSip002 } from '../../../lib/config/sip002.js';
import { decodeSip008 } from '../../../lib/config/sip008.js';
import { decodeTerminalQr } from '../../fixtures/qr.js';
import { fakeCliIo } from '../../fixtures/cli-io.js';
import { freePort } from '../../fixtures/net.js';
import { openManagerClient } from '../../fixtures/manager-client.js';

// The shares are written before the CLI waits for its stop signal: under load a
// SIGTERM sent on seeing them could come before anyone listens, and be lost.
async function stop(f: { signals: EventEmitter }): Promise<void> {
  await until(() => f.signals.listenerCount('SIGTERM') > 0);
  f.signals.emit('SIGTERM', 'SIGTERM');
}


async function until(condition: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !condition(); ) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const ipsk = Buffer.alloc(16, 1).toString('base64');
const upsk = Buffer.alloc(16, 2).toString('base64');

t.test('--print-uri prints one URI per port and user, and exits without listening', async (t) => {
  const dir = t.testdir({ 'config.json': JSON.stringify({ server: '0.0.0.0', method: 'aes-128-gcm', port_password: { 8381: 'one', 8382: { password: 'top', users: [{ name: 'alice', password: 'a' }] } } }) });
  const f = fakeCliIo();
  t.equal(await runServerCli(['-c', join(dir, 'config.json'), '--print-uri', '--public-host', 'ss.example.test'], f.io), EXIT_OK);
  const lines = f.stdout().trimEnd().split('\n');
  t.same(lines.map((l) => decodeSip002(l)), [
    { method: 'aes-128-gcm', password: 'one', host: 'ss.example.test', port: 8381, tag: 'ss-stream-server 8381' },
    { method: 'aes-128-gcm', password: 'top', host: 'ss.example.test', port: 8382, tag: 'ss-stream-server 8382 default' },
    { method: 'aes-128-gcm', password: 'a', host: 'ss.example.test', port: 8382, tag: 'ss-stream-server 8382 alice' },
  ]);
  t.equal(f.stderr(), '', 'nothing logged: no server started, no host warning with --public-host');
});

t.test('--print-uri gives AES 2022 users iPSK:uPSK and takes public_host from the file', async (t) => {
  const dir = t.testdir({ 'config.json': JSON.stringify({ server_port: 9000, method: '2022-blake3-aes-128-gcm', password: ipsk, users: [{ name: 'bob', password: upsk }], public_host: '2001:db8::7' }) });
  const f = fakeCliIo();
  t.equal(await runServerCli(['-c', join(dir, 'config.json'), '--print-uri'], f.io), EXIT_OK);
  t.equal(f.stdout(), `ss://2022-blake3-aes-128-gcm:${encodeURIComponent(`${ipsk}:${upsk}`)}@[2001:db8::7]:9000#ss-stream-server%20bob\n`);
});

t.test('--print-uri without --public-host warns that the address may be private, and never logs the password', async (t) => {
  const f = fakeCliIo();
  t.equal(await runServerCli(['-k', 'secret-pw', '-p', '8400', '--print-uri'], f.io), EXIT_OK);
  t.match(decodeSip002(f.stdout().trim()), { password: 'secret-pw', port: 8400 });
  t.match(f.stderr(), /warn .*(behind NAT may be a private one|no network address)/);
  t.notMatch(f.stderr(), /secret-pw/);
});

t.test('--print-uri --qr draws a code under each URI that decodes back to it', async (t) => {
  const f = fakeCliIo();
  t.equal(await runServerCli(['-k', 'pw', '-m', 'aes-256-gcm', '--print-uri', '--qr', '--public-host', '198.51.100.4'], f.io), EXIT_OK);
  const [remarks, uri, ...drawing] = f.stdout().split('\n');
  t.equal(remarks, 'ss-stream-server');
  t.equal(uri, 'ss://YWVzLTI1Ni1nY206cHc@198.51.100.4:8388#ss-stream-server');
  t.equal(decodeTerminalQr(drawing.join('\n')), uri);
});

t.test('--sip008 writes the document with mode 0600, replacing an older file', async (t) => {
  const dir = t.testdir({ 'old.json': 'old' });
  const file = join(dir, 'old.json');
  const f = fakeCliIo();
  t.equal(await runServerCli(['-k', 'pw', '-p', '8500', '--print-uri', '--sip008', file, '--public-host', 'h.test'], f.io), EXIT_OK);
  t.equal(statSync(file).mode & 0o777, 0o600);
  t.match(decodeSip008(JSON.parse(readFileSync(file, 'utf8'))), [{ server: 'h.test', serverPort: 8500, password: 'pw', method: 'chacha20-ietf-poly1305', remarks: 'ss-stream-server' }]);
  const bad = fakeCliIo();
  t.equal(await runServerCli(['-k', 'pw', '--print-uri', '--sip008', join(dir, 'no', 'such', 'dir.json')], bad.io), EXIT_USAGE);
  t.match(bad.stderr(), /--sip008: cannot write '.*dir\.json': ENOENT/);
});

t.test('refuses share flags that would do nothing, naming them', async (t) => {
  const qr = fakeCliIo();
  t.equal(await runServerCli(['-k', 'pw', '--qr'], qr.io), EXIT_USAGE);
  t.match(qr.stderr(), /--qr: draws the URIs that --print-uri prints .*add --print-uri/);
  const none = fakeCliIo();
  t.equal(await runServerCli(['--print-uri'], none.io), EXIT_USAGE);
  t.match(none.stderr(), /--print-uri: no password, key or users are configured/);
  const zero = fakeCliIo();
  t.equal(await runServerCli(['-k', 'pw', '-p', '0', '--print-uri'], zero.io), EXIT_USAGE);
  t.match(zero.stderr(), /port: 0 cannot be shared/);
  const rawKey = fakeCliIo();
  t.equal(await runServerCli(['--key', Buffer.alloc(32, 3).toString('base64'), '-m', 'aes-256-gcm', '--print-uri'], rawKey.io), EXIT_USAGE);
  t.match(rawKey.stderr(), /key is a raw key, which a client cannot take as a password[^]*--print-uri: no port or user can be shared/);
});

t.test('a generated password comes with the config that keeps it, its QR code, and --sip008 with the bound port', async (t) => {
  const dir = t.testdir({});
  const file = join(dir, 'servers.json');
  const f = fakeCliIo();
  const done = runServerCli(['-s', '127.0.0.1', '-p', '0', '-m', 'aes-128-gcm', '--qr', '--sip008', file], f.io);
  await until(() => f.stdout().includes('\x1b[0m') && f.stdout().endsWith('\x1b[0m'));
  const out = f.stdout();
  const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(out)![1]);
  const password = /password: (\S+)/.exec(out)![1]!;
  const uri = /uri: +(\S+)/.exec(out)![1]!;
  t.match(out, /It is lost when the server stops\. To keep it, save this as a config file and start with -c FILE:\n/);
  t.same(JSON.parse(/-c FILE:\n {2}(\{.*\})\n/.exec(out)![1]!), { server: '127.0.0.1', server_port: port, method: 'aes-128-gcm', password });
  t.equal(decodeTerminalQr(out.slice(out.indexOf('\x1b['))), uri);
  await until(() => { try { return statSync(file).size > 0; } catch { return false; } });
  t.match(decodeSip008(JSON.parse(readFileSync(file, 'utf8'))), [{ serverPort: port, password }]);
  t.notMatch(f.stderr(), password, 'the password is printed, never logged');
  await stop(f);
  t.equal(await done, EXIT_OK);
});

t.test('a generated password with a config file says which file to add it to', async (t) => {
  const dir = t.testdir({ 'c.json': JSON.stringify({ server: '127.0.0.1', server_port: 0 }) });
  const f = fakeCliIo();
  const done = runServerCli(['-c', join(dir, 'c.json')], f.io);
  await until(() => f.stdout().includes('To keep it'));
  await until(() => f.stdout().endsWith('\n') && /"password": /.test(f.stdout()));
  const password = /password: (\S+)/.exec(f.stdout())![1]!;
  t.match(f.stdout(), `To keep it, add to ${join(dir, 'c.json')}:\n  "password": "${password}"\n`);
  await stop(f);
  t.equal(await done, EXIT_OK);
});

t.test('a --sip008 file that cannot be written once the servers listen is logged, and they keep running', async (t) => {
  const dir = t.testdir({});
  const f = fakeCliIo();
  const done = runServerCli(['-s', '127.0.0.1', '-p', '0', '-k', 'pw', '--sip008', join(dir, 'missing', 'servers.json')], f.io);
  await until(() => f.stderr().includes('could not share'));
  t.match(f.stderr(), /error could not share the servers error="--sip008: cannot write '.*servers\.json': ENOENT"/);
  t.match(f.stdout(), /listening on 127\.0\.0\.1:\d+/);
  t.notMatch(f.stdout() + f.stderr(), /\bpw\b/);
  await stop(f);
  t.equal(await done, EXIT_OK);
});

t.test('--sip008 is rewritten after a SIGHUP reload, with the new ports and passwords', async (t) => {
  const [first, second] = [await freePort(), await freePort()];
  const dir = t.testdir({ 'c.json': JSON.stringify({ server: '127.0.0.1', method: 'aes-128-gcm', port_password: { [first]: 'one' } }) });
  const file = join(dir, 'servers.json');
  const f = fakeCliIo();
  const done = runServerCli(['-c', join(dir, 'c.json'), '--sip008', file, '--public-host', 'h.test'], f.io);
  t.teardown(() => void f.signals.emit('SIGTERM', 'SIGTERM')); // a failed assertion must not leave it running
  const shared = (): string[] => {
    try {
      return decodeSip008(JSON.parse(readFileSync(file, 'utf8'))).map((s) => `${s.serverPort} ${s.password}`);
    } catch {
      return [];
    }
  };
  await until(() => shared().length > 0);
  t.same(shared(), [`${first} one`], 'written at start');
  writeFileSync(join(dir, 'c.json'), JSON.stringify({ server: '127.0.0.1', method: 'aes-128-gcm', port_password: { [first]: 'uno', [second]: 'dos' } }));
  f.signals.emit('SIGHUP', 'SIGHUP');
  await until(() => f.stderr().includes('info reloaded'));
  t.same(shared(), [`${first} uno`, `${second} dos`], 'rewritten from the reloaded config');
  t.equal(statSync(file).mode & 0o777, 0o600);
  t.match(f.stderr(), /info --sip008 rewritten file=/);
  t.notMatch(f.stderr(), /\b(one|uno|dos)\b/, 'no password is logged');
  await stop(f);
  t.equal(await done, EXIT_OK);
});

t.test('--sip008 follows the ports the manager adds and removes', async (t) => {
  const [managerPort, added] = [await freePort(), await freePort()];
  const dir = t.testdir({});
  const file = join(dir, 'servers.json');
  const f = fakeCliIo();
  const done = runServerCli(['-s', '127.0.0.1', '-p', '0', '-k', 'base', '-m', 'aes-128-gcm', '--manager-address', `127.0.0.1:${managerPort}`, '--sip008', file, '--public-host', 'h.test'], f.io);
  t.teardown(() => void f.signals.emit('SIGTERM', 'SIGTERM'));
  const passwords = (): string[] => {
    try {
      return decodeSip008(JSON.parse(readFileSync(file, 'utf8'))).map((s) => s.password);
    } catch {
      return [];
    }
  };
  await until(() => passwords().length > 0);
  const { ask } = await openManagerClient(t, managerPort);
  t.equal(await ask(`add: {"server_port": ${added}, "password": "added-pw"}`), 'ok');
  await until(() => passwords().length === 2);
  t.same(passwords(), ['base', 'added-pw'], 'the added port is shared');
  t.match(decodeSip008(JSON.parse(readFileSync(file, 'utf8')))[1], { serverPort: added, server: 'h.test', method: 'aes-128-gcm' });
  t.equal(await ask(`remove: {"server_port": ${added}}`), 'ok');
  await until(() => passwords().length === 1);
  t.same(passwords(), ['base'], 'the removed port is gone');
  t.notMatch(f.stderr(), /added-pw/);
  await stop(f);
  t.equal(await done, EXIT_OK);
});

t.test('a SIGHUP sent as soon as "listening on" is printed is a reload, also while --sip008 is being written', async (t) => {
  const port = await freePort();
  const dir = t.testdir({ 'c.json': JSON.stringify({ server: '127.0.0.1', server_port: port, method: 'aes-128-gcm', password: 'one' }) });
  const f = fakeCliIo();
  // The SIGHUP goes out from inside the write of "listening on", as a service manager could send it.
  const captured = f.io.stdout;
  const stdout = new Writable({ write(chunk, encoding, cb) {
    captured.write(chunk, encoding, cb);
    if (String(chunk).includes('listening on')) f.signals.emit('SIGHUP', 'SIGHUP');
  } });
  const done = runServerCli(['-c', join(dir, 'c.json'), '--sip008', join(dir, 'servers.json'), '--public-host', 'h.test'], { ...f.io, stdout });
  t.teardown(() => void f.signals.emit('SIGTERM', 'SIGTERM'));
  await until(() => f.stderr().includes('info reloaded'));
  t.pass('reloaded');
  await stop(f);
  t.equal(await done, EXIT_OK);
});
