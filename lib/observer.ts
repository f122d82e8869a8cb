/**
 * The observer seam: one interface for everything the server and the client
 * report. Hooks (`onConnectionOpen/Close`), events, the `stats` objects,
 * logs and (later) metrics are all views of it.
 *
 *   TcpSession / LocalSession ──▶ connectionOpened, connectionClosed, handshakeFailed ─┐
 *   UDP relays                ──▶ udpPacket, udpDropped, natOpened, natClosed ─────────┼──▶ Observer(s)
 *                                                                                      │    (no-op by default)
 *   one vocabulary: a hop is seen from the relay that counts it ─────────────────────────┘
 *     fromClient ──▶ [relay] ──▶ toRemote        remote = the target (server side)
 *     toClient   ◀── [relay] ◀── fromRemote               or the ss server (client side)
 *
 * Methods are called synchronously on the data path: they must be cheap and
 * must not throw (a throwing observer is caught and logged where it matters,
 * but costs the connection nothing else).
 */
import type { SsErrorCode } from './errors.js';
import type { Logger } from './logger.js';

/** What a failed handshake was, from the error that ended it. */
export type HandshakeFailureKind = 'auth' | 'replay' | 'timeout' | 'forbidden' | 'protocol' | 'limit' | 'upstream';

/** A connection that never got to relay, reported once, when it closes. */
export interface HandshakeFailure {
  kind: HandshakeFailureKind;
  /** The `ERR_SS_*` code behind it. */
  code: SsErrorCode;
  /** The peer's address and port. */
  remoteAddress: string;
  remotePort: number;
  /** Bytes the peer sent before the connection closed (what a prober spent). */
  bytes: number;
}

/** A UDP hop, seen from the relay: client side and remote side (target, or ss server on the client side). */
export type UdpHop = 'fromClient' | 'toRemote' | 'fromRemote' | 'toClient';

/**
 * Why a datagram was dropped:
 * - `foreignSource`: not from the associated client / the ss server
 * - `fragmented`: a SOCKS5 UDP datagram with FRAG != 0
 * - `tooShort`: shorter than salt + tag, or no complete address header
 * - `tooLarge`: the re-encrypted packet would not fit in one datagram
 * - `decrypt`: failed to authenticate
 * - `replay`: its salt was seen before (a replayed or reflected datagram)
 * - `badHeader`: invalid address header (unknown ATYP, bad host name)
 * - `forbidden`: the target (after DNS) is in a forbidden range
 * - `dns`: the target name did not resolve
 * - `sendFailed`: the socket refused to send it (EMSGSIZE, unreachable...)
 * - `upstream`: the user goes out through an upstream proxy that offers no
 *   UDP ASSOCIATE (or the association failed); never sent direct
 */
export type UdpDropReason = 'foreignSource' | 'fragmented' | 'tooShort' | 'tooLarge' | 'decrypt' | 'replay' | 'badHeader' | 'forbidden' | 'dns' | 'sendFailed' | 'upstream';

/** Why a UDP association went away. */
export type NatCloseReason = 'idle' | 'evicted' | 'closed';

/**
 * Receives what a server or client reports. `Info` and `Stats` are the
 * side's connection types (`ConnectionInfo`/`ConnectionStats` on the
 * server, `LocalConnectionInfo`/`LocalConnectionStats` on the client).
 */
export interface Observer<Info = unknown, Stats = unknown> {
  /** A TCP connection reached its target (server) or the server (client). */
  connectionOpened(info: Info): void;
  /** A TCP connection closed: every accepted one, failed ones too. */
  connectionClosed(stats: Stats): void;
  /** A connection failed before relaying; called just before its `connectionClosed`. */
  handshakeFailed(failure: HandshakeFailure): void;
  /** A datagram passed a hop; `user` once known. */
  udpPacket(hop: UdpHop, bytes: number, user: string | undefined): void;
  /** A datagram was dropped (silently, on the wire). */
  udpDropped(reason: UdpDropReason, from: { address: string; port: number }, error: string | undefined): void;
  /** A UDP association (one client address) opened. */
  natOpened(client: string): void;
  /** A UDP association closed. */
  natClosed(client: string, reason: NatCloseReason): void;
}

const noop = (): void => {};

/** The observer that does nothing: the default. */
export const NOOP_OBSERVER: Observer<never, never> = Object.freeze({
  connectionOpened: noop,
  connectionClosed: noop,
  handshakeFailed: noop,
  udpPacket: noop,
  udpDropped: noop,
  natOpened: noop,
  natClosed: noop,
});

const METHODS = Object.keys(NOOP_OBSERVER) as (keyof Observer)[];

/**
 * One observer that calls each of `observers` in turn (missing methods of a
 * partial observer are skipped). With a single complete observer, that one
 * is returned as is.
 */
export function combineObservers<I, S>(...observers: (Partial<Observer<I, S>> | undefined)[]): Observer<I, S> {
  const list = observers.filter((o): o is Partial<Observer<I, S>> => o !== undefined);
  const combined = {} as Record<keyof Observer, (...args: unknown[]) => void>;
  for (const method of METHODS) {
    const fns = list.map((o) => o[method]?.bind(o) as ((...args: unknown[]) => void) | undefined).filter((f) => f !== undefined);
    combined[method] = fns.length === 0 ? noop : fns.length === 1 ? fns[0]! : (...args) => {
      for (const fn of fns) fn(...args);
    };
  }
  return combined as unknown as Observer<I, S>;
}

const KIND_BY_CODE: Partial<Record<SsErrorCode, HandshakeFailureKind>> = {
  ERR_SS_DECRYPT: 'auth',
  ERR_SS_PROXY_AUTH: 'auth',
  ERR_SS_REPLAY: 'replay',
  ERR_SS_HANDSHAKE_TIMEOUT: 'timeout',
  ERR_SS_FORBIDDEN_TARGET: 'forbidden',
  ERR_SS_USER_LIMIT: 'limit',
  ERR_SS_BAD_ADDRESS: 'protocol',
  ERR_SS_BAD_ADDRESS_TYPE: 'protocol',
  ERR_SS_CHUNK_EMPTY: 'protocol',
  ERR_SS_CHUNK_TOO_LARGE: 'protocol',
  ERR_SS_TRUNCATED: 'protocol',
  ERR_SS_SOCKS_PROTOCOL: 'protocol',
  ERR_SS_HTTP_BAD_REQUEST: 'protocol',
  ERR_SS_HTTP_HEAD_TOO_LARGE: 'protocol',
  // The upstream proxy's failures, counted apart: they are ours to fix, not the peer's.
  ERR_SS_UPSTREAM_FAILED: 'upstream',
  ERR_SS_UPSTREAM_AUTH: 'upstream',
  ERR_SS_UPSTREAM_REFUSED: 'upstream',
};

/**
 * The handshake failure behind an `ERR_SS_*` code that ended a connection
 * before it relayed; `undefined` for what is not the peer's failure (DNS,
 * connect, shutdown, a socket error).
 */
export function handshakeFailureKind(code: SsErrorCode): HandshakeFailureKind | undefined {
  return KIND_BY_CODE[code];
}

/**
 * Reports a connection that ended before relaying as a handshake failure,
 * when its status is one (see {@link handshakeFailureKind}).
 */
export function reportHandshakeFailure(observer: Observer<never, never>, status: 'OK' | SsErrorCode, peer: { remoteAddress: string; remotePort: number }, bytes: number): void {
  const kind = status === 'OK' ? undefined : handshakeFailureKind(status);
  if (kind === undefined) return;
  observer.handshakeFailed({ kind, code: status as SsErrorCode, remoteAddress: peer.remoteAddress, remotePort: peer.remotePort, bytes });
}

/** The hooks and events of `SsServer` and `SsLocal`, as a view of the observer. */
export function hooksObserver<I, S>(
  hooks: { onConnectionOpen?: ((info: I) => void) | undefined; onConnectionClose?: ((stats: S) => void) | undefined },
  emit: (event: 'connectionOpen' | 'connectionClose', arg: I | S) => void,
  logClose: (stats: S) => void,
): Pick<Observer<I, S>, 'connectionOpened' | 'connectionClosed'> {
  return {
    connectionOpened(info: I): void {
      hooks.onConnectionOpen?.(info);
      emit('connectionOpen', info);
    },
    connectionClosed(stats: S): void {
      logClose(stats);
      hooks.onConnectionClose?.(stats);
      emit('connectionClose', stats);
    },
  };
}

/** Reports a closed connection; a throwing observer or hook is logged, never thrown. */
export function reportClosed<S>(observer: Observer<never, S>, stats: S, logger: Logger): void {
  try {
    observer.connectionClosed(stats);
  } catch (err) {
    logger.error('connectionClose hook threw', { error: err as Error });
  }
}
