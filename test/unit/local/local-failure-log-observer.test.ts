/**
 * The client's failure log: an unreachable server and a server that
 * answers nothing are logged at warn, once per 10 s, counted.
 */
import t from 'tap';
import { localFailureLogObserver } from '../../../lib/local/local-failure-log-observer.js';
import type { LocalConnectionStats } from '../../../lib/local/local-connection-stats.js';

const base: LocalConnectionStats = { remoteAddress: '127.0.0.1', remotePort: 5000, target: { type: 'domain', host: 'example.test', port: 80 }, status: 'OK', bytesUp: 0, bytesDown: 0, durationMs: 5, requests: 1 };

t.test('an unreachable server and a silent one are each logged, rate-limited', async (t) => {
  let now = 0;
  const lines: [string, Record<string, unknown> | undefined][] = [];
  const at = (message: string, fields?: Record<string, unknown>) => void lines.push([message, fields]);
  const o = localFailureLogObserver({ debug: () => {}, info: () => {}, warn: at, error: () => {} }, '127.0.0.1:8388', () => now);
  o.connectionClosed({ ...base, status: 'ERR_SS_SERVER_UNREACHABLE' });
  o.connectionClosed({ ...base, status: 'ERR_SS_SERVER_UNREACHABLE' });
  o.connectionClosed({ ...base, bytesUp: 40 });
  o.connectionClosed({ ...base, bytesUp: 40, bytesDown: 10 });
  o.connectionClosed({ ...base, bytesUp: 0 });
  t.match(lines, [['server unreachable', { server: '127.0.0.1:8388', target: 'example.test:80', hint: /running/ }], ['server answered nothing', { hint: /wrong password/ }]]);
  t.equal(lines.length, 2, 'a server that answered, and a connection that sent nothing, are not failures');
  now = 10_000;
  o.connectionClosed({ ...base, status: 'ERR_SS_SERVER_UNREACHABLE' });
  t.match(lines[2], ['server unreachable', { suppressed: 1 }]);
});
