/**
 * The server side of Shadowsocks UDP: a dgram socket on the same address and
 * port as the TCP listener, relaying each authenticated datagram to its
 * target and the target's replies back.
 *
 *   client ── ss packet ──▶ listener ─ codec.open (finds the user) ─ decodeAddress ─ lookup ─ filter ─▶ NAT entry socket ──▶ target
 *   client ◀─ ss packet ─── listener ◀─ sealReply(addr(source) || reply) ◀──────────────────────────── NAT entry socket ◀── any source
 *
 * The family's UDP codec opens datagrams and seals replies: an AEAD
 * association is keyed by the client's address, a 2022 one by the client's
 * session id (replies go to the address its last valid datagram came from).
 *
 * Probe policy (docs/PROBES.md): a datagram that is too short, fails to
 * authenticate, has a bad address header, names a forbidden target or fails
 * to resolve is dropped silently and counted. Nothing is ever sent to a source
 * that has not authenticated, and no NAT entry (socket) exists for it.
 *
 * Associations are full-cone (as libev, Outline and rust): replies are
 * accepted from any source, and each is labelled with that source's address.
 */
import type { UpstreamProxy } from '../protocol/proxy-url.js';
import type { UdpRelayOptions } from './udp-relay-options.js';
import { createSocket as dgramCreateSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { EventEmitter } from 'node:events';
import { connect as netConnect, isIPv4, type AddressInfo } from 'node:net';
import { singleKeyRing, type CipherUser } from '../crypto/key-ring.js';
import { SsError, toSsError } from '../errors.js';
import { NOOP_LOGGER, type Logger } from '../logger.js';
import { combineObservers, type Observer } from '../observer.js';
import { cipherFamilyOf } from '../stream/cipher-family-of.js';
import type { UdpServerCodec } from '../stream/cipher-family.js';
import { dropReason } from '../transport/drop-reason.js';
import { UdpCounters, type UdpStats } from '../transport/udp-counters.js';
import { udpLogObserver } from '../transport/udp-log-observer.js';
import { decodeAddress, encodeAddress, type DecodedAddress } from '../protocol/address.js';
import { literalTarget, resolveTargetName } from './egress/resolve-target.js';
import type { TargetFilter } from './egress/target-filter.js';
import type { LookupFunction } from '../transport/dial.js';
import { ProxiedUdpRelay } from './proxied-udp-relay.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_NAT_TIMEOUT_MS } from '../constants.js';
import { bindSocket } from '../transport/bind-socket.js';
import { DEFAULT_NAT_CAPACITY, NatTable, natCapacityWithin, type NatEntry, type UdpSocketType } from '../transport/nat-table.js';
import { FdExhaustionLog } from '../transport/fd-exhaustion-log.js';
import { readOpenFilesLimit } from '../transport/open-files-limit.js';

export type { UdpRelayOptions };

export type { UdpDropReason } from '../observer.js';

/** Counters of a {@link UdpRelay}, since it was created. */
export type UdpRelayStats = UdpStats;

/** Events of {@link UdpRelay}. */
export interface UdpRelayEvents {
  /** A listening socket failed after `listen()` resolved. */
  error: [err: Error];
}

interface Client {
  address: string;
  port: number;
  /** The listening socket the client last used: replies go out on it. */
  listener: Socket;
  /** The user whose key opened the client's last datagram. */
  user: CipherUser;
  /** Seals replies to the client (from its last datagram's session). */
  sealReply: (plaintext: Buffer) => Buffer;
  /** The association's key: the client's session (2022) or its address. */
  key: string;
}

/** The server's UDP relay. Nothing listens until `listen()`. */
export class UdpRelay extends EventEmitter<UdpRelayEvents> {
  readonly #codec: UdpServerCodec;
  readonly #filter: TargetFilter | undefined;
  readonly #lookup: LookupFunction;
  readonly #proxy: UpstreamProxy | undefined;
  readonly #proxied: ProxiedUdpRelay;
  readonly #logger: Logger;
  readonly #createSocket: (type: UdpSocketType) => Socket;
  readonly #nat: NatTable<Client>;
  readonly #listeners: Socket[] = [];
  readonly #counters = new UdpCounters();
  readonly #observer: Observer;
  readonly #fdLog: FdExhaustionLog;
  readonly #natCapacity: number;
  #closed = false;

  /** @throws TypeError for a bad `natTimeoutMs` or `natCapacity`, or unless exactly one of `masterKey` and `users` is given */
  constructor(options: UdpRelayOptions) {
    super();
    if ((options.masterKey === undefined) === (options.users === undefined)) throw new TypeError('give exactly one of masterKey and users');
    const keys = options.users ?? singleKeyRing(options.masterKey!);
    this.#codec = cipherFamilyOf(options.spec).createUdpServer({ keys, replayFilter: options.replayFilter, capacity: options.natCapacity, identityKey: options.identityKey });
    this.#filter = options.targetFilter;
    this.#lookup = options.lookup ?? (dnsLookup as unknown as LookupFunction);
    this.#proxy = options.outboundProxy;
    this.#logger = options.logger ?? NOOP_LOGGER;
    this.#createSocket = options.createSocket ?? ((type) => dgramCreateSocket(type));
    this.#observer = combineObservers(this.#counters, udpLogObserver(this.#logger), options.observer);
    const openFiles = options.openFilesLimit ?? readOpenFilesLimit();
    const configured = options.natCapacity ?? DEFAULT_NAT_CAPACITY;
    this.#natCapacity = natCapacityWithin(configured, openFiles);
    if (this.#natCapacity < configured) this.#logger.info('udp associations capped by the limit of open files', { natCapacity: this.#natCapacity, configured, openFiles });
    this.#fdLog = new FdExhaustionLog(this.#logger, { openFilesLimit: openFiles });
    this.#proxied = new ProxiedUdpRelay({
      connect: options.connect ?? ((o) => netConnect(o)), lookup: this.#lookup, filter: this.#filter, remoteDns: options.outboundProxyRemoteDns === true,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, idleMs: options.natTimeoutMs ?? DEFAULT_NAT_TIMEOUT_MS, capacity: this.#natCapacity,
      observer: this.#observer, logger: this.#logger, reply: (client, source, data) => this.#reply(client as Client, source.host, source.port, data),
    });
    this.#nat = new NatTable<Client>({
      timeoutMs: options.natTimeoutMs,
      capacity: this.#natCapacity,
      clock: options.clock,
      createSocket: this.#createTargetSocket,
      onOpen: (entry) => this.#observer.natOpened(entry.key),
      onDispose: (entry, reason) => {
        this.#codec.forget(entry.key);
        this.#observer.natClosed(entry.key, reason);
      },
    });
  }

  /** The association cap in force: `natCapacity`, or fewer to fit the limit of open files. */
  get natCapacity(): number {
    return this.#natCapacity;
  }

  /** A snapshot of the counters. */
  get stats(): UdpRelayStats {
    return this.#counters.stats;
  }

  /**
   * Binds one more listening socket; call it once per address. `host` must
   * be an IP literal (or a name dgram resolves as IPv4); default `::` (dual
   * stack, or `0.0.0.0` without IPv6). Resolves with the bound address;
   * rejects (EADDRINUSE...) without keeping the socket.
   */
  async listen(options: { host?: string | undefined; port?: number; ipv6Only?: boolean } = {}): Promise<AddressInfo> {
    if (this.#closed) throw new Error('UDP relay is closed');
    const socket = await bindSocket(options.host ?? '::', options.port ?? 0, options.ipv6Only).catch((err: NodeJS.ErrnoException) => {
      // No host and no IPv6 on this machine: all IPv4 interfaces, as net.Server does.
      if (options.host === undefined && err.code === 'EAFNOSUPPORT') return bindSocket('0.0.0.0', options.port ?? 0);
      throw err;
    });
    if (this.#closed) {
      socket.close();
      throw new Error('UDP relay is closed');
    }
    socket.on('error', this.#listenerOnError);
    socket.on('message', (msg, rinfo) => this.#onClientMessage(socket, msg, rinfo));
    this.#listeners.push(socket);
    return socket.address();
  }

  /** The first listening address. @throws Error if not listening */
  address(): AddressInfo {
    const s = this.#listeners[0];
    if (s === undefined) throw new Error('not listening');
    return s.address();
  }

  /** Every listening address. */
  addresses(): AddressInfo[] {
    return this.#listeners.map((s) => s.address());
  }

  /** Closes the listeners and every association. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#nat.clear();
    this.#proxied.close();
    await Promise.all(this.#listeners.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.#listeners.length = 0;
  }

  #onClientMessage(listener: Socket, msg: Buffer, rinfo: RemoteInfo): void {
    if (this.#closed) return;
    this.#observer.udpPacket('fromClient', msg.length, undefined);
    let target: DecodedAddress;
    let payload: Buffer;
    let client: Client;
    try {
      const opened = this.#codec.open(msg, rinfo.address);
      const header = decodeAddress(opened.plaintext, 0);
      if (header === null) throw new SsError('ERR_SS_PACKET_TOO_SHORT', 'plaintext has no complete address header');
      target = header;
      payload = opened.plaintext.subarray(header.length);
      const key = opened.session ?? `${rinfo.address}:${rinfo.port}`;
      client = { address: rinfo.address, port: rinfo.port, listener, user: opened.user, sealReply: opened.sealReply, key };
    } catch (err) {
      this.#drop(err, rinfo);
      return;
    }
    // A user behind an upstream proxy: through it or not at all, never direct (issue 17).
    const proxy = (client.user as { outboundProxy?: UpstreamProxy }).outboundProxy ?? this.#proxy;
    if (proxy !== undefined) return this.#proxied.relay(client, proxy, target, payload);
    let ip: string | null;
    try {
      ip = literalTarget(target, this.#filter);
    } catch (err) {
      this.#drop(err, rinfo);
      return;
    }
    if (ip !== null) this.#sendToTarget(client, ip, target.port, payload);
    else resolveTargetName(target.host, this.#lookup, this.#filter).then((resolved) => this.#sendToTarget(client, resolved, target.port, payload), (err: unknown) => this.#drop(err, rinfo));
  }

  #sendToTarget(client: Client, ip: string, port: number, payload: Buffer): void {
    if (this.#closed) return;
    const entry = this.#nat.acquire(client.key, () => client);
    // The latest valid datagram says where replies go and how they are sealed.
    Object.assign(entry.context, client);
    const socket = entry.socket(isIPv4(ip) ? 'udp4' : 'udp6');
    this.#observer.udpPacket('toRemote', payload.length, client.user.name);
    socket.send(payload, port, ip, (err) => {
      if (err) this.#drop(toSsError(err, 'ERR_SS_RELAY_REMOTE'), client);
    });
  }

  readonly #createTargetSocket = (type: UdpSocketType, entry: NatEntry<Client>): Socket => {
    const socket = this.#createSocket(type);
    socket.on('message', (msg, rinfo) => this.#onTargetMessage(entry, msg, rinfo));
    socket.on('error', (err) => {
      this.#fdLog.report('udp', err);
      this.#logger.debug('udp association socket error', { client: entry.key, error: err.message });
      this.#nat.delete(entry.key);
    });
    return socket;
  };

  #onTargetMessage(entry: NatEntry<Client>, msg: Buffer, source: RemoteInfo): void {
    if (entry.closed) return;
    const client = entry.context;
    this.#observer.udpPacket('fromRemote', msg.length, client.user.name);
    this.#nat.touch(entry);
    this.#reply(client, source.address, source.port, msg);
  }

  // Seals `msg` from `host:port` and sends it to `client`.
  #reply(client: Client, host: string, port: number, msg: Buffer): void {
    let packet: Buffer;
    try {
      packet = client.sealReply(Buffer.concat([encodeAddress(host, port), msg]));
    } catch (err) {
      this.#drop(err, { address: host, port });
      return;
    }
    client.listener.send(packet, client.port, client.address, (err) => {
      if (err) this.#drop(toSsError(err, 'ERR_SS_RELAY_CLIENT'), client);
      else this.#observer.udpPacket('toClient', packet.length, client.user.name);
    });
  }

  #drop(err: unknown, from: { address: string; port: number }): void {
    const { reason, error } = dropReason(err);
    this.#observer.udpDropped(reason, from, error);
  }

  readonly #listenerOnError = (err: Error): void => {
    this.#logger.error('udp listener error', { error: err.message });
    if (this.listenerCount('error') > 0) this.emit('error', err);
  };
}

