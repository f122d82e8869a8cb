/**
 * Running out of file descriptors, as the server reports it: a rate-limited
 * warning naming EMFILE, on accept (a listener error) and on connect (the
 * dial to the target), the connection itself closing with
 * ERR_SS_CONNECT_FAILED. The descriptors are not really exhausted here (see
 * test/cli/ss-stream-server-fd-limit.test.ts for that): the errors are the
 * ones Node reports, injected.
 */
import { Server, Socket } from 'node:net';
import t, { type Test } from 'tap';
import type { Logger } from '../../../lib/logger.js';
import type { ConnectionStats } from '../../../lib/server/connection-info.js';
import { createServer } from '../../../lib/server/server.js';
import type { ServerOptions } from '../../../lib/server/server-options.js';
import { ssConnect } from '../../fixtures/ss-client.js';

const method = 'aes-256-gcm';
const password = 'test-password';

type Line = [level: string, message: string, fields: Record<string, unknown> | undefined];

const errno = (code: string, syscall: string): NodeJS.ErrnoException => Object.assign(new Error(`${syscall} ${code}`), { code, errno: -24, syscall });

async function start(t: Test, options: Partial<ServerOptions> = {}) {
  const lines: Line[] = [];
  const record = (level: string) => (message: string, fields?: Record<string, unknown>): void => {
    lines.push([level, message, fields]);
  };
  const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const closed: ConnectionStats[] = [];
  const server = createServer({ host: '127.0.0.1', port: 0, method, password, mode: 'tcp_only', logger, onConnectionClose: (s) => closed.push(s), ...options });
  await server.listen();
  t.teardown(() => server.close(0));
  return { server, port: server.address().port, lines, closed };
}

t.test('EMFILE on accept is logged as a warning, once per interval, with the hint', async (t) => {
  const { server, port, lines } = await start(t);
  const errors: Error[] = [];
  server.on('error', (err) => errors.push(err));
  // The net.Server behind the listener, as libuv would report it when its spare-descriptor trick fails.
  const listener = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()
    .find((h): h is Server => h instanceof Server && (h.address() as { port?: number } | null)?.port === port);
  t.ok(listener, 'found the listener');
  for (let i = 0; i < 50; i++) listener!.emit('error', errno('EMFILE', 'accept'));
  const fd = lines.filter(([, m]) => m === 'out of file descriptors');
  t.equal(fd.length, 1, 'one line for 50 errors');
  t.match(fd[0], ['warn', 'out of file descriptors', { on: 'accept', code: 'EMFILE', suppressed: 0, hint: /ulimit -n/ }]);
  t.equal(lines.filter(([level]) => level === 'error').length, 0, 'not also logged as a listener error');
  t.equal(errors.length, 50, 'the error event still fires for each');
});

t.test('EMFILE on connect is logged as a warning, once per interval, and closes with ERR_SS_CONNECT_FAILED', async (t) => {
  const connect = (): Socket => {
    const s = new Socket();
    process.nextTick(() => s.destroy(errno('EMFILE', 'connect')));
    return s;
  };
  const { port, lines, closed } = await start(t, { connect, forbiddenIp: [] });
  for (let i = 0; i < 3; i++) {
    const c = await ssConnect(port, { method, password, target: { host: '127.0.0.1', port: 9 }, payload: Buffer.from('x') });
    await c.ended;
    c.socket.destroy();
  }
  while (closed.length < 3) await new Promise((r) => setTimeout(r, 10));
  t.same(closed.map((s) => s.status), ['ERR_SS_CONNECT_FAILED', 'ERR_SS_CONNECT_FAILED', 'ERR_SS_CONNECT_FAILED']);
  const fd = lines.filter(([, m]) => m === 'out of file descriptors');
  t.equal(fd.length, 1, 'one line for 3 failures');
  t.match(fd[0], ['warn', 'out of file descriptors', { on: 'connect', code: 'EMFILE', hint: /LimitNOFILE/ }]);
});

t.test('other listener errors are still logged as errors', async (t) => {
  const { server, port, lines } = await start(t);
  server.on('error', () => {});
  const listener = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()
    .find((h): h is Server => h instanceof Server && (h.address() as { port?: number } | null)?.port === port);
  listener!.emit('error', errno('ECONNABORTED', 'accept'));
  t.match(lines.find(([level]) => level === 'error'), ['error', 'listener error', { error: /ECONNABORTED/ }]);
});
