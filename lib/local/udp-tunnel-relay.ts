/**
 * UDP port forwarding through a Shadowsocks server (`ss-tunnel -u -L`): every
 * datagram arriving on a local port goes to one fixed target.
 *
 *   app 127.0.0.1:p ── data ──▶ local port ─▶ NAT entry (per app ip:port) ── encryptPacket(addr(target) || data) ──▶ ss server
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
import { DropCounter, type UdpDropReason } from '../transport/drop-counter.js';
import type { UdpServerAddress } from './local-udp-relay.js';
import { NatTable, type NatClock, type NatEntry, type UdpSocketType } from '../transport/nat-table.js';
import { decryptAddressedPacket, encryptPacket } from '../crypto/aead-packet.js';
import { sameIp } from '../transport/same-ip.js';

/** Options of {@link UdpTunnelRelay.open}. */
export interface UdpTunnelRelayOptions {
  /** The method. */
  spec: CipherSpec;
  /** The master key. */
  masterKey: Buffer;
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
}

/** Counters of a tunnel. */
export interface UdpTunnelRelayStats {
  packetsFromClient: number;
  packetsToServer: number;
  packetsFromServer: number;
  packetsToClient: number;
  dropped: Record<UdpDropReason, number>;
  /** Associations now. */
  associations: number;
}

interface Source {
  address: string;
  port: number;
}

/** A UDP tunnel to a fixed target. Make it with {@link UdpTunnelRelay.open}. */
export class UdpTunnelRelay {
  readonly #o: UdpTunnelRelayOptions;
  readonly #listener: Socket;
  readonly #header: Buffer;
  readonly #serverType: UdpSocketType;
  readonly #nat: NatTable<Source>;
  readonly #drops: DropCounter;
  readonly #counts = { packetsFromClient: 0, packetsToServer: 0, packetsFromServer: 0, packetsToClient: 0 };
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
    this.#drops = new DropCounter(options.logger ?? NOOP_LOGGER);
    this.#nat = new NatTable<Source>({ timeoutMs: options.natTimeoutMs, capacity: options.natCapacity, clock: options.clock, createSocket: this.#createUpstream });
    listener.on('message', this.#listenerOnMessage);
    listener.on('error', (err) => (options.logger ?? NOOP_LOGGER).warn('udp tunnel socket error', { error: err.message }));
  }

  /** The local address and port. */
  address(): AddressInfo {
    return this.#listener.address();
  }

  /** A snapshot of the counters. */
  get stats(): UdpTunnelRelayStats {
    return { ...this.#counts, dropped: this.#drops.counts, associations: this.#nat.size };
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
    this.#counts.packetsFromClient++;
    let packet: Buffer;
    try {
      packet = encryptPacket(this.#o.spec, this.#o.masterKey, Buffer.concat([this.#header, msg]));
    } catch (err) {
      return this.#drops.drop(err, rinfo);
    }
    const entry = this.#nat.acquire(`${rinfo.address}:${rinfo.port}`, () => ({ address: rinfo.address, port: rinfo.port }));
    entry.socket(this.#serverType).send(packet, this.#o.server.port, this.#o.server.host, (err) => {
      if (err) this.#drops.drop(err, { address: this.#o.server.host, port: this.#o.server.port });
      else this.#counts.packetsToServer++;
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
    this.#counts.packetsFromServer++;
    if (rinfo.port !== this.#o.server.port || !sameIp(rinfo.address, this.#o.server.host)) return this.#drops.drop('foreignSource', rinfo);
    let payload: Buffer;
    try {
      const { plaintext, address } = decryptAddressedPacket(this.#o.spec, this.#o.masterKey, msg, 'reply');
      payload = plaintext.subarray(address.length);
    } catch (err) {
      return this.#drops.drop(err, rinfo);
    }
    this.#nat.touch(entry);
    const client = entry.context;
    this.#listener.send(payload, client.port, client.address, (err) => {
      if (err) this.#drops.drop(err, client);
      else this.#counts.packetsToClient++;
    });
  }
}
