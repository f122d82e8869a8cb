/**
 * UDP port forwarding through a Shadowsocks server (`ss-tunnel -u -L`): every
 * datagram arriving on a local port goes to one fixed target.
 *
 *   app 127.0.0.1:p ── data ──▶ local port ─▶ NAT entry (per app ip:port) ── sealPacket(addr(target) || data) ──▶ ss server
 *   app 127.0.0.1:p ◀─ data ─── local port ◀─ NAT entry socket ◀─ strip addr ◀─ decryptPacket ───────────────────── ss server
 *
 * Each local source gets its own server-facing socket, so the server sees one
 * association per source and replies find their way back. Associations
 * expire when idle and are capped (LRU), exactly as on the server.
 */
import { createSocket as dgramCreateSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP, type AddressInfo } from 'node:net';
import type { CipherSpec } from '../crypto/methods.js';
import { configError } from '../errors.js';
import { NOOP_LOGGER, type Logger } from '../logger.js';
import { encodeAddress, stripBrackets } from '../protocol/address.js';
import { bindSocket, socketTypeFor } from '../transport/bind-socket.js';
import { combineObservers, type Observer } from '../observer.js';
import { cipherFamilyOf } from '../stream/cipher-family-of.js';
import type { CipherFamily, UdpClientCodec } from '../stream/cipher-family.js';
import { dropReason } from '../transport/drop-reason.js';
import { UdpCounters, type UdpStats } from '../transport/udp-counters.js';
import { udpLogObserver } from '../transport/udp-log-observer.js';
import { openReply } from './open-reply.js';
import type { UdpServerAddress } from './local-udp-relay.js';
import { NatTable, type NatClock, type NatEntry, type UdpSocketType } from '../transport/nat-table.js';
import { sameIp } from '../transport/same-ip.js';

/** Options of {@link UdpTunnelRelay.open}. */
export interface UdpTunnelRelayOptions {
  /** The method. */
  spec: CipherSpec;
  /** The master key. */
  masterKey: Buffer;
  /** Identity PSKs (SIP023), outermost first. Default none. */
  identityKeys?: readonly Buffer[];
  /** The ss server (IP literal). */
  server: UdpServerAddress;
  /** The fixed target; a host name is resolved by the server. */
  target: { host: string; port: number };
  /** Local address to listen on. Default `127.0.0.1`. */
  bindHost?: string;
  /** Local port. Default 0 (the OS picks). */
  bindPort?: number;
  /** Idle time after which a source's association goes, ms. Default 300 000. */
  natTimeoutMs?: number;
  /** Maximum associations. Default 1024. */
  natCapacity?: number;
  /** Where logs go. Default: nowhere. */
  logger?: Logger;
  /** Makes server-facing sockets. Default `dgram.createSocket(type)`. */
  createSocket?: (type: UdpSocketType) => Socket;
  /** Time source of the NAT table (tests). */
  clock?: NatClock;
  /** Receives packets, drops and associations (the relay's own `stats` count them too). Default: none. */
  observer?: Partial<Observer>;
}

/** Counters of a tunnel (the remote side is the ss server). */
export type UdpTunnelRelayStats = UdpStats;

interface Source {
  address: string;
  port: number;
  /** Each local source is its own client session (2022: its own session id). */
  codec: UdpClientCodec;
}

/** A UDP tunnel to a fixed target. Make it with {@link UdpTunnelRelay.open}. */
export class UdpTunnelRelay {
  readonly #o: UdpTunnelRelayOptions;
  readonly #listener: Socket;
  readonly #header: Buffer;
  readonly #serverType: UdpSocketType;
  readonly #nat: NatTable<Source>;
  readonly #family: CipherFamily;
  readonly #counters = new UdpCounters();
  readonly #observer: Observer;
  #closing: Promise<void> | undefined;

  /**
   * Binds the local port.
   * @throws SsError `ERR_SS_CONFIG` if `server.host` is not an IP literal,
   *   `ERR_SS_BAD_ADDRESS` for a bad target; the bind error
   */
  static async open(options: UdpTunnelRelayOptions): Promise<UdpTunnelRelay> {
    if (isIP(stripBrackets(options.server.host)) === 0) throw configError('server', `UDP tunnel needs an IP literal, got '${options.server.host}'`);
    const header = encodeAddress(options.target.host, options.target.port);
    const listener = await bindSocket(options.bindHost ?? '127.0.0.1', options.bindPort ?? 0);
    return new UdpTunnelRelay(options, listener, header);
  }

  private constructor(options: UdpTunnelRelayOptions, listener: Socket, header: Buffer) {
    this.#o = { ...options, server: { host: stripBrackets(options.server.host), port: options.server.port } };
    this.#listener = listener;
    this.#header = header;
    this.#serverType = socketTypeFor(this.#o.server.host);
    this.#family = cipherFamilyOf(options.spec);
    this.#observer = combineObservers(this.#counters, udpLogObserver(options.logger ?? NOOP_LOGGER), options.observer);
    this.#nat = new NatTable<Source>({
      timeoutMs: options.natTimeoutMs,
      capacity: options.natCapacity,
      clock: options.clock,
      createSocket: this.#createUpstream,
      onOpen: (entry) => this.#observer.natOpened(entry.key),
      onDispose: (entry, reason) => this.#observer.natClosed(entry.key, reason),
    });
    listener.on('message', this.#listenerOnMessage);
    listener.on('error', (err) => (options.logger ?? NOOP_LOGGER).warn('udp tunnel socket error', { error: err.message }));
  }

  /** The local address and port. */
  address(): AddressInfo {
    return this.#listener.address();
  }

  /** A snapshot of the counters. */
  get stats(): UdpTunnelRelayStats {
    return this.#counters.stats;
  }

  /** Closes the local port and every association. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#nat.clear();
      this.#listener.close(() => resolve());
    });
    return this.#closing;
  }

  readonly #listenerOnMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (this.#closing) return;
    this.#observer.udpPacket('fromClient', msg.length, undefined);
    const key = `${rinfo.address}:${rinfo.port}`;
    // A datagram that cannot be sealed opens no association.
    const codec = this.#nat.get(key)?.context.codec ?? this.#family.createUdpClient(this.#o.masterKey, this.#o.identityKeys);
    let packet: Buffer;
    try {
      packet = codec.seal(Buffer.concat([this.#header, msg]));
    } catch (err) {
      return this.#drop(err, rinfo);
    }
    const entry = this.#nat.acquire(key, () => ({ address: rinfo.address, port: rinfo.port, codec }));
    entry.socket(this.#serverType).send(packet, this.#o.server.port, this.#o.server.host, (err) => {
      if (err) this.#drop(err, { address: this.#o.server.host, port: this.#o.server.port });
      else this.#observer.udpPacket('toRemote', packet.length, undefined);
    });
  };

  readonly #createUpstream = (type: UdpSocketType, entry: NatEntry<Source>): Socket => {
    const socket = (this.#o.createSocket ?? ((t) => dgramCreateSocket(t)))(type);
    socket.on('message', (msg, rinfo) => this.#onServerMessage(entry, msg, rinfo));
    socket.on('error', (err) => {
      (this.#o.logger ?? NOOP_LOGGER).debug('udp tunnel association error', { client: entry.key, error: err.message });
      this.#nat.delete(entry.key);
    });
    return socket;
  };

  #onServerMessage(entry: NatEntry<Source>, msg: Buffer, rinfo: RemoteInfo): void {
    if (entry.closed) return;
    this.#observer.udpPacket('fromRemote', msg.length, undefined);
    if (rinfo.port !== this.#o.server.port || !sameIp(rinfo.address, this.#o.server.host)) return this.#drop('foreignSource', rinfo);
    let payload: Buffer;
    try {
      const { plaintext, address } = openReply(entry.context.codec, msg);
      payload = plaintext.subarray(address.length);
    } catch (err) {
      return this.#drop(err, rinfo);
    }
    this.#nat.touch(entry);
    const client = entry.context;
    this.#listener.send(payload, client.port, client.address, (err) => {
      if (err) this.#drop(err, client);
      else this.#observer.udpPacket('toClient', payload.length, undefined);
    });
  }

  #drop(why: unknown, from: { address: string; port: number }): void {
    const { reason, error } = dropReason(why);
    this.#observer.udpDropped(reason, from, error);
  }
}
