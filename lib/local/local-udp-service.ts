/**
 * The UDP half of the local client (`ss-stream-local -u`): the built-in
 * SOCKS5 UDP ASSOCIATE handler, one {@link LocalUdpRelay} per association,
 * and the UDP side of tunnel mode (one {@link UdpTunnelRelay}).
 *
 *   SOCKS5 client ──TCP: UDP ASSOCIATE──▶ LocalSession ──hook──▶ LocalUdpService.associate
 *                 ◀─reply BND = the address the control connection arrived on, relay port─┘
 *   SOCKS5 client ──UDP: RSV FRAG addr data──▶ LocalUdpRelay (one per association) ──▶ ss server
 *   tunnel app    ──UDP: data──▶ UdpTunnelRelay (same address and port as the TCP tunnel) ──▶ ss server
 *
 * An association lives exactly as long as its TCP control connection (RFC
 * 1928 section 7); `close()` ends every one. The server's name, if it is not
 * an IP literal, is resolved for every association (and once for a tunnel).
 *
 * With a SOCKS5 `proxy`, datagrams to the server go through the proxy's UDP
 * ASSOCIATE (proxied-dgram-socket.ts): a SOCKS5 association opens one before
 * it replies (a proxy that gives none fails the request), a tunnel source
 * opens one with its first datagram.
 */
import type { LookupAddress } from 'node:dns';
import { isIP, type AddressInfo } from 'node:net';
import type { CipherSpec } from '../crypto/methods.js';
import { SsError } from '../errors.js';
import type { Logger } from '../logger.js';
import { Socks5Reply } from '../protocol/socks5.js';
import type { LookupFunction } from '../transport/dial.js';
import type { UdpAssociateRequest } from './udp-associate.js';
import { combineObservers, type Observer, type UdpDropReason } from '../observer.js';
import { UdpCounters } from '../transport/udp-counters.js';
import { LocalUdpRelay } from './local-udp-relay.js';
import { UdpTunnelRelay } from './udp-tunnel-relay.js';
import type { UpstreamProxy } from '../protocol/proxy-url.js';
import type { ConnectFunction } from '../transport/dial.js';
import { proxiedDgramSocket } from '../transport/proxied-dgram-socket.js';
import { Socks5UdpAssociation } from '../transport/socks5-udp-association.js';

/** Options of {@link LocalUdpService}. */
export interface LocalUdpServiceOptions {
  spec: CipherSpec;
  masterKey: Buffer;
  /** Identity PSKs (SIP023), outermost first. Default none. */
  identityKeys?: readonly Buffer[];
  /** The ss server: a host name (resolved with `lookup`) or an IP literal. */
  server: string;
  serverPort: number;
  /** Resolver for a server given by name (`dns.lookup` signature, `{all: true}`). */
  lookup: LookupFunction;
  /** Idle time after which a tunnel source's association goes, ms. */
  natTimeoutMs: number;
  logger: Logger;
  /** Receives every relay's packets, drops and associations. */
  observer?: Partial<Observer>;
  /** A SOCKS5 proxy to send through (UDP ASSOCIATE), with the dialer and the time to open an association, ms. */
  proxy?: { proxy: UpstreamProxy; connect: ConnectFunction; timeoutMs: number } | undefined;
}

/** UDP counters of a local client, summed over every association since `listen()`. */
export interface LocalUdpStats {
  /** SOCKS5 UDP associations open now. */
  associations: number;
  /** SOCKS5 UDP associations opened in total. */
  associationsTotal: number;
  /** Tunnel mode: sources (app `ip:port`) with a live association. */
  tunnelSources: number;
  /** Datagrams from applications / sent on to the ss server (the remote side). */
  packetsFromClient: number;
  packetsToRemote: number;
  /** Datagrams from the ss server / delivered to applications. */
  packetsFromRemote: number;
  packetsToClient: number;
  /** Dropped datagrams by reason (e.g. `fragmented` for FRAG != 0). */
  dropped: Record<UdpDropReason, number>;
}

/** The local client's UDP relays. Created by `SsLocal` when its mode includes UDP. */
export class LocalUdpService {
  #o: LocalUdpServiceOptions;
  readonly #relays = new Set<LocalUdpRelay>();
  // Every relay reports here too, so the totals need no summing.
  readonly #counters = new UdpCounters();
  readonly #observer: Partial<Observer>;
  #total = 0;
  #tunnel: UdpTunnelRelay | undefined;
  #tunnelTarget: { host: string; port: number } | undefined;
  #closing = false;

  constructor(options: LocalUdpServiceOptions) {
    this.#o = options;
    this.#observer = combineObservers(this.#counters, options.observer);
  }

  /** The `udpAssociate` hook: opens a relay for the request and replies with its address. */
  readonly associate = (req: UdpAssociateRequest): void => {
    this.#associate(req).catch((err: unknown) => {
      this.#o.logger.warn('udp associate failed', { client: req.socket.remoteAddress, error: (err as Error).message });
      req.reply(Socks5Reply.GeneralFailure);
    });
  };

  async #associate(req: UdpAssociateRequest): Promise<void> {
    const { socket } = req;
    let gone = socket.destroyed || this.#closing;
    const onClose = (): void => { gone = true; };
    socket.once('close', onClose);
    let opening: Promise<Socks5UdpAssociation> | undefined;
    let serverHost: string;
    try {
      serverHost = await this.#serverIp();
      await (opening = this.#openAssociation());
    } catch (err) {
      socket.off('close', onClose);
      throw err;
    }
    const relay = await LocalUdpRelay.open({
      spec: this.#o.spec,
      masterKey: this.#o.masterKey,
      identityKeys: this.#o.identityKeys,
      server: { host: serverHost, port: this.#o.serverPort },
      // RFC 1928: BND.ADDR must be reachable by the client: the address its
      // control connection arrived on (a `::ffff:` one is bound as IPv4).
      bindHost: socket.localAddress,
      clientHost: socket.remoteAddress,
      clientPort: req.address.port || undefined,
      logger: this.#o.logger,
      observer: this.#observer,
      ...(opening === undefined ? {} : { createSocket: () => proxiedDgramSocket(opening) }),
    }).catch((err: unknown) => {
      void opening?.then((association) => association.close()); // no relay took it
      throw err;
    }).finally(() => socket.off('close', onClose));
    this.#relays.add(relay);
    this.#total++;
    if (gone || socket.destroyed || this.#closing) return void this.#release(relay);
    socket.once('close', () => void this.#release(relay));
    const a = relay.address();
    this.#o.logger.debug('udp association open', { client: socket.remoteAddress, relay: `${a.address}:${a.port}` });
    req.reply(Socks5Reply.Succeeded, { host: a.address, port: a.port });
  }

  /**
   * Uses another method and keys (and server) from now on: new associations
   * get them, and an open UDP tunnel is reopened on its address (its NAT
   * entries are dropped). Associations already open keep theirs.
   */
  async switchServer(next: Pick<LocalUdpServiceOptions, 'spec' | 'masterKey' | 'identityKeys'> & { server?: string; serverPort?: number }): Promise<void> {
    this.#o = { ...this.#o, spec: next.spec, masterKey: next.masterKey, identityKeys: next.identityKeys, ...(next.server === undefined ? {} : { server: next.server, serverPort: next.serverPort! }) };
    const tunnel = this.#tunnel;
    if (tunnel === undefined || this.#tunnelTarget === undefined || this.#closing) return;
    const a = tunnel.address();
    this.#tunnel = undefined;
    await tunnel.close();
    await this.openTunnel(this.#tunnelTarget, a.address, a.port);
  }

  /** Sends to `server:serverPort` from now on (a SIP003u plugin's loopback port, known once it runs). */
  setServer(server: string, serverPort: number): void {
    this.#o = { ...this.#o, server, serverPort };
  }

  /**
   * Binds the UDP side of tunnel mode on `host:port` (the TCP tunnel's own
   * address and port), forwarding every datagram to `target`.
   * @throws the bind error; `ERR_SS_DNS_FAILED` if the server name does not resolve
   */
  async openTunnel(target: { host: string; port: number }, host: string, port: number): Promise<AddressInfo> {
    if (this.#tunnel) throw new Error('UDP tunnel already open');
    this.#tunnelTarget = target;
    const server = { host: await this.#serverIp(), port: this.#o.serverPort };
    this.#tunnel = await UdpTunnelRelay.open({ spec: this.#o.spec, masterKey: this.#o.masterKey, identityKeys: this.#o.identityKeys, server, target, bindHost: host, bindPort: port, natTimeoutMs: this.#o.natTimeoutMs, logger: this.#o.logger, observer: this.#observer,
      ...(this.#o.proxy === undefined ? {} : { createSocket: () => proxiedDgramSocket(this.#openAssociation()!) }),
    });
    return this.#tunnel.address();
  }

  /** The UDP tunnel's address, if one is open. */
  tunnelAddress(): AddressInfo | undefined {
    return this.#tunnel?.address();
  }

  /** A snapshot of the counters. */
  get stats(): LocalUdpStats {
    const { packetsFromClient, packetsToRemote, packetsFromRemote, packetsToClient, dropped } = this.#counters.stats;
    const tunnelSources = this.#tunnel?.stats.associations ?? 0;
    return { associations: this.#relays.size, associationsTotal: this.#total, tunnelSources, packetsFromClient, packetsToRemote, packetsFromRemote, packetsToClient, dropped };
  }

  /** Closes every association and the tunnel. Idempotent. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all([...[...this.#relays].map((r) => this.#release(r)), this.#tunnel?.close()]);
  }

  #release(relay: LocalUdpRelay): Promise<void> {
    if (this.#relays.delete(relay)) {
      const { packetsToRemote: up, packetsToClient: down } = relay.stats;
      this.#o.logger.debug('udp association closed', { client: relay.client && `${relay.client.address}:${relay.client.port}`, up, down });
    }
    return relay.close();
  }

  // A UDP association with the proxy, if there is one.
  #openAssociation(): Promise<Socks5UdpAssociation> | undefined {
    const p = this.#o.proxy;
    return p === undefined ? undefined : Socks5UdpAssociation.open(p.proxy, p.connect, p.timeoutMs);
  }

  #serverIp(): Promise<string> {
    const host = this.#o.server;
    if (isIP(host) !== 0) return Promise.resolve(host);
    return new Promise((resolve, reject) => {
      this.#o.lookup(host, { all: true }, (err, addresses: LookupAddress[]) => {
        if (err || addresses.length === 0) reject(new SsError('ERR_SS_DNS_FAILED', `cannot resolve the server '${host}': ${err?.message ?? 'no address'}`, { cause: err ?? undefined }));
        else resolve(addresses[0]!.address);
      });
    });
  }
}
