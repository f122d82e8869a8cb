/**
 * The local side of Shadowsocks (like shadowsocks-libev `ss-local`): a
 * SOCKS5 and HTTP proxy on one port, or a fixed-target tunnel (`ss-tunnel`),
 * relaying every connection through a Shadowsocks server.
 *
 *   application ──SOCKS5 / HTTP / plain──▶ SsLocal (127.0.0.1:1080) ──AEAD──▶ Shadowsocks server ──▶ target
 */
import { EventEmitter } from 'node:events';
import { connect as netConnect, createServer as netCreateServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { resolveLocalOptions, type LocalOptions, type ResolvedLocalConfig } from './local-config.js';
import type { LocalConnectionInfo, LocalConnectionStats } from './tcp/local-connection-stats.js';
import { LocalSession, type LocalContext } from './tcp/local-session.js';

/** Events of {@link SsLocal}. */
export interface SsLocalEvents {
  /** A connection through the server was opened (per request for HTTP forwarding). */
  connectionOpen: [info: LocalConnectionInfo];
  /** An accepted connection closed (every one, also failed ones). */
  connectionClose: [stats: LocalConnectionStats];
  /** The listening socket failed after `listen()` resolved. */
  error: [err: Error];
}

/**
 * A local Shadowsocks client. Create it with {@link createLocal}; nothing
 * listens until `listen()`.
 */
export class SsLocal extends EventEmitter<SsLocalEvents> {
  readonly #config: ResolvedLocalConfig;
  readonly #context: LocalContext;
  readonly #sessions = new Set<LocalSession>();
  #server: Server | undefined;
  #closing: Promise<void> | undefined;

  /** @throws SsError `ERR_SS_CONFIG` for invalid options */
  constructor(options: LocalOptions) {
    super();
    const c = resolveLocalOptions(options);
    this.#config = c;
    const connect = c.connect ?? ((o) => netConnect(o));
    const target = { host: c.server, port: c.serverPort, allowHalfOpen: true as const };
    this.#context = {
      spec: c.spec,
      masterKey: c.masterKey,
      dial: { connect: () => connect(target), timeoutMs: c.connectTimeoutMs },
      tunnel: c.tunnel,
      credentials: c.credentials,
      handshakeTimeoutMs: c.handshakeTimeoutMs,
      idleTimeoutMs: c.idleTimeoutMs,
      firstPacketDelayMs: c.firstPacketDelayMs,
      maxHttpHeadBytes: c.maxHttpHeadBytes,
      udpAssociate: c.udpAssociate,
      logger: c.logger,
      onOpen: (info) => {
        c.onConnectionOpen?.(info);
        this.emit('connectionOpen', info);
      },
    };
  }

  /** The method in use. */
  get method(): string {
    return this.#config.spec.name;
  }

  /** Accepted connections currently open. */
  get connections(): number {
    return this.#sessions.size;
  }

  /** Starts listening. Rejects if the address cannot be bound. */
  async listen(): Promise<void> {
    if (this.#server) throw new Error('already listening');
    const server = netCreateServer({ allowHalfOpen: true, noDelay: true }, this.#onConnection);
    this.#server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: this.#config.host, port: this.#config.port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.#server = undefined;
      throw err;
    }
    server.on('error', this.#serverOnError);
    const a = this.address();
    const mode = this.#config.tunnel ? `tunnel to ${this.#config.tunnel.host}:${this.#config.tunnel.port}` : 'socks5+http';
    this.#config.logger.info('listening', { address: a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`, mode, server: `${this.#config.server}:${this.#config.serverPort}`, method: this.method });
  }

  /** The listening address (`{address, family, port}`). */
  address(): AddressInfo {
    const a = this.#server?.address();
    if (a === null || a === undefined || typeof a === 'string') throw new Error('not listening');
    return a;
  }

  /**
   * Stops accepting, lets open connections finish for `graceMs` (default:
   * the `shutdownGraceMs` option), then aborts the rest with
   * `ERR_SS_SHUTDOWN`. Resolves when every connection has closed.
   */
  close(graceMs = this.#config.shutdownGraceMs): Promise<void> {
    this.#closing ??= this.#close(graceMs);
    return this.#closing;
  }

  async #close(graceMs: number): Promise<void> {
    const server = this.#server;
    const closed = server ? new Promise((r) => server.close(r)) : Promise.resolve();
    const drained = new Promise<void>((resolve) => {
      if (this.#sessions.size === 0) resolve();
      else this.on('connectionClose', () => this.#sessions.size === 0 && resolve());
    });
    const timer = setTimeout(() => {
      for (const s of this.#sessions) s.abort('ERR_SS_SHUTDOWN', 'local proxy shutting down');
    }, graceMs);
    await drained;
    clearTimeout(timer);
    await closed;
  }

  readonly #onConnection = (socket: Socket): void => {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    const session = new LocalSession(socket, this.#context, (stats) => {
      this.#sessions.delete(session);
      this.#config.logger.debug('connection closed', { client: stats.remoteAddress, via: stats.frontEnd, status: stats.status, up: stats.bytesUp, down: stats.bytesDown });
      this.#config.onConnectionClose?.(stats);
      this.emit('connectionClose', stats);
    });
    this.#sessions.add(session);
  };

  readonly #serverOnError = (err: Error): void => {
    this.#config.logger.error('listener error', { error: err.message });
    if (this.listenerCount('error') > 0) this.emit('error', err);
  };
}

/**
 * Creates a local Shadowsocks client (SOCKS5 + HTTP proxy, or a tunnel).
 * Validates the options synchronously (throws `ERR_SS_CONFIG`); call
 * `listen()` to start.
 *
 * @example
 * const local = createLocal({ server: '203.0.113.7', serverPort: 8388, password: 'secret', method: 'aes-256-gcm' });
 * await local.listen(); // SOCKS5 and HTTP proxy on 127.0.0.1:1080
 */
export function createLocal(options: LocalOptions): SsLocal {
  return new SsLocal(options);
}
