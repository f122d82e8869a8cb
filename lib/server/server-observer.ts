/**
 * The one observer of an `SsServer`, and its views: per-user traffic, the
 * hooks and events, the debug and warning logs, and the user's own observer.
 *
 *   TcpSession / UdpRelay ──▶ traffic ─▶ hooks + events ─▶ failure log ─▶ options.observer
 */
import { combineObservers, hooksObserver } from '../observer.js';
import type { ConnectionInfo, ConnectionStats, ServerObserver } from './connection-info.js';
import { failureLogObserver } from './logs/failure-log-observer.js';
import type { ServerServices } from './server-options.js';
import type { TrafficCounters } from './traffic-counters.js';

/**
 * Builds the server's observer. The traffic view comes first, so a throwing
 * hook cannot make it miss an open; refused targets and failed handshakes are
 * logged at warn, rate-limited.
 */
export function createServerObserver(
  services: ServerServices,
  traffic: TrafficCounters,
  emit: (event: 'connectionOpen' | 'connectionClose', arg: ConnectionInfo | ConnectionStats) => void,
): ServerObserver {
  const { logger } = services;
  const hooks = hooksObserver<ConnectionInfo, ConnectionStats>(services, emit, (stats) => {
    logger.debug('connection closed', { client: stats.remoteAddress, user: stats.user, status: stats.status, up: stats.bytesUp, down: stats.bytesDown });
  });
  return combineObservers<ConnectionInfo, ConnectionStats>(traffic, hooks, failureLogObserver(logger), services.observer);
}
