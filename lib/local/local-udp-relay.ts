/**
 * The local side of one SOCKS5 UDP ASSOCIATE: a relay socket the SOCKS5
 * client sends to, and one socket towards the ss server.
 *
 *   SOCKS5 client ── RSV FRAG addr data ──▶ relay socket ── sealPacket(addr || data) ──▶ ss server
 *   SOCKS5 client ◀─ 00 00 00 addr data ─── relay socket ◀─ decryptPacket ────────────────── ss server
 *
 * The client's address is learned from its first valid datagram; after that
 * only that `ip:port` is served (RFC 1928 section 7: "MUST drop any datagrams
 * arriving from any source IP address other than the one recorded for the
 * particular association"). Before that, `clientHost` (the TCP control
 * connection's peer) and a non-zero `clientPort` (DST.PORT of the ASSOCIATE
 * request) restrict who may be learned. Datagrams from the server socket are
 * accepted only from the server's address and must authenticate.
 *
 * The association lives until `close()`: the SOCKS5 front end calls it when
 * the TCP control connection closes (RFC 1928: the association terminates
 * with the TCP connection).
 */
import { createSocket as dgramCreateSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP, type AddressInfo } from 'node:net';
import type { CipherSpec } from '../crypto/methods.js';
import { configError } from '../errors.js';
import { NOOP_LOGGER, type Logger } from '../logger.js';
import { stripBrackets } from '../protocol/address.js';
import { decodeSocks5UdpPacket, prependSocks5UdpPrefix } from '../protocol/socks5-udp.js';
import { bindSocket, socketTypeFor } from '../transport/bind-socket.js';
import { combineObservers, type Observer } from '../observer.js';
import { cipherFamilyOf } from '../stream/cipher-family-of.js';
import type { UdpClientCodec } from '../stream/cipher-family.js';
import { dropReason } from '../transport/drop-reason.js';
import { UdpCounters, type UdpStats } from '../transport/udp-counters.js';
import { udpLogObserver } from '../transport/udp-log-observer.js';
import { openReply } from './open-reply.js';
import type { UdpSocketType } from '../transport/nat-table.js';
import { sameIp } from '../transport/same-ip.js';

/** Where the ss server is: an IP literal (resolve names first) and a port. */
export interface UdpServerAddress {
  host: string;
  port: number;
}

/** Options of {@link LocalUdpRelay.open}. */
export interface LocalUdpRelayOptions {
  /** The method. */
  spec: CipherSpec;
  /** The master key. */
  masterKey: Buffer;
  /** Identity PSKs (SIP023), outermost first. Default none. */
  identityKeys?: readonly Buffer[];
  /** The ss server. */
  server: UdpServerAddress;
  /** Address to bind the relay socket on (reported in the ASSOCIATE reply). Default `127.0.0.1`. */
  bindHost?: string;
  /** Only a client with this IP may use the association (the control connection's peer). Default: any. */
  clientHost?: string;
  /** Only a client with this source port may use it (non-zero DST.PORT of the request). Default: any. */
  clientPort?: number;
  /** Where logs go. Default: nowhere. */
  logger?: Logger;
  /** Makes the server-facing socket. Default `dgram.createSocket(type)`. */
  createSocket?: (type: UdpSocketType) => Socket;
  /** Receives packets and drops (the relay's own `stats` count them too). Default: none. */
  observer?: Partial<Observer>;
}

/** Counters of one association (the remote side is the ss server). */
export type LocalUdpRelayStats = UdpStats;

/** One SOCKS5 UDP association on the local side. Make it with {@link LocalUdpRelay.open}. */
export class LocalUdpRelay {
  readonly #o: LocalUdpRelayOptions;
  readonly #relay: Socket;
  readonly #upstream: Socket;
  /** One association is one client session (2022: one session id). */
  readonly #codec: UdpClientCodec;
  readonly #counters = new UdpCounters();
  readonly #observer: Observer;
  #client: { address: string; port: number } | undefined;
  #closing: Promise<void> | undefined;

  /**
   * Binds the relay socket and opens the server-facing socket.
   * @throws SsError `ERR_SS_CONFIG` if `server.host` is not an IP literal; the bind error
   */
  static async open(options: LocalUdpRelayOptions): Promise<LocalUdpRelay> {
    if (isIP(stripBrackets(options.server.host)) === 0) throw configError('server', `UDP relay needs an IP literal, got '${options.server.host}'`);
    const relay = await bindSocket(options.bindHost ?? '127.0.0.1', 0);
    return new LocalUdpRelay(options, relay);
  }

  private constructor(options: LocalUdpRelayOptions, relay: Socket) {
    this.#o = { ...options, server: { host: stripBrackets(options.server.host), port: options.server.port } };
    this.#codec = cipherFamilyOf(options.spec).createUdpClient(options.masterKey, options.identityKeys);
    this.#observer = combineObservers(this.#counters, udpLogObserver(options.logger ?? NOOP_LOGGER), options.observer);
    this.#relay = relay;
    this.#upstream = (options.createSocket ?? ((t) => dgramCreateSocket(t)))(socketTypeFor(this.#o.server.host));
    this.#relay.on('message', this.#relayOnMessage);
    this.#upstream.on('message', this.#upstreamOnMessage);
    this.#relay.on('error', this.#onSocketError);
    this.#upstream.on('error', this.#onSocketError);
  }

  /** The relay socket's address: BND.ADDR / BND.PORT of the ASSOCIATE reply. */
  address(): AddressInfo {
    return this.#relay.address();
  }

  /** The client learned from the first datagram, if any. */
  get client(): { address: string; port: number } | undefined {
    return this.#client && { ...this.#client };
  }

  /** A snapshot of the counters. */
  get stats(): LocalUdpRelayStats {
    return this.#counters.stats;
  }

  /** Closes both sockets. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= Promise.all([this.#relay, this.#upstream].map((s) => new Promise<void>((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        resolve(); // already closed after an error
      }
    }))).then(() => undefined);
    return this.#closing;
  }

  readonly #relayOnMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (this.#closing) return;
    this.#observer.udpPacket('fromClient', msg.length, undefined);
    if (!this.#mayBeClient(rinfo)) return this.#drop('foreignSource', rinfo);
    let packet: Buffer;
    try {
      packet = this.#codec.seal(decodeSocks5UdpPacket(msg).addressAndData);
    } catch (err) {
      return this.#drop(err, rinfo);
    }
    this.#client ??= { address: rinfo.address, port: rinfo.port };
    this.#upstream.send(packet, this.#o.server.port, this.#o.server.host, (err) => {
      if (err) this.#drop(err, { address: this.#o.server.host, port: this.#o.server.port });
      else this.#observer.udpPacket('toRemote', packet.length, undefined);
    });
  };

  #mayBeClient(rinfo: RemoteInfo): boolean {
    if (this.#client) return rinfo.port === this.#client.port && sameIp(rinfo.address, this.#client.address);
    if (this.#o.clientHost !== undefined && !sameIp(rinfo.address, this.#o.clientHost)) return false;
    return this.#o.clientPort === undefined || this.#o.clientPort === 0 || rinfo.port === this.#o.clientPort;
  }

  readonly #upstreamOnMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (this.#closing) return;
    this.#observer.udpPacket('fromRemote', msg.length, undefined);
    const client = this.#client;
    if (client === undefined || rinfo.port !== this.#o.server.port || !sameIp(rinfo.address, this.#o.server.host)) return this.#drop('foreignSource', rinfo);
    let plaintext: Buffer;
    try {
      plaintext = openReply(this.#codec, msg).plaintext;
    } catch (err) {
      return this.#drop(err, rinfo);
    }
    const reply = prependSocks5UdpPrefix(plaintext);
    this.#relay.send(reply, client.port, client.address, (err) => {
      if (err) this.#drop(err, client);
      else this.#observer.udpPacket('toClient', reply.length, undefined);
    });
  };

  #drop(why: unknown, from: { address: string; port: number }): void {
    const { reason, error } = dropReason(why);
    this.#observer.udpDropped(reason, from, error);
  }

  readonly #onSocketError = (err: Error): void => {
    (this.#o.logger ?? NOOP_LOGGER).warn('udp association socket error', { error: err.message });
  };
}
