/**
 * The Shadowsocks TCP server: listeners, the per-connection relays, the
 * shared replay filter, and graceful shutdown.
 */
import { EventEmitter } from 'node:events';
import { createServer as netCreateServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { resolveServerOptions, type ResolvedServerConfig, type ServerOptions } from './config.js';
import { ReplayFilter } from './crypto/replay-filter.js';
import { Relay, type ConnectionInfo, type ConnectionStats, type RelayContext } from './tcp/relay.js';

/** Events of {@link SsServer}. */
export interface SsServerEvents {
  /** A connection reached its target. */
  connectionOpen: [info: ConnectionInfo];
  /** A connection closed (every accepted connection, also failed ones). */
  connectionClose: [stats: ConnectionStats];
  /** A listening socket failed after `listen()` resolved (for example EMFILE on accept). */
  error: [err: Error];
}

/**
 * A Shadowsocks server. Create it with {@link createServer}; nothing listens
 * until `listen()`.
 */
export class SsServer extends EventEmitter<SsServerEvents> {
  readonly #config: ResolvedServerConfig;
  readonly #context: RelayContext;
  readonly #servers: Server[] = [];
  readonly #relays = new Set<Relay>();
  #closing: Promise<void> | undefined;
  #onDrained: (() => void) | undefined;

  /** @throws SsError `ERR_SS_CONFIG` for invalid options */
  constructor(options: ServerOptions) {
    super();
    const c = resolveServerOptions(options);
    this.#config = c;
    this.#context = {
      spec: c.spec,
      masterKey: c.masterKey,
      replayFilter: new ReplayFilter(c.replayCapacity),
      targetFilter: c.targetFilter,
      lookup: c.lookup,
      connect: c.connect,
      handshakeTimeoutMs: c.handshakeTimeoutMs,
      connectTimeoutMs: c.connectTimeoutMs,
      idleTimeoutMs: c.idleTimeoutMs,
      logger: c.logger,
      onOpen: (info) => {
        c.onConnectionOpen?.(info);
        this.emit('connectionOpen', info);
      },
      transforms: c.transforms,
    };
  }

  /** The method in use. */
  get method(): string {
    return this.#config.spec.name;
  }

  /** Connections currently open. */
  get connections(): number {
    return this.#relays.size;
  }

  /**
   * Starts listening on every configured host. Resolves once all listen;
   * rejects (and closes the ones that did) if any fails.
   */
  async listen(): Promise<void> {
    if (this.#servers.length > 0) throw new Error('already listening');
    const { hosts, port } = this.#config;
    try {
      for (const host of hosts) {
        const server = netCreateServer({ allowHalfOpen: true, noDelay: true }, this.#onConnection);
        this.#servers.push(server);
        // With several hosts, '::' must not also claim IPv4 (the IPv4 host gets it).
        const ipv6Only = hosts.length > 1 && (host === '::' || host === '[::]');
        await listenOnce(server, { host: host?.replace(/^\[|\]$/g, ''), port: this.#servers.length > 1 && port === 0 ? this.address().port : port, ipv6Only });
        server.on('error', this.#serverOnError);
        const a = server.address() as AddressInfo;
        this.#config.logger.info('listening', { address: a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`, method: this.method });
      }
    } catch (err) {
      await Promise.all(this.#servers.map((s) => new Promise((r) => s.close(r))));
      this.#servers.length = 0;
      throw err;
    }
  }

  /** The first listening address (`{address, family, port}`). */
  address(): AddressInfo {
    const a = this.#servers[0]?.address();
    if (a === null || a === undefined || typeof a === 'string') throw new Error('not listening');
    return a;
  }

  /** Every listening address. */
  addresses(): AddressInfo[] {
    return this.#servers.map((s) => s.address() as AddressInfo);
  }

  /**
   * Stops accepting, lets open connections finish for `graceMs` (default:
   * the `shutdownGraceMs` option), then aborts the rest with `ERR_SS_SHUTDOWN`.
   * Resolves when every connection has closed.
   */
  close(graceMs = this.#config.shutdownGraceMs): Promise<void> {
    this.#closing ??= this.#close(graceMs);
    return this.#closing;
  }

  async #close(graceMs: number): Promise<void> {
    const closed = Promise.all(this.#servers.map((s) => new Promise((r) => s.close(r))));
    const drained = new Promise<void>((resolve) => {
      if (this.#relays.size === 0) resolve();
      else this.#onDrained = resolve;
    });
    const timer = setTimeout(() => {
      for (const relay of this.#relays) relay.abort('ERR_SS_SHUTDOWN', 'server shutting down');
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
    const relay = new Relay(socket, this.#context, (stats) => {
      this.#relays.delete(relay);
      this.#config.logger.debug('connection closed', { client: stats.remoteAddress, status: stats.status, up: stats.bytesUp, down: stats.bytesDown });
      if (this.#relays.size === 0) this.#onDrained?.();
      try {
        this.#config.onConnectionClose?.(stats);
        this.emit('connectionClose', stats);
      } catch (err) {
        this.#config.logger.error('connectionClose hook threw', { error: err as Error });
      }
    });
    this.#relays.add(relay);
  };

  readonly #serverOnError = (err: Error): void => {
    this.#config.logger.error('listener error', { error: err.message });
    if (this.listenerCount('error') > 0) this.emit('error', err);
  };
}

function listenOnce(server: Server, options: { host: string | undefined; port: number; ipv6Only: boolean }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Creates a Shadowsocks server. Validates the options synchronously (throws
 * `ERR_SS_CONFIG`); call `listen()` to start.
 *
 * @example
 * const server = createServer({ password: 'secret', port: 8388 });
 * await server.listen();
 */
export function createServer(options: ServerOptions): SsServer {
  return new SsServer(options);
}
