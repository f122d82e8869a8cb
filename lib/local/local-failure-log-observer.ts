/**
 * What a client user must see without `-v`, as a view of the observer:
 *
 *   connectionClosed ERR_SS_SERVER_UNREACHABLE        ─▶ warn 'server unreachable'        one line per 10 s, counted
 *   connectionClosed ERR_SS_UPSTREAM_*                 ─▶ warn 'upstream proxy failed'     one line per 10 s, counted
 *   connectionClosed, bytes sent, nothing came back    ─▶ warn 'server answered nothing'   one line per 10 s, counted
 *
 * A server that cannot decrypt (wrong password or method) or that refuses
 * the target answers nothing at all, on purpose (probe resistance): from
 * the client side that silence is the only sign, so it is named here.
 */
import type { Logger } from '../logger.js';
import { formatHostPort } from '../protocol/address.js';
import { RateLimiter } from '../transport/rate-limiter.js';
import type { LocalConnectionStats, LocalObserver } from './local-connection-stats.js';

/** An observer that logs an unreachable or silent server at warn level, rate-limited. */
export function localFailureLogObserver(logger: Logger, server: string, now?: () => number): Pick<LocalObserver, 'connectionClosed'> {
  const kinds = new RateLimiter(now === undefined ? {} : { now });
  const suppressed = (held: number): Record<string, unknown> => (held > 0 ? { suppressed: held } : {});
  return {
    connectionClosed(stats: LocalConnectionStats): void {
      const target = stats.target === undefined ? undefined : formatHostPort(stats.target.host, stats.target.port);
      if (stats.status === 'ERR_SS_SERVER_UNREACHABLE') {
        const held = kinds.take('unreachable');
        if (held !== undefined) logger.warn('server unreachable', { server, client: stats.remoteAddress, target, hint: 'is the server running, and are its address and port right?', ...suppressed(held) });
        return;
      }
      if (stats.status.startsWith('ERR_SS_UPSTREAM_')) {
        const held = kinds.take('upstream');
        if (held !== undefined) logger.warn('upstream proxy failed', { server, client: stats.remoteAddress, status: stats.status, hint: 'is the proxy (--proxy) up, and are its address and credentials right?', ...suppressed(held) });
        return;
      }
      if (stats.bytesUp > 0 && stats.bytesDown === 0 && stats.status !== 'ERR_SS_RELAY_CLIENT' && stats.status !== 'ERR_SS_SHUTDOWN') {
        const held = kinds.take('silent');
        if (held !== undefined) logger.warn('server answered nothing', { server, client: stats.remoteAddress, target, status: stats.status, hint: 'a wrong password or method, or a target the server refuses (see the server\'s log)', ...suppressed(held) });
      }
    },
  };
}
