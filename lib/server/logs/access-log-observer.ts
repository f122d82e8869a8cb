/**
 * The access log, as a view of the observer: one line per TCP connection
 * when it closes, in the log format of the process:
 *
 *   text: 2026-11-24T20:00:00.000Z access connection client=198.51.100.7:50312 user=alice target=example.com:443 up=517 down=4120 durationMs=830 status=OK
 *   json: {"time":"...","level":"access","msg":"connection","client":"198.51.100.7:50312","user":"alice","target":"example.com:443","up":517,...}
 *
 * `target` is the address the client asked for (`-` when it never sent one)
 * and `user` `-` when no key matched. No secret is ever written.
 */
import { formatLogLine, type LogFormat } from '../../logger.js';
import { formatHostPort } from '../../protocol/address.js';
import type { ConnectionStats, ServerObserver } from '../connection-info.js';

/** Where access lines go: a stream's `write`. */
export interface AccessLogSink {
  write(line: string): unknown;
}

/** An observer that writes one access line per closed connection to `sink`. */
export function accessLogObserver(sink: AccessLogSink, format: LogFormat = 'text', now: () => Date = () => new Date()): Pick<ServerObserver, 'connectionClosed'> {
  return {
    connectionClosed(stats: ConnectionStats): void {
      sink.write(formatLogLine(format, now(), 'access', 'connection', {
        client: formatHostPort(stats.remoteAddress, stats.remotePort),
        user: stats.user ?? '-',
        target: stats.target === undefined ? '-' : formatHostPort(stats.target.host, stats.target.port),
        up: stats.bytesUp,
        down: stats.bytesDown,
        durationMs: stats.durationMs,
        status: stats.status,
      }));
    },
  };
}
