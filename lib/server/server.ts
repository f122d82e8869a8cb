/**
 * The Shadowsocks server: TCP listeners, the per-connection relays, the
 * shared replay filter, graceful shutdown, and (per `mode`) the UDP relay on
 * the same address(es) and port.
 */
import { EventEmitter } from 'node:events';
import { createServer as netCreateServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { resolveServerOptions, resolveServerServices, type ResolvedServerConfig, type ServerOptions, type ServerServices } from './server-options.js';
import { getMethod, type MethodName } from '../crypto/methods.js';
import { TargetFilter } from './egress/target-filter.js';
import { DnsResolver } from './egress/dns-resolver.js';
import { ReplayFilter } from '../crypto/replay-filter.js';
import { TcpSession } from './tcp-session.js';
import type { TcpSessionContext } from './tcp-session-context.js';
import { UserTable } from './user-table.js';
import { UserLimits, type UserLimitStats } from './user-limits.js';
import { TrafficCounters, totalTraffic, type TrafficByUser, type UserTraffic } from './traffic-counters.js';
import { reportClosed } from '../observer.js';
import { createServerObserver } from './server-observer.js';
import { cipherFamilyOf } from '../stream/cipher-family-of.js';
import type { ConnectionInfo, ConnectionStats, ServerObserver } from './connection-info.js';
import { UdpRelay, type UdpRelayStats } from './udp-relay.js';
import { listenOnce } from '../transport/listen-once.js';
import { FdExhaustionLog } from '../transport/fd-exhaustion-log.js';
import { readOpenFilesLimit } from '../transport/open-files-limit.js';
import { redactProxyUrl } from '../protocol/proxy-url.js';
import type { ServerSettings } from '../config/server-settings.js';
import { prepareUserChange } from './prepare-user-change.js';
import { bindAll, directBinds, planBehindPlugin, type PluginPlan } from './listen-plan.js';
import { startServerPlugin } from './server-plugin.js';
import type { PluginProcess } from '../transport/plugin-process.js';

// With port 0, TCP picks the port and UDP must get the same one; if another
// process holds it for UDP, start over on a fresh port this many times.
const LISTEN_ATTEMPTS = 3;
/** Events of {@link SsServer}. */
export interface SsServerEvents {
  /** A connection reached its target. */
  connectionOpen: [info: ConnectionInfo];
  /** A connection closed (every accepted connection, also failed ones). */
  connectionClose: [stats: ConnectionStats];
  /** A listening socket failed after `listen()` resolved (for example EMFILE on accept), or the plugin gave up (`ERR_SS_PLUGIN_EXITED`; the server then closes). */
  error: [err: Error];
}

/**
 * A Shadowsocks server. Create it with {@link createServer}; nothing listens
 * until `listen()`.
 */
export class SsServer extends EventEmitter<SsServerEvents> {
  readonly #config: ResolvedServerConfig;
  readonly #services: ServerServices;
  readonly #context: TcpSessionContext;
  readonly #users: UserTable;
  readonly #observer: ServerObserver;
  readonly #traffic = new TrafficCounters();
  readonly #limits = new UserLimits();
  readonly #openFiles: number | undefined = readOpenFilesLimit();
  readonly #servers: Server[] = [];
  readonly #sessions = new Set<TcpSession>();
  #closing: Promise<void> | undefined;
  #udp: UdpRelay | undefined;
  #onDrained: (() => void) | undefined;
  #plugin: PluginProcess | undefined;
  #pluginPlan: PluginPlan | undefined;

  /** @throws SsError `ERR_SS_CONFIG` for invalid options */
  constructor(options: ServerOptions) {
    super();
    const c = resolveServerOptions(options);
    const s = resolveServerServices(options);
    this.#config = c;
    this.#services = s;
    this.#users = new UserTable(c.users.map((u) => ({ ...u, key: Buffer.from(u.key, 'base64') })));
    // Hooks, events and the debug log are views of the one observer.
    this.#observer = createServerObserver(s, this.#traffic, (event, arg) => this.emit(event, arg as never));
    const family = cipherFamilyOf(getMethod(c.method)!);
    if (family.startWarning !== undefined) s.logger.warn(family.startWarning);
    if (c.outboundProxy !== undefined) s.logger.info('targets are dialled through an upstream proxy', { proxy: redactProxyUrl(c.outboundProxy), remoteDns: c.outboundProxyRemoteDns });
    this.#context = {
      family,
      users: this.#users,
      identityKey: c.identityKey === undefined ? undefined : Buffer.from(c.identityKey, 'base64'),
      limits: this.#limits,
      replayFilter: family.createReplayFilter(c.replayCapacity, s.replayFilter),
      targetFilter: c.forbiddenIp.length === 0 ? undefined : new TargetFilter(c.forbiddenIp),
      lookup: options.lookup === undefined ? new DnsResolver({ servers: c.nameservers, ipv6First: c.ipv6First }).lookup : s.lookup,
      connect: s.connect,
      outboundProxy: c.outboundProxy, outboundProxyRemoteDns: c.outboundProxyRemoteDns,
      handshakeTimeoutMs: c.handshakeTimeoutMs, connectTimeoutMs: c.connectTimeoutMs, idleTimeoutMs: c.idleTimeoutMs,
      logger: s.logger,
      fdLog: new FdExhaustionLog(s.logger, { openFilesLimit: this.#openFiles }),
      observer: this.#observer,
      transforms: s.transforms,
    };
  }

  /**
   * The users of this server's listeners: from `users`, or one (`default`)
   * from `password` or `key`. Changes apply to new connections; live ones
   * keep their key.
   */
  get users(): UserTable {
    return this.#users;
  }

  /**
   * Changes the users (and the password or key) of this server in place:
   * listeners stay open, new connections use the new keys, and live ones,
   * also of removed users, go on with theirs. `options` are complete server
   * settings (as for `createServer`); only the users may differ.
   * @throws SsError `ERR_SS_CONFIG` for invalid options, or naming the
   *   settings that would need a restart (host, method, mode, timeouts ...);
   *   nothing is changed then
   */
  reconfigure(options: ServerSettings): void {
    this.prepareReconfigure(options)();
  }

  /**
   * Checks a {@link reconfigure} without applying it: returns the function
   * that applies it (which cannot fail), so several servers can be checked
   * before any changes.
   * @throws SsError as {@link reconfigure}
   */
  prepareReconfigure(options: ServerSettings): () => void {
    return prepareUserChange(this.#config, options, this.#users);
  }

  /** The method in use. */
  get method(): MethodName {
    return this.#config.method;
  }

  /** Connections currently open. */
  get connections(): number {
    return this.#sessions.size;
  }

  /**
   * Traffic by user name since the server was created: TCP bytes of closed
   * and open connections, UDP bytes, and TCP connections that reached their
   * target. Payload bytes at the target side. Per process (see `--workers`).
   */
  traffic(): TrafficByUser {
    return this.#traffic.snapshot([...this.#sessions].map((session) => session.liveTraffic()));
  }

  /** This port's total of {@link traffic} over all users. */
  trafficTotal(): UserTraffic {
    return totalTraffic(this.traffic());
  }

  /** A user's connection count and rate-limit waits (see `user-limits.ts`); undefined when it has neither open connections nor a rate limit. */
  userLimitStats(name: string): UserLimitStats | undefined {
    return this.#limits.stats(name);
  }

  /** UDP relay counters (packets, drops by reason, associations); undefined before `listen()` or with `mode: 'tcp_only'`. */
  get udpStats(): UdpRelayStats | undefined {
    return this.#udp?.stats;
  }

  /**
   * Starts listening on every configured host: TCP and/or UDP per `mode`,
   * UDP on the address and port TCP actually bound. Resolves once all
   * listen; rejects (and closes the ones that did) if any fails.
   */
  async listen(): Promise<void> {
    if (this.#servers.length > 0 || this.#udp) throw new Error('already listening');
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#listenAll();
        return;
      } catch (err) {
        await this.#unlisten();
        const clash = this.#config.port === 0 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (!clash || attempt >= LISTEN_ATTEMPTS) throw err;
      }
    }
  }

  async #listenAll(): Promise<void> {
    const c = this.#config;
    const { logger } = this.#services;
    const plan = c.plugin === undefined ? undefined : await planBehindPlugin(c, this.#services.pluginLocalPort);
    const binds = plan?.binds ?? directBinds(c);
    if (binds.some((b) => b.udp)) this.#udp = this.#createUdpRelay();
    const firstPort = await bindAll(binds, {
      tcp: async (options) => {
        const server = netCreateServer({ allowHalfOpen: true, noDelay: true }, this.#onConnection);
        this.#servers.push(server);
        await listenOnce(server, options);
        server.on('error', this.#serverOnError);
        return server.address() as AddressInfo;
      },
      udp: (options) => this.#udp!.listen(options),
    }, logger, this.method);
    if (plan === undefined) return;
    this.#pluginPlan = plan;
    this.#plugin = await startServerPlugin(c, plan, firstPort, this.#services.pluginLocalPort !== undefined, logger, this.#onPluginFatal);
  }

  async #unlisten(): Promise<void> {
    await this.#plugin?.stop();
    this.#plugin = this.#pluginPlan = undefined;
    await Promise.all(this.#servers.map((s) => new Promise((r) => s.close(r))));
    this.#servers.length = 0;
    await this.#udp?.close();
    this.#udp = undefined;
  }

  #createUdpRelay(): UdpRelay {
    const [c, x] = [this.#config, this.#context];
    const udp = new UdpRelay({ spec: x.family.spec, users: this.#users, identityKey: x.identityKey, observer: this.#observer, targetFilter: x.targetFilter, lookup: x.lookup, outboundProxy: x.outboundProxy, outboundProxyRemoteDns: x.outboundProxyRemoteDns, connect: x.connect, connectTimeoutMs: x.connectTimeoutMs, natTimeoutMs: c.natTimeoutMs, natCapacity: c.natCapacity, openFilesLimit: this.#openFiles, logger: x.logger, replayFilter: new ReplayFilter(c.replayCapacity) });
    udp.on('error', this.#serverOnError);
    return udp;
  }

  /** The first listening address (`{address, family, port}`). */
  address(): AddressInfo {
    if (this.#pluginPlan) return this.#pluginPlan.addresses[0]!;
    if (this.#servers.length === 0 && this.#udp) return this.#udp.address();
    const a = this.#servers[0]?.address();
    if (a === null || a === undefined || typeof a === 'string') throw new Error('not listening');
    return a;
  }

  /** Every listening address (behind a plugin: the plugin's, the public ones). */
  addresses(): AddressInfo[] {
    if (this.#pluginPlan) return [...this.#pluginPlan.addresses];
    if (this.#servers.length === 0 && this.#udp) return this.#udp.addresses();
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
    const udpClosed = this.#udp?.close();
    const drained = new Promise<void>((resolve) => {
      if (this.#sessions.size === 0) resolve();
      else this.#onDrained = resolve;
    });
    const timer = setTimeout(() => {
      for (const session of this.#sessions) session.abort('ERR_SS_SHUTDOWN', 'server shutting down');
    }, graceMs);
    await drained;
    clearTimeout(timer);
    await Promise.all([closed, udpClosed, this.#plugin?.stop()]); // the plugin carried the connections: stopped last
    this.#pluginPlan = undefined;
  }

  readonly #onConnection = (socket: Socket): void => {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    const session = new TcpSession(socket, this.#context, (stats) => {
      this.#sessions.delete(session);
      if (this.#sessions.size === 0) this.#onDrained?.();
      reportClosed(this.#observer, stats, this.#services.logger);
    });
    this.#sessions.add(session);
  };

  // The plugin kept dying: this server stops (the CLI exits non-zero).
  readonly #onPluginFatal = (err: Error): void => {
    this.#services.onPluginFailed?.(err);
    if (this.listenerCount('error') > 0) this.emit('error', err);
    void this.close();
  };

  // EMFILE/ENFILE on accept gets a rate-limited warning: libuv may repeat it
  // for every waiting connection. Other listener errors are rare: each is logged.
  readonly #serverOnError = (err: Error): void => {
    if (!this.#context.fdLog.report('accept', err)) this.#services.logger.error('listener error', { error: err.message });
    if (this.listenerCount('error') > 0) this.emit('error', err);
  };
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
