/**
 * The access log: one line per connection, in text or JSON, with client,
 * user, target, bytes, duration and status.
 */
import t from 'tap';
import { accessLogObserver } from '../../../../lib/server/logs/access-log-observer.js';
import type { ConnectionStats } from '../../../../lib/server/connection-info.js';

const stats: ConnectionStats = { remoteAddress: '::1', remotePort: 5000, user: 'alice', target: { type: 'domain', host: 'example.test', port: 443 }, status: 'OK', bytesUp: 517, bytesDown: 4120, durationMs: 830 };
const now = () => new Date('2026-11-24T20:00:00.000Z');

t.test('a closed connection is one text line', async (t) => {
  const lines: string[] = [];
  accessLogObserver({ write: (l) => lines.push(l) }, 'text', now).connectionClosed(stats);
  t.same(lines, ['2026-11-24T20:00:00.000Z access connection client=[::1]:5000 user=alice target=example.test:443 up=517 down=4120 durationMs=830 status=OK\n']);
});

t.test('or one JSON object, and unknown user and target are -', async (t) => {
  const lines: string[] = [];
  accessLogObserver({ write: (l) => lines.push(l) }, 'json', now).connectionClosed({ ...stats, user: undefined, target: undefined, status: 'ERR_SS_DECRYPT' });
  t.same(JSON.parse(lines[0]!), { time: '2026-11-24T20:00:00.000Z', level: 'access', msg: 'connection', client: '[::1]:5000', user: '-', target: '-', up: 517, down: 4120, durationMs: 830, status: 'ERR_SS_DECRYPT' });
  t.ok(lines[0]!.endsWith('}\n'), 'one line');
});
