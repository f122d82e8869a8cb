/**
 * Per-user traffic of one server (one port), as a view of the observer
 * (issue 12): bytes up and down and connections opened, by user name.
 *
 *   connectionOpened(info)   ──▶ connections + 1            (TCP, relayed)
 *   connectionClosed(stats)  ──▶ up += bytesUp, down += bytesDown
 *   udpPacket('toRemote')    ──▶ up += bytes                (UDP payload to the target)
 *   udpPacket('fromRemote')  ──▶ down += bytes              (UDP payload from the target)
 *
 * Bytes are payload at the target side (what the target received and sent),
 * as in `ConnectionStats`; ciphertext overhead is not counted. This view
 * sees closed TCP connections only: `SsServer.traffic()` adds the bytes of
 * the open ones. Totals since the server was created; one small entry per
 * user name seen (a removed user's totals stay until the server goes).
 * Per server process: with `--workers`, each worker counts its own.
 */
import type { ConnectionInfo, ConnectionStats, ServerObserver } from './connection-info.js';
import type { UdpHop } from '../observer.js';

/** Traffic of one user, or of a whole port. */
export interface UserTraffic {
  /** Payload bytes from the user's clients to their targets (TCP and UDP). */
  up: number;
  /** Payload bytes from the targets back to the user's clients (TCP and UDP). */
  down: number;
  /** TCP connections that reached their target (open ones included). */
  connections: number;
}

/** Traffic by user name: an object without prototype, safe for any name. */
export type TrafficByUser = Record<string, UserTraffic>;

/** Counts traffic by user from what the server reports to its observer. */
export class TrafficCounters implements Pick<ServerObserver, 'connectionOpened' | 'connectionClosed' | 'udpPacket'> {
  readonly #byUser = new Map<string, UserTraffic>();

  #entry(user: string): UserTraffic {
    let e = this.#byUser.get(user);
    if (e === undefined) {
      e = { up: 0, down: 0, connections: 0 };
      this.#byUser.set(user, e);
    }
    return e;
  }

  /** {@inheritDoc Observer.connectionOpened} */
  connectionOpened(info: ConnectionInfo): void {
    if (info.user !== undefined) this.#entry(info.user).connections++;
  }

  /** {@inheritDoc Observer.connectionClosed} */
  connectionClosed(stats: ConnectionStats): void {
    if (stats.user === undefined || (stats.bytesUp === 0 && stats.bytesDown === 0)) return;
    const e = this.#entry(stats.user);
    e.up += stats.bytesUp;
    e.down += stats.bytesDown;
  }

  /** {@inheritDoc Observer.udpPacket} */
  udpPacket(hop: UdpHop, bytes: number, user: string | undefined): void {
    if (user === undefined) return;
    if (hop === 'toRemote') this.#entry(user).up += bytes;
    else if (hop === 'fromRemote') this.#entry(user).down += bytes;
  }

  /** A copy of the totals by user (closed TCP connections and UDP), plus the bytes of `live` connections. */
  snapshot(live: Iterable<{ user: string; up: number; down: number } | undefined> = []): TrafficByUser {
    const out: TrafficByUser = Object.create(null) as TrafficByUser;
    for (const [name, e] of this.#byUser) out[name] = { ...e };
    for (const l of live) {
      if (l === undefined) continue;
      const e = (out[l.user] ??= { up: 0, down: 0, connections: 0 });
      e.up += l.up;
      e.down += l.down;
    }
    return out;
  }
}

/** The sum of traffic over users: a port's total. */
export function totalTraffic(byUser: TrafficByUser): UserTraffic {
  const total: UserTraffic = { up: 0, down: 0, connections: 0 };
  for (const name in byUser) {
    const e = byUser[name]!;
    total.up += e.up;
    total.down += e.down;
    total.connections += e.connections;
  }
  return total;
}
