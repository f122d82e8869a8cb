/**
 * What every local session shares: resolved once by the local server from
 * its options.
 */
import type { Logger } from '../logger.js';
import type { Address } from '../protocol/address.js';
import type { LocalObserver } from './local-connection-stats.js';
import type { ServerCiphers } from './server-ciphers.js';
import type { ServerDialer } from './server-dialer.js';
import type { UdpAssociateHandler } from './udp-associate.js';

/** Everything a session needs, resolved once by the local server. */
export interface LocalContext {
  /** The method and key to talk to the ss server with. */
  ciphers: ServerCiphers;
  dial: ServerDialer;
  tunnel: Address | undefined;
  /** False in mode `udp_only`: SOCKS5 CONNECT and the HTTP proxy are refused. */
  tcp: boolean;
  credentials: { username: string; password: string } | undefined;
  handshakeTimeoutMs: number;
  idleTimeoutMs: number;
  firstPacketDelayMs: number;
  maxHttpHeadBytes: number;
  udpAssociate: UdpAssociateHandler | undefined;
  logger: Logger;
  /** Told of opens and handshake failures; `connectionOpened` may throw to refuse a connection. */
  observer: LocalObserver;
}
