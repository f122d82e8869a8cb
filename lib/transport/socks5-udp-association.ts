/**
 * A SOCKS5 UDP ASSOCIATE (RFC 1928 section 7) with an upstream proxy, client
 * side: how either side sends UDP through a SOCKS5 `outbound_proxy` / `proxy`.
 *
 *   connect(proxy) ──'connect'──▶ bind UDP ──UDP ASSOCIATE (socks package)──▶ relay address
 *   send(host, port, data) ──[RSV FRAG ATYP ADDR PORT | data]──▶ relay ──▶ target
 *   'message'(data, source)  ◀──[RSV FRAG ATYP ADDR PORT | data]── relay ◀── target
 *
 * The association lives as long as its TCP control connection: when the
 * proxy closes it, the association closes (`'close'`). Datagrams from any
 * address but the relay's, fragments and malformed headers are dropped
 * (`'dropped'`, with the error). The connect timeout covers the connect and
 * the handshake.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIPv6, type Socket } from 'node:net';
import { SsError, toSsError } from '../errors.js';
import type { UdpDropReason } from '../observer.js';
import type { DecodedAddress } from '../protocol/address.js';
import type { UpstreamProxy } from '../protocol/proxy-url.js';
import { decodeSocks5UdpPacket, encodeSocks5UdpPacket } from '../protocol/socks5-udp.js';
import type { ConnectFunction } from './dial.js';
import { socks5ProxyHandshake } from './socks5-proxy-handshake.js';

/** Events of a {@link Socks5UdpAssociation}. */
export interface Socks5UdpAssociationEvents {
  /** A datagram from `source`, through the relay. */
  message: [data: Buffer, source: DecodedAddress];
  /** A datagram was dropped: not from the relay, a fragment, or malformed. */
  dropped: [why: UdpDropReason | SsError, from: { address: string; port: number }];
  /** The association ended (the control connection closed, or `close()`). Once. */
  close: [];
}

/** One UDP association through a SOCKS5 proxy. Made by {@link Socks5UdpAssociation.open}. */
export class Socks5UdpAssociation extends EventEmitter<Socks5UdpAssociationEvents> {
  readonly #control: Socket;
  readonly #udp: UdpSocket;
  readonly #relay: { host: string; port: number };
  #closed = false;

  private constructor(control: Socket, udp: UdpSocket, relay: { host: string; port: number }) {
    super();
    this.#control = control;
    this.#udp = udp;
    this.#relay = relay;
    control.on('data', noop); // the control connection carries nothing after the reply
    control.on('close', () => this.close());
    control.on('error', () => this.close());
    control.resume();
    udp.on('message', (msg, rinfo) => this.#udpOnMessage(msg, rinfo));
    udp.on('error', () => this.close());
  }

  /**
   * Connects to `proxy` with `connect` and opens an association.
   * @throws SsError `ERR_SS_UPSTREAM_FAILED` (down, closed, timed out, no UDP),
   *   `ERR_SS_UPSTREAM_AUTH`, `ERR_SS_UPSTREAM_REFUSED` (e.g. UDP ASSOCIATE not supported)
   */
  static async open(proxy: UpstreamProxy, connect: ConnectFunction, timeoutMs: number): Promise<Socks5UdpAssociation> {
    if (proxy.protocol !== 'socks5') throw new SsError('ERR_SS_UPSTREAM_UDP_UNAVAILABLE', 'an HTTP proxy carries no UDP');
    const control = connect({ host: proxy.host, port: proxy.port, allowHalfOpen: true });
    let udp: UdpSocket | undefined;
    const timer = setTimeout(() => control.destroy(new SsError('ERR_SS_UPSTREAM_FAILED', `upstream SOCKS5 proxy: no UDP association within ${timeoutMs} ms`)), timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        control.once('connect', resolve);
        control.once('error', reject);
      });
      const local = control.localAddress ?? '0.0.0.0';
      udp = createSocket(isIPv6(local) ? 'udp6' : 'udp4');
      await new Promise<void>((resolve, reject) => {
        udp!.once('error', reject);
        udp!.bind(0, local, () => resolve());
      });
      const bound = await socks5ProxyHandshake(control, proxy, { host: local, port: udp.address().port }, 'associate', timeoutMs + 1000);
      // RFC 1928: an unspecified BND.ADDR means "the proxy's own address".
      const host = bound.host === '0.0.0.0' || bound.host === '::' || bound.host === undefined ? control.remoteAddress! : bound.host;
      return new Socks5UdpAssociation(control, udp, { host, port: bound.port });
    } catch (err) {
      control.destroy();
      udp?.close();
      throw toSsError(err, 'ERR_SS_UPSTREAM_FAILED');
    } finally {
      clearTimeout(timer);
    }
  }

  /** Where datagrams go: the proxy's relay. */
  get relay(): { host: string; port: number } {
    return this.#relay;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends `data` to `host:port` (an IP, or a name for the proxy to resolve) through the relay.
   * @throws SsError `ERR_SS_BAD_ADDRESS` for a bad host or port
   */
  send(host: string, port: number, data: Buffer, callback?: (err: Error | null) => void): void {
    if (this.#closed) {
      callback?.(new SsError('ERR_SS_UPSTREAM_FAILED', 'the UDP association is closed'));
      return;
    }
    this.#udp.send(encodeSocks5UdpPacket(host, port, data), this.#relay.port, this.#relay.host, callback);
  }

  /** Ends the association: the control connection and the UDP socket. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#control.destroy();
    this.#udp.close();
    this.emit('close');
  }

  #udpOnMessage(msg: Buffer, rinfo: { address: string; port: number }): void {
    if (rinfo.port !== this.#relay.port || rinfo.address !== this.#relay.host) {
      this.emit('dropped', 'foreignSource', rinfo);
      return;
    }
    try {
      const packet = decodeSocks5UdpPacket(msg);
      this.emit('message', packet.data, packet.address);
    } catch (err) {
      this.emit('dropped', toSsError(err), rinfo);
    }
  }
}

function noop(): void {}
