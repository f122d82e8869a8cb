/**
 * The options of a `UdpRelay` (udp-relay.ts): the method and keys,
 * where targets may go, the NAT table's bounds, and the injected services.
 */
import type { Socket } from 'node:dgram';
import type { KeyRing } from '../crypto/key-ring.js';
import type { CipherSpec } from '../crypto/methods.js';
import type { SaltFilter } from '../crypto/salt-filter.js';
import type { Logger } from '../logger.js';
import type { Observer } from '../observer.js';
import type { UpstreamProxy } from '../protocol/proxy-url.js';
import type { ConnectFunction, LookupFunction } from '../transport/dial.js';
import type { NatClock, UdpSocketType } from '../transport/nat-table.js';
import type { TargetFilter } from './egress/target-filter.js';

/** Options of `UdpRelay`. */
export interface UdpRelayOptions {
  /** The method. */
  spec: CipherSpec;
  /** The master key of a one-user relay. Give this or `users`. */
  masterKey?: Buffer;
  /** The users whose keys may open a datagram (the server's user table). Give this or `masterKey`. */
  users?: KeyRing;
  /** The identity PSK of an AES 2022 relay with users (SIP023): datagrams name their user. */
  identityKey?: Buffer | undefined;
  /** Receives packets, drops and associations. Default: none (the relay's own `stats` still count). */
  observer?: Partial<Observer>;
  /** Refuses resolved target IPs. Default: none (everything allowed). */
  targetFilter?: TargetFilter | undefined;
  /** Resolver for host-name targets (`dns.lookup` signature, `{all: true}`). Default `dns.lookup`. */
  lookup?: LookupFunction;
  /**
   * The server's upstream proxy (a user's `outboundProxy` wins): its users'
   * datagrams go through SOCKS5 UDP ASSOCIATE (proxied-udp-relay.ts), or are
   * dropped (`upstream`), never sent direct. With it: `connect` (the dialer),
   * `connectTimeoutMs`, and `outboundProxyRemoteDns` (names passed unresolved).
   */
  outboundProxy?: UpstreamProxy | undefined;
  outboundProxyRemoteDns?: boolean;
  connect?: ConnectFunction;
  connectTimeoutMs?: number;
  /** Idle time after which an association and its sockets go, ms. Default 300 000. */
  natTimeoutMs?: number;
  /**
   * Maximum associations (LRU eviction beyond). Default 1024. Lowered to fit
   * a quarter of `openFilesLimit` at two sockets per association, so a flood
   * of sources cannot take every descriptor (see `natCapacity`).
   */
  natCapacity?: number;
  /**
   * The process's limit of open files (soft `RLIMIT_NOFILE`). Default: read
   * from /proc/self/limits; where that fails (not Linux), only
   * `natCapacity` applies.
   */
  openFilesLimit?: number;
  /** Where logs go. Default: nowhere. */
  logger?: Logger;
  /** Makes outbound sockets. Default `dgram.createSocket(type)`. */
  createSocket?: (type: UdpSocketType) => Socket;
  /** Time source of the NAT table (tests). */
  clock?: NatClock;
  /**
   * Salts already seen: a datagram whose salt repeats is dropped (`replay`),
   * and our own reply salts are recorded, so replayed or reflected datagrams
   * get no answer. Default: no replay check.
   */
  replayFilter?: SaltFilter;
}

