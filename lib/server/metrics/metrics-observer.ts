/**
 * The server's Prometheus metrics, as a view of the observer (prom-client).
 *
 *   observer call              metric (prefix ss_)
 *   connectionOpened           tcp_connections_opened_total                      reached the target
 *                              tcp_user_identify_seconds (histogram)             trial decryption, AEAD methods
 *   connectionClosed           tcp_connections_closed_total{status}              every accepted one
 *                              tcp_connection_duration_seconds (histogram)
 *                              data_bytes_total{user,direction,transport="tcp"}  at close
 *   handshakeFailed            tcp_handshake_failure_bytes{kind} (histogram)     _count: failures, _sum: bytes probers sent
 *   udpPacket                  udp_packets_total{hop}
 *                              data_bytes_total{user,direction,transport="udp"}  toRemote: up, fromRemote: down
 *   udpDropped                 udp_dropped_total{reason}
 *   natOpened / natClosed      udp_nat_associations, udp_nat_opened_total, udp_nat_closed_total{reason}
 *   (collected)                tcp_connections_open                              from {@link MetricsObserver.trackOpenConnections}
 *
 * Bytes are payload bytes, as `ConnectionStats` counts them: up is what
 * reached the target, down what came from it. TCP bytes are added when the
 * connection closes, so a long download shows up at its end.
 *
 * Label values come from small fixed sets (status codes, kinds, hops,
 * reasons) and from user names, which the configuration bounds; past
 * {@link DEFAULT_MAX_USER_LABELS} distinct names the rest count as
 * `other`. Client addresses and targets are never labels.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { HandshakeFailure, NatCloseReason, UdpDropReason, UdpHop } from '../../observer.js';
import type { ConnectionInfo, ConnectionStats, ServerObserver } from '../connection-info.js';
import { UserLabels } from './user-labels.js';

/** Distinct user label values kept before the rest count as `other`. */
export const DEFAULT_MAX_USER_LABELS = 1000;

/** Options of {@link MetricsObserver}. */
export interface MetricsObserverOptions {
  /** Where the metrics are registered (one observer per registry). */
  registry: Registry;
  /** Distinct user label values kept. Default {@link DEFAULT_MAX_USER_LABELS}. */
  maxUserLabels?: number;
}

const DURATION_BUCKETS = [0.1, 1, 10, 60, 300, 1800, 3600, 14400];
// 50 bytes: an AEAD probe that stops right after salt + length chunk; 4096: the header cap region.
const PROBE_BUCKETS = [0, 1, 16, 32, 50, 64, 128, 256, 1024, 4096];
// One key tried costs about 10-25 µs; 1000 users about 20 ms.
const IDENTIFY_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.001, 0.0025, 0.01, 0.025, 0.1];

/** An observer that counts what a server reports into prom-client metrics. */
export class MetricsObserver implements ServerObserver {
  readonly #users: UserLabels;
  readonly #bytes: Counter<'user' | 'direction' | 'transport'>;
  readonly #opened: Counter;
  readonly #closed: Counter<'status'>;
  readonly #duration: Histogram;
  readonly #identify: Histogram;
  readonly #probes: Histogram<'kind'>;
  readonly #packets: Counter<'hop'>;
  readonly #dropped: Counter<'reason'>;
  readonly #nat: Gauge;
  readonly #natOpened: Counter;
  readonly #natClosed: Counter<'reason'>;
  #openConnections: (() => number) | undefined;

  constructor(options: MetricsObserverOptions) {
    const registers = [options.registry];
    this.#users = new UserLabels(options.maxUserLabels ?? DEFAULT_MAX_USER_LABELS);
    this.#bytes = new Counter({ name: 'ss_data_bytes_total', help: 'Payload bytes relayed, by user, direction (up: to the target, down: from it) and transport', labelNames: ['user', 'direction', 'transport'], registers });
    this.#opened = new Counter({ name: 'ss_tcp_connections_opened_total', help: 'TCP connections that reached their target', registers });
    this.#closed = new Counter({ name: 'ss_tcp_connections_closed_total', help: 'TCP connections closed, by status (OK or the ERR_SS_* code that ended them)', labelNames: ['status'], registers });
    this.#duration = new Histogram({ name: 'ss_tcp_connection_duration_seconds', help: 'Time from accept to close of TCP connections', buckets: DURATION_BUCKETS, registers });
    this.#identify = new Histogram({ name: 'ss_tcp_user_identify_seconds', help: 'Time the server spent finding the user of a TCP connection among the keys (trial decryption; AEAD methods)', buckets: IDENTIFY_BUCKETS, registers });
    this.#probes = new Histogram({ name: 'ss_tcp_handshake_failure_bytes', help: 'Bytes a client sent on a connection that failed before relaying, by kind (auth, replay, timeout, forbidden, protocol, limit, upstream); _count is the number of failures', labelNames: ['kind'], buckets: PROBE_BUCKETS, registers });
    this.#packets = new Counter({ name: 'ss_udp_packets_total', help: 'UDP datagrams, by hop (fromClient, toRemote, fromRemote, toClient)', labelNames: ['hop'], registers });
    this.#dropped = new Counter({ name: 'ss_udp_dropped_total', help: 'UDP datagrams dropped, by reason', labelNames: ['reason'], registers });
    this.#nat = new Gauge({ name: 'ss_udp_nat_associations', help: 'UDP associations (client addresses) open', registers });
    this.#natOpened = new Counter({ name: 'ss_udp_nat_opened_total', help: 'UDP associations opened', registers });
    this.#natClosed = new Counter({ name: 'ss_udp_nat_closed_total', help: 'UDP associations closed, by reason (idle, evicted, closed)', labelNames: ['reason'], registers });
    const self = this;
    new Gauge({
      name: 'ss_tcp_connections_open', help: 'TCP connections accepted and not yet closed', registers,
      collect() {
        this.set(self.#openConnections?.() ?? 0);
      },
    });
  }

  /** Reads the open-connection gauge from `count` at each scrape (the servers' `connections`). */
  trackOpenConnections(count: () => number): void {
    this.#openConnections = count;
  }

  connectionOpened(info: ConnectionInfo): void {
    this.#opened.inc();
    if (info.identifyMicros !== undefined) this.#identify.observe(info.identifyMicros / 1e6);
  }

  connectionClosed(stats: ConnectionStats): void {
    this.#closed.inc({ status: stats.status });
    this.#duration.observe(stats.durationMs / 1000);
    const user = this.#users.of(stats.user);
    if (stats.bytesUp > 0) this.#bytes.inc({ user, direction: 'up', transport: 'tcp' }, stats.bytesUp);
    if (stats.bytesDown > 0) this.#bytes.inc({ user, direction: 'down', transport: 'tcp' }, stats.bytesDown);
  }

  handshakeFailed(failure: HandshakeFailure): void {
    this.#probes.observe({ kind: failure.kind }, failure.bytes);
  }

  udpPacket(hop: UdpHop, bytes: number, user: string | undefined): void {
    this.#packets.inc({ hop });
    if (hop === 'toRemote') this.#bytes.inc({ user: this.#users.of(user), direction: 'up', transport: 'udp' }, bytes);
    else if (hop === 'fromRemote') this.#bytes.inc({ user: this.#users.of(user), direction: 'down', transport: 'udp' }, bytes);
  }

  udpDropped(reason: UdpDropReason): void {
    this.#dropped.inc({ reason });
  }

  natOpened(): void {
    this.#nat.inc();
    this.#natOpened.inc();
  }

  natClosed(_client: string, reason: NatCloseReason): void {
    this.#nat.dec();
    this.#natClosed.inc({ reason });
  }
}
