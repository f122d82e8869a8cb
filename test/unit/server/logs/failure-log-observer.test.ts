/**
 * The failure log of a server: refused targets with the --forbidden-ip
 * hint, failed handshakes per client per minute, counted, at warn level.
 */
import t from 'tap';
import { failureLogObserver } from '../../../../lib/server/logs/failure-log-observer.js';
import type { ConnectionStats } from '../../../../lib/server/connection-info.js';

function recordingLogger() {
  const lines: [string, string, Record<string, unknown> | undefined][] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push([level, message, fields]);
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

const refused: ConnectionStats = { remoteAddress: '198.51.100.7', remotePort: 5000, user: 'alice', target: { type: 'ipv4', host: '10.0.0.1', port: 80 }, status: 'ERR_SS_FORBIDDEN_TARGET', bytesUp: 0, bytesDown: 0, durationMs: 3 };

t.test('a refused target is logged at warn with the --forbidden-ip hint, once per 10 s, counted', async (t) => {
  let now = 0;
  const { lines, logger } = recordingLogger();
  const o = failureLogObserver(logger, { now: () => now });
  o.connectionClosed(refused);
  o.connectionClosed(refused);
  o.connectionClosed({ ...refused, status: 'OK' });
  t.equal(lines.length, 1);
  t.match(lines[0], ['warn', 'target refused', { client: '198.51.100.7', user: 'alice', target: '10.0.0.1:80', hint: /--forbidden-ip/ }]);
  now = 10_000;
  o.connectionClosed(refused);
  t.match(lines[1], ['warn', 'target refused', { suppressed: 1 }], 'the next line counts the one held back');
  o.udpDropped('forbidden', { address: '198.51.100.8', port: 1 }, undefined);
  t.match(lines[2], ['warn', 'udp target refused', { client: '198.51.100.8', hint: /--forbidden-ip/ }]);
  o.udpDropped('decrypt', { address: '198.51.100.8', port: 1 }, undefined);
  t.equal(lines.length, 3, 'other drops stay at debug (udp log)');
});

t.test('a failed handshake is logged with client and kind, at most once per client per minute', async (t) => {
  let now = 0;
  const { lines, logger } = recordingLogger();
  const o = failureLogObserver(logger, { clients: { globalIntervalMs: 0, now: () => now } });
  const failure = { kind: 'auth', code: 'ERR_SS_DECRYPT', remoteAddress: '203.0.113.5', remotePort: 1, bytes: 80 } as const;
  o.handshakeFailed(failure);
  o.handshakeFailed(failure);
  o.handshakeFailed({ ...failure, remoteAddress: '203.0.113.6' });
  o.handshakeFailed({ ...failure, kind: 'forbidden', code: 'ERR_SS_FORBIDDEN_TARGET' });
  t.same(lines.map((l) => l[2]?.['client']), ['203.0.113.5', '203.0.113.6'], 'one line per client; forbidden is the target line\'s');
  t.match(lines[0], ['warn', 'handshake failed', { kind: 'auth', code: 'ERR_SS_DECRYPT', bytes: 80, hint: /wrong password/ }]);
  now = 60_000;
  o.handshakeFailed(failure);
  t.match(lines[2], ['warn', 'handshake failed', { client: '203.0.113.5', suppressed: 1 }]);
});
