import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { SocksClient } from 'socks';
import { EXIT_OK, EXIT_USAGE, runLocalCli } from '../../../lib/cli/run-local-cli.js';
import { runServerCli } from '../../../lib/cli/run-server-cli.js';
import { fetchOnlineConfig } from '../../../lib/local/fetch-online-config.js';
import { startServerUnderTest } from '../../fixtures/interop.js';
import { readBytes, startEchoServer } from '../../fixtures/net.js';
import { fakeCliIo } from '../../fixtures/cli-io.js';


/** A tiny HTTP server on 127.0.0.1: path -> body (a string, or 'hang' to never answer). */
async function serveDocuments(routes: Record<string, string | { status: number; body: string }>): Promise<{ url(path: string): string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const route = routes[req.url ?? ''];
    if (route === 'hang') return;
    if (route === undefined) { res.writeHead(404).end('not found'); return; }
    const { status, body } = typeof route === 'string' ? { status: 200, body: route } : route;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function socksEcho(port: number, echoPort: number, text: string): Promise<string> {
  const { socket } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port: echoPort }, timeout: 5000 });
  socket.write(text);
  const back = (await readBytes(socket, Buffer.byteLength(text))).toString();
  socket.destroy();
  return back;
}

const good = { id: '27b8a625-4f4b-4428-9f0f-8a2317db7c79', remarks: 'one', server: '127.0.0.1', server_port: 8388, password: 'pw', method: 'aes-256-gcm' };

t.test('a SIP008 document written by ss-stream-server is read by ss-stream-local, which relays through the tagged server', async (t) => {
  const users = [{ name: 'alice', password: 'alice-pw' }, { name: 'bob', password: 'bob-pw' }];
  const server = await startServerUnderTest({ method: 'aes-128-gcm', users, forbiddenIp: [] });
  t.teardown(server.close);
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const dir = t.testdir({ 'server.json': JSON.stringify({ server: '127.0.0.1', server_port: server.port, method: 'aes-128-gcm', users }) });
  const file = join(dir, 'sip008.json');
  const printed = fakeCliIo();
  t.equal(await runServerCli(['-c', join(dir, 'server.json'), '--print-uri', '--sip008', file], printed.io), EXIT_OK);
  const docs = await serveDocuments({ '/token-s3cret/sip008.json': readFileSync(file, 'utf8') });
  t.teardown(docs.close);
  const f = fakeCliIo();
  const running = runLocalCli(['--online-config-url', docs.url('/token-s3cret/sip008.json'), '--server-tag', 'ss-stream-server bob', '-l', '0'], f.io);
  while (!f.stdout().includes('\n')) await new Promise((r) => setTimeout(r, 10));
  const port = Number(/listening on 127\.0\.0\.1:(\d+) \(aes-128-gcm\)/.exec(f.stdout())![1]);
  t.match(f.stderr(), /info online config: using server 'ss-stream-server bob' \(2 of 2, the one tagged\)/);
  t.equal(await socksEcho(port, echo.port, 'via the online config'), 'via the online config');
  const [closed] = await server.waitClosed(1);
  t.equal(closed!.user, 'bob', 'the server saw bob');
  t.notMatch(f.stderr(), /bob-pw|s3cret/, 'neither the password nor the URL token is logged');
  f.signals.emit('SIGTERM', 'SIGTERM');
  t.equal(await running, EXIT_OK);
});

t.test('reads online_config from the config file, using the first server, and says how often it refreshes', async (t) => {
  const server = await startServerUnderTest({ method: 'aes-256-gcm', password: 'pw', forbiddenIp: [] });
  t.teardown(server.close);
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const docs = await serveDocuments({ '/c.json': JSON.stringify({ version: 1, servers: [{ ...good, server_port: server.port }, { ...good, remarks: 'two', server_port: 1 }] }) });
  t.teardown(docs.close);
  const dir = t.testdir({ 'local.json': JSON.stringify({ local_address: '127.0.0.1', local_port: 0, online_config: { config_url: docs.url('/c.json'), update_interval: 3600 } }) });
  const f = fakeCliIo();
  const running = runLocalCli(['-c', join(dir, 'local.json')], f.io);
  while (!f.stdout().includes('\n')) await new Promise((r) => setTimeout(r, 10));
  const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(f.stdout())![1]);
  t.match(f.stderr(), /using server 'one' \(1 of 2, the first\)/);
  t.match(f.stderr(), /info online config: refreshed every interval seconds=3600/);
  t.equal(await socksEcho(port, echo.port, 'first'), 'first');
  f.signals.emit('SIGTERM', 'SIGTERM');
  t.equal(await running, EXIT_OK);
});

t.test('with update_interval, new connections move to the server the document names now; open ones stay, and a bad refresh keeps it', async (t) => {
  const a = await startServerUnderTest({ method: 'aes-256-gcm', password: 'a-pw', forbiddenIp: [] });
  t.teardown(a.close);
  const b = await startServerUnderTest({ method: 'chacha20-ietf-poly1305', password: 'b-pw', forbiddenIp: [] });
  t.teardown(b.close);
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const main = { ...good, remarks: 'main', server_port: a.port, password: 'a-pw', method: 'aes-256-gcm' };
  const routes: Record<string, string> = { '/c.json': JSON.stringify({ version: 1, servers: [main] }) };
  const docs = await serveDocuments(routes);
  t.teardown(docs.close);
  const dir = t.testdir({ 'local.json': JSON.stringify({ local_address: '127.0.0.1', local_port: 0, online_config: { config_url: docs.url('/c.json'), update_interval: 1 } }) });
  const f = fakeCliIo();
  const running = runLocalCli(['-c', join(dir, 'local.json'), '-v'], f.io);
  t.teardown(() => void f.signals.emit('SIGTERM', 'SIGTERM'));
  while (!f.stdout().includes('\n')) await new Promise((r) => setTimeout(r, 10));
  const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(f.stdout())![1]);
  t.equal(await socksEcho(port, echo.port, 'to a'), 'to a');
  t.equal((await a.waitClosed(1)).length, 1, 'the first server relayed it');
  const { socket: open } = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port: echo.port }, timeout: 5000 });
  t.teardown(() => open.destroy());
  routes['/c.json'] = JSON.stringify({ version: 1, servers: [{ ...main, server_port: b.port, password: 'b-pw', method: 'chacha20-ietf-poly1305' }] });
  const until = async (re: RegExp): Promise<void> => {
    for (const end = Date.now() + 8000; !re.test(f.stderr()); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > end) throw new Error(`no ${re} in time`);
  };
  await until(/info online config: switched to server 'main' for new connections/);
  t.equal(await socksEcho(port, echo.port, 'to b'), 'to b');
  t.equal((await b.waitClosed(1)).length, 1, 'the new server relayed the new connection');
  open.write('still a');
  t.equal((await readBytes(open, 7)).toString(), 'still a', 'the connection opened before the switch still relays through the first server');
  routes['/c.json'] = JSON.stringify({ version: 1, servers: [{ ...main, server_port: 'x' }] });
  await until(/warn online config: refresh failed, keeping the current server error="online_config\.config_url: servers\[0\]\.server_port/);
  t.equal(await socksEcho(port, echo.port, 'b again'), 'b again');
  t.equal((await b.waitClosed(2)).length, 2, 'a bad document leaves the local on the server it had');
  t.notMatch(f.stderr(), /a-pw|b-pw/, 'no password is logged');
  open.destroy();
  t.equal((await a.waitClosed(2)).length, 2, 'the connection that stayed was the first server\'s');
  f.signals.emit('SIGTERM', 'SIGTERM');
  t.equal(await running, EXIT_OK);
});

t.test('refuses bad documents and answers with exit 2, naming the flag and the field', async (t) => {
  const docs = await serveDocuments({
    '/port': JSON.stringify({ version: 1, servers: [{ ...good, server_port: '8388' }] }),
    '/method': JSON.stringify({ version: 1, servers: [good, { ...good, method: 'rc5' }] }),
    '/version': JSON.stringify({ servers: [good] }),
    '/plugin': JSON.stringify({ version: 1, servers: [{ ...good, plugin: ' obfs-local', plugin_opts: 'obfs=http' }] }),
    '/not-json': '{"version": 1, "servers": [',
    '/gone': { status: 410, body: '' },
    '/large': JSON.stringify({ version: 1, servers: [good], pad: 'x'.repeat(1024 * 1024) }),
    '/ok': JSON.stringify({ version: 1, servers: [good] }),
  });
  t.teardown(docs.close);
  const cases: [string[], RegExp][] = [
    [['--online-config-url', docs.url('/port')], /^ss-stream-local: --online-config-url: servers\[0\]\.server_port: must be an integer, got string "8388"\n$/],
    [['--online-config-url', docs.url('/method')], /--online-config-url: servers\[1\]\.method: unknown method 'rc5'/],
    [['--online-config-url', docs.url('/version')], /--online-config-url: version: must be 1, got undefined/],
    [['--online-config-url', docs.url('/plugin')], /--online-config-url: servers\[0\]\.plugin: must not start or end with spaces/],
    [['--online-config-url', docs.url('/not-json')], /--online-config-url: the document is not valid JSON/],
    [['--online-config-url', docs.url('/gone')], /--online-config-url: the server answered HTTP 410/],
    [['--online-config-url', docs.url('/large')], /--online-config-url: the document is larger than 1048576 bytes/],
    [['--online-config-url', docs.url('/ok'), '--server-tag', 'nope'], /--server-tag: no server has remarks or id 'nope' \(the document has: 'one'\)/],
    [['--online-config-url', 'ftp://127.0.0.1/x'], /--online-config-url: must be an https URL, got ftp:/],
    [['--online-config-url', 'https://user:pw@127.0.0.1/x'], /--online-config-url: must not hold a user name or password/],
    [['--online-config-url', 'not a url'], /--online-config-url: is not a URL/],
    [['--server-tag', 'one', '-s', '127.0.0.1', '-k', 'pw'], /--server-tag: chooses a server of an online config: give --online-config-url too/],
    [['--online-config-url', docs.url('/ok'), '-k', 'pw'], /--online-config-url and --password are mutually exclusive/],
  ];
  for (const [argv, message] of cases) {
    const f = fakeCliIo();
    t.equal(await runLocalCli([...argv, '-l', '0'], f.io), EXIT_USAGE, argv.join(' '));
    t.match(f.stderr(), message);
    t.equal(f.stdout(), '', 'nothing listens');
  }
  const file = t.testdir({ 'l.json': JSON.stringify({ online_config: { config_url: docs.url('/port'), every: 1 } }) });
  const f = fakeCliIo();
  t.equal(await runLocalCli(['-c', join(file, 'l.json')], f.io), EXIT_USAGE);
  t.match(f.stderr(), /online_config\.every: unknown key/);
});

t.test('gives up on a server that does not answer in time, and warns about plain http elsewhere than loopback', async (t) => {
  const docs = await serveDocuments({ '/hang': 'hang' });
  t.teardown(docs.close);
  await t.rejects(fetchOnlineConfig(docs.url('/hang'), '--online-config-url', { timeoutMs: 200 }), { code: 'ERR_SS_CONFIG', message: '--online-config-url: no complete answer within 0.2 s' });
  const warnings: string[] = [];
  await t.rejects(fetchOnlineConfig('http://[::1]:1/x', 'k', { warn: (w) => warnings.push(w), timeoutMs: 2000 }), { message: /^k: cannot fetch the document: / });
  t.same(warnings, [], 'loopback http is fine');
  const { checkOnlineConfigUrl } = await import('../../../lib/config/online-config.js');
  t.match(checkOnlineConfigUrl('http://sub.example.test/c.json', 'k').warning, /^k: plain http to sub\.example\.test: anyone on the way can read the servers' passwords/);
  t.equal(checkOnlineConfigUrl('https://sub.example.test/c.json', 'k').warning, undefined);
  t.equal(checkOnlineConfigUrl('http://localhost:8080/c.json', 'k').warning, undefined);
});

t.test('an AES 2022 user URI printed by ss-stream-server (iPSK:uPSK) works in ss-stream-local --server-url', async (t) => {
  const ipsk = Buffer.alloc(32, 5).toString('base64');
  const users = [{ name: 'alice', password: Buffer.alloc(32, 6).toString('base64') }, { name: 'bob', password: Buffer.alloc(32, 7).toString('base64') }];
  const method = '2022-blake3-aes-256-gcm';
  const server = await startServerUnderTest({ method, password: ipsk, users, forbiddenIp: [] });
  t.teardown(server.close);
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const dir = t.testdir({ 'server.json': JSON.stringify({ server: '127.0.0.1', server_port: server.port, method, password: ipsk, users }) });
  const printed = fakeCliIo();
  t.equal(await runServerCli(['-c', join(dir, 'server.json'), '--print-uri'], printed.io), EXIT_OK);
  const bobUri = printed.stdout().split('\n').find((l) => l.endsWith('%20bob'))!;
  const f = fakeCliIo();
  const running = runLocalCli(['--server-url', bobUri, '-l', '0'], f.io);
  while (!f.stdout().includes('\n')) await new Promise((r) => setTimeout(r, 10));
  const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(f.stdout())![1]);
  t.equal(await socksEcho(port, echo.port, 'bob over 2022'), 'bob over 2022');
  const [closed] = await server.waitClosed(1);
  t.equal(closed!.user, 'bob');
  f.signals.emit('SIGTERM', 'SIGTERM');
  t.equal(await running, EXIT_OK);
});
