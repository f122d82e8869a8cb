/**
 * The local side of Shadowsocks (like shadowsocks-libev `ss-local`): a
 * SOCKS5 and HTTP proxy on one port, or a fixed-target tunnel (`ss-tunnel`),
 * relaying every connection through a Shadowsocks server.
 *
 *   application ──SOCKS5 / HTTP / plain──▶ SsLocal (127.0.0.1:1080) ──AEAD──▶ Shadowsocks server ──▶ target
 *   application ──SOCKS5 UDP / plain UDP──▶ LocalUdpService (per `mode`) ──AEAD──▶ Shadowsocks server ──▶ target
 */
import { redactProxyUrl } from '../protocol/proxy-url.js';
import { EventEmitter } from 'node:events';
import { connect as netConnect, createServer as netCreateServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { resolveLocalOptions, resolveLocalServices, type LocalMode, type LocalOptions, type LocalServerSettings, type LocalServices, type ResolvedLocalConfig } from './local-options.js';
import { getMethod, type CipherSpec, type MethodName } from '../crypto/methods.js';
import { configError } from '../errors.js';
import { listenOnce } from '../transport/listen-once.js';
import { formatHostPort } from '../protocol/address.js';
import type { LocalConnectionInfo, LocalConnectionStats, LocalObserver } from './local-connection-stats.js';
import { combineObservers, hooksObserver, reportClosed } from '../observer.js';
import { createServerCiphers } from './server-ciphers.js';
import { localFailureLogObserver } from './local-failure-log-observer.js';
import { LocalSession } from './local-session.js';
import { type LocalContext } from './local-context.js';
import { LocalUdpService, type LocalUdpStats } from './local-udp-service.js';
import { PLUGIN_LOOPBACK, PluginProcess } from '../transport/plugin-process.js';
import { freePort } from '../transport/free-port.js';

/** Events of {@link SsLocal}. */
export interface SsLocalEvents {
  /** A connection through the server was opened (per request for HTTP forwarding). */
  connectionOpen: [info: LocalConnectionInfo];
  /** An accepted connection closed (every one, also failed ones). */
  connectionClose: [stats: LocalConnectionStats];
  /** The listening socket failed after `listen()` resolved, or the plugin gave up (`ERR_SS_PLUGIN_EXITED`; the local then closes). */
  error: [err: Error];
}

/**
 * A local Shadowsocks client. Create it with {@link createLocal}; nothing
 * listens until `listen()`.
 */
export class SsLocal extends EventEmitter<SsLocalEvents> {
  readonly #options: LocalOptions;
  #config: ResolvedLocalConfig;
  readonly #services: LocalServices;
  // What a new connection gets; switchServer() replaces it (open ones keep theirs).
  #context: LocalContext;
  readonly #hooks: ReturnType<typeof hooksObserver<LocalConnectionInfo, LocalConnectionStats>>;
  // Set with the context (its failure log names the server).
  #observer!: LocalObserver;
  readonly #sessions = new Set<LocalSession>();
  readonly #udp: LocalUdpService | undefined;
  readonly #connect: NonNullable<LocalServices['connect']>;
  #server: Server | undefined;
  /** Where TCP connections to the server go: the server, or the plugin's loopback port. */
  #target: { host: string; port: number; allowHalfOpen: true };
  #plugin: PluginProcess | undefined;
  #listening = false;
  #closing: Promise<void> | undefined;

  /** @throws SsError `ERR_SS_CONFIG` for invalid options */
  constructor(options: LocalOptions) {
    super();
    const c = resolveLocalOptions(options);
    const s = resolveLocalServices(options);
    this.#options = options;
    this.#config = c;
    this.#services = s;
    const connect = s.connect ?? ((o) => netConnect(o));
    this.#connect = connect;
    this.#target = { host: c.server, port: c.serverPort, allowHalfOpen: true as const };
    // UDP goes through a SOCKS5 proxy's UDP ASSOCIATE; an HTTP proxy carries none, so UDP stays off rather than leave by another path.
    if (c.proxy?.protocol === 'http' && c.mode !== 'tcp_only') s.logger.warn('UDP is off: the server is reached through an HTTP proxy, which carries TCP only', { proxy: redactProxyUrl(c.proxy) });
    if (c.mode !== 'tcp_only' && c.proxy?.protocol !== 'http') {
      const proxy = c.proxy === undefined ? undefined : { proxy: c.proxy, connect, timeoutMs: c.connectTimeoutMs };
      this.#udp = new LocalUdpService({ ...udpKeysOf(c), server: c.server, serverPort: c.serverPort, lookup: s.lookup, natTimeoutMs: c.idleTimeoutMs, logger: s.logger, observer: s.observer, proxy });
    }
    // Hooks, events and the debug log are views of the one observer.
    this.#hooks = hooksObserver<LocalConnectionInfo, LocalConnectionStats>(s, (event, arg) => this.emit(event, arg as never), (stats) => {
      s.logger.debug('connection closed', { client: stats.remoteAddress, via: stats.frontEnd, status: stats.status, up: stats.bytesUp, down: stats.bytesDown });
    });
    this.#context = this.#contextFor(c);
  }

  // The ciphers, dialler and observer of connections to the server of `c`.
  #contextFor(c: ResolvedLocalConfig): LocalContext {
    const s = this.#services;
    // An unreachable or silent server is logged at warn, rate-limited.
    this.#observer = combineObservers(this.#hooks, localFailureLogObserver(s.logger, formatHostPort(c.server, c.serverPort)), s.observer);
    const { spec, masterKey, identityKeys } = udpKeysOf(c);
    const ciphers = createServerCiphers(spec, masterKey, identityKeys);
    if (ciphers.family.startWarning !== undefined) s.logger.warn(ciphers.family.startWarning);
    const target = this.#target;
    const connect = this.#connect;
    return {
      ciphers,
      dial: { connect: () => connect(c.proxy === undefined ? target : { host: c.proxy.host, port: c.proxy.port, allowHalfOpen: true }), timeoutMs: c.connectTimeoutMs, proxy: c.proxy, server: target },
      tunnel: c.tunnel,
      tcp: c.mode !== 'udp_only',
      credentials: c.credentials,
      handshakeTimeoutMs: c.handshakeTimeoutMs,
      idleTimeoutMs: c.idleTimeoutMs,
      firstPacketDelayMs: c.firstPacketDelayMs,
      maxHttpHeadBytes: c.maxHttpHeadBytes,
      udpAssociate: s.udpAssociate ?? this.#udp?.associate,
      logger: s.logger,
      observer: this.#observer,
    };
  }

  /**
   * Points new connections, new UDP associations and the UDP tunnel at another server (or other
   * keys or method); open connections stay where they are. The online config refresh calls this.
   * @returns false when `server` is what the local already uses
   * @throws SsError `ERR_SS_CONFIG` for invalid settings, another plugin, and with a plugin
   *   another server or port (the plugin process dials the server itself: restart the local)
   */
  async switchServer(server: LocalServerSettings): Promise<boolean> {
    const { password: _pw, key: _k, plugin: _p, pluginOpts: _po, ...kept } = this.#options;
    const c = resolveLocalOptions({ ...kept, ...server });
    const old = this.#config;
    if (c.plugin?.plugin !== old.plugin?.plugin || c.plugin?.pluginOpts !== old.plugin?.pluginOpts) throw configError('plugin', 'cannot change on a running local: restart it');
    const moved = c.server !== old.server || c.serverPort !== old.serverPort;
    if (!moved && c.method === old.method && c.key === old.key && c.identityKeys.join() === old.identityKeys.join()) return false;
    if (moved && c.plugin !== undefined) throw configError('server', 'cannot change on a running local with a plugin (the plugin dials the server): restart it');
    this.#config = c;
    if (moved) this.#target = { host: c.server, port: c.serverPort, allowHalfOpen: true };
    this.#context = this.#contextFor(c);
    await this.#udp?.switchServer({ ...udpKeysOf(c), ...(moved ? { server: c.server, serverPort: c.serverPort } : {}) });
    return true;
  }

  /** The method in use. */
  get method(): MethodName {
    return this.#config.method;
  }

  /** `tcp_and_udp`, `tcp_only` or `udp_only`. */
  get mode(): LocalMode {
    return this.#config.mode;
  }

  /**
   * UDP counters (SOCKS5 associations and the UDP tunnel: packets each way,
   * drops by reason); undefined with `mode: 'tcp_only'`.
   */
  get udpStats(): LocalUdpStats | undefined {
    return this.#udp?.stats;
  }

  /** Accepted connections currently open. */
  get connections(): number {
    return this.#sessions.size;
  }

  /**
   * Starts listening: TCP (SOCKS5 + HTTP, or the tunnel) unless the mode is
   * `udp_only` with a tunnel, and in tunnel mode with UDP a UDP port on the
   * same address and port. Rejects if an address cannot be bound (then
   * nothing listens).
   */
  async listen(): Promise<void> {
    if (this.#listening) throw new Error('already listening');
    this.#listening = true;
    const c = this.#config;
    const udpTunnel = c.tunnel !== undefined && this.#udp !== undefined;
    try {
      if (c.plugin !== undefined) await this.#startPlugin();
      if (c.tunnel === undefined || c.mode !== 'udp_only') await this.#listenTcp(udpTunnel);
      else await this.#udp!.openTunnel(c.tunnel, c.host, c.port);
    } catch (err) {
      await this.#plugin?.stop();
      this.#plugin = undefined;
      this.#listening = false;
      throw err;
    }
    this.#server?.on('error', this.#serverOnError);
    const a = this.address();
    const front = c.tunnel ? `tunnel to ${c.tunnel.host}:${c.tunnel.port}` : 'socks5+http';
    this.#services.logger.info('listening', { address: formatHostPort(a.address, a.port), frontEnd: front, mode: c.mode, server: `${c.server}:${c.serverPort}`, method: this.method });
  }

  // SIP003: the plugin listens on a free loopback port and carries our
  // connections (and with tcp_and_udp our datagrams) to the server.
  async #startPlugin(): Promise<void> {
    const c = this.#config;
    const { plugin, pluginOpts, pluginArgs, pluginMode } = c.plugin!;
    const localPort = await freePort(PLUGIN_LOOPBACK);
    const endpoints = { remoteHost: c.server, remotePort: c.serverPort, localHost: PLUGIN_LOOPBACK, localPort };
    const process = new PluginProcess({ plugin, pluginArgs, ...(pluginOpts === undefined ? {} : { pluginOpts }), endpoints, listen: { host: PLUGIN_LOOPBACK, port: localPort }, logger: this.#services.logger });
    process.on('fatal', this.#onPluginFatal);
    this.#plugin = process;
    await process.start();
    this.#target.host = PLUGIN_LOOPBACK;
    this.#target.port = localPort;
    if (pluginMode === 'tcp_and_udp') this.#udp?.setServer(PLUGIN_LOOPBACK, localPort);
  }

  // A port picked by the OS for TCP may be taken for UDP: then try another.
  async #listenTcp(udpTunnel: boolean): Promise<void> {
    const c = this.#config;
    for (let attempt = 1; ; attempt++) {
      const server = await listenTcp(c.host, c.port, this.#onConnection);
      this.#server = server;
      if (!udpTunnel) return;
      const a = server.address() as AddressInfo;
      try {
        await this.#udp!.openTunnel(c.tunnel!, a.address, a.port);
        return;
      } catch (err) {
        this.#server = undefined;
        await new Promise((r) => server.close(r));
        if (c.port !== 0 || attempt >= 5 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      }
    }
  }

  /** The listening address (`{address, family, port}`). */
  address(): AddressInfo {
    const a = this.#server ? this.#server.address() : this.#udp?.tunnelAddress();
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

  // UDP associations have nothing in flight worth a grace period: their
  // control connections are ended at once (FIN, status OK).
  async #close(graceMs: number): Promise<void> {
    const server = this.#server;
    const closed = server ? new Promise((r) => server.close(r)) : Promise.resolve();
    const udpClosed = this.#udp?.close();
    for (const s of this.#sessions) s.endAssociation();
    const drained = new Promise<void>((resolve) => {
      if (this.#sessions.size === 0) resolve();
      else this.on('connectionClose', () => this.#sessions.size === 0 && resolve());
    });
    const timer = setTimeout(() => {
      for (const s of this.#sessions) s.abort('ERR_SS_SHUTDOWN', 'local proxy shutting down');
    }, graceMs);
    await drained;
    clearTimeout(timer);
    await Promise.all([closed, udpClosed, this.#plugin?.stop()]);
  }

  readonly #onConnection = (socket: Socket): void => {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    const session = new LocalSession(socket, this.#context, (stats) => {
      this.#sessions.delete(session);
      reportClosed(this.#observer, stats, this.#services.logger);
    });
    this.#sessions.add(session);
  };

  // The plugin kept dying: the local stops (the CLI exits non-zero).
  readonly #onPluginFatal = (err: Error): void => {
    if (this.listenerCount('error') > 0) this.emit('error', err);
    void this.close();
  };

  readonly #serverOnError = (err: Error): void => {
    this.#services.logger.error('listener error', { error: err.message });
    if (this.listenerCount('error') > 0) this.emit('error', err);
  };
}

// The method and keys of `c`, as the UDP side and the ciphers take them.
function udpKeysOf(c: ResolvedLocalConfig): { spec: CipherSpec; masterKey: Buffer; identityKeys: Buffer[] } {
  return { spec: getMethod(c.method)!, masterKey: Buffer.from(c.key, 'base64'), identityKeys: c.identityKeys.map((k) => Buffer.from(k, 'base64')) };
}

async function listenTcp(host: string, port: number, onConnection: (socket: Socket) => void): Promise<Server> {
  const server = netCreateServer({ allowHalfOpen: true, noDelay: true }, onConnection);
  await listenOnce(server, { host, port });
  return server;
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
