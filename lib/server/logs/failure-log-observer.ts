/**
 * What a server operator must see without `-v`, as a view of the observer:
 *
 *   connectionClosed ERR_SS_FORBIDDEN_TARGET ─▶ warn 'target refused' (hint: --forbidden-ip)   one line per 10 s, counted
 *   udpDropped forbidden                     ─▶ warn 'udp target refused' (same hint)         one line per 10 s, counted
 *   udpDropped upstream                      ─▶ warn 'udp refused' (no UDP via the proxy)      one line per 10 s, counted
 *   handshakeFailed (auth, replay, timeout,  ─▶ warn 'handshake failed' client, kind, bytes   one line per client per minute,
 *                    protocol)                                                              counted; 10 lines a second at most
 *
 * A wrong password shows up as `kind=auth`: the client then sees nothing
 * until its own timeout (probe resistance, docs/PROBES.md), so this line is
 * the only place the mistake can be read. Listener errors are logged where
 * they happen (server.ts, udp-relay.ts).
 */
import type { Logger } from '../../logger.js';
import type { HandshakeFailure, UdpDropReason } from '../../observer.js';
import { formatHostPort } from '../../protocol/address.js';
import { ClientRateLimiter, type ClientRateLimiterOptions } from '../../transport/client-rate-limiter.js';
import { RateLimiter } from '../../transport/rate-limiter.js';
import type { ConnectionStats, ServerObserver } from '../connection-info.js';

const FORBIDDEN_HINT = 'the target is in a forbidden range (private, loopback ...); --forbidden-ip (forbidden_ip) sets the list';

/** Options of {@link failureLogObserver}. */
export interface FailureLogOptions {
  /** Rate limits of the handshake lines. */
  clients?: ClientRateLimiterOptions;
  /** Time source for the per-kind limits, ms. Default `Date.now`. */
  now?: () => number;
}

/** An observer that logs refused targets and failed handshakes at warn level, rate-limited. */
export function failureLogObserver(logger: Logger, options: FailureLogOptions = {}): Pick<ServerObserver, 'connectionClosed' | 'handshakeFailed' | 'udpDropped'> {
  const kinds = new RateLimiter(options.now === undefined ? {} : { now: options.now });
  const clients = new ClientRateLimiter(options.clients);
  const suppressed = (held: number): Record<string, unknown> => (held > 0 ? { suppressed: held } : {});
  return {
    connectionClosed(stats: ConnectionStats): void {
      if (stats.status !== 'ERR_SS_FORBIDDEN_TARGET') return;
      const held = kinds.take('forbidden');
      if (held === undefined) return;
      const target = stats.target === undefined ? undefined : formatHostPort(stats.target.host, stats.target.port);
      logger.warn('target refused', { client: stats.remoteAddress, user: stats.user, target, address: stats.targetAddress, hint: FORBIDDEN_HINT, ...suppressed(held) });
    },
    handshakeFailed(failure: HandshakeFailure): void {
      if (failure.kind === 'forbidden') return;
      const held = clients.take(failure.remoteAddress);
      if (held === undefined) return;
      logger.warn('handshake failed', { client: failure.remoteAddress, kind: failure.kind, code: failure.code, bytes: failure.bytes, hint: HINTS[failure.kind], ...suppressed(held) });
    },
    udpDropped(reason: UdpDropReason, from: { address: string; port: number }, error: string | undefined): void {
      if (reason === 'upstream') {
        const held = kinds.take('udp-upstream');
        if (held !== undefined) logger.warn('udp refused', { client: from.address, reason: error, hint: UPSTREAM_UDP_HINT, ...suppressed(held) });
        return;
      }
      if (reason !== 'forbidden') return;
      const held = kinds.take('udp-forbidden');
      if (held === undefined) return;
      logger.warn('udp target refused', { client: from.address, hint: FORBIDDEN_HINT, ...suppressed(held) });
    },
  };
}

const HINTS: Record<HandshakeFailure['kind'], string | undefined> = {
  auth: 'wrong password or method, or a probe',
  replay: 'a replayed connection (a probe), or a client clock or salt bug',
  timeout: 'the client sent no complete address in time',
  protocol: 'not a Shadowsocks client of this method',
  forbidden: undefined,
  limit: 'the user is at its max_connections',
  upstream: 'the upstream proxy (outbound_proxy) is down, refused the target, or wants other credentials',
};

const UPSTREAM_UDP_HINT = "the user's outbound_proxy offers no UDP ASSOCIATE (an HTTP proxy, or a SOCKS5 one that refused it); UDP is never sent direct";
