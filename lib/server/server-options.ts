/**
 * The options of `createServer()`, in two halves: the settings (plain data,
 * one row each in {@link SERVER_SETTINGS}, resolved into a
 * {@link ResolvedServerConfig}) and the injected services (logger, dialer,
 * resolver, hooks, a shared replay filter), resolved into
 * {@link ServerServices}. The server builds its filters from the data.
 *
 *   config.json ──parseConfigFile()──▶ ServerOptions ──resolveServerOptions()──▶ ResolvedServerConfig (data)
 *   (snake_case)                       (camelCase API) ──resolveServerServices()─▶ ServerServices (functions)
 */
import { lookup as dnsLookup } from 'node:dns';
import { connect as netConnect } from 'node:net';
import { ReplayFilter } from '../crypto/replay-filter.js';
import { NOOP_LOGGER, type Logger } from '../logger.js';
import type { ConnectionInfo, ConnectionStats, RelayTransforms, ServerObserver } from './connection-info.js';
import type { ConnectFunction, LookupFunction } from '../transport/dial.js';
import { checkFunction, checkInstance, checkInt, checkObserver } from '../config/check.js';
import { resolveServerSettings, SERVER_SETTINGS, type ResolvedServerConfig, type ServerSettings } from '../config/server-settings.js';
import { defaultsOf } from '../config/setting.js';
import type { ServerMode } from '../config/mode.js';
import type { MethodName } from '../crypto/methods.js';

export { SERVER_SETTINGS, type ResolvedServerConfig, type ServerSettings };
export type { ServerUser, UserSettings } from '../config/server-settings.js';

/** The services a server is given rather than configured with. */
export interface ServerServiceOptions {
  /**
   * The TCP replay filter to use, to share one between several servers (or,
   * with its `onAdd` hook, between processes). Default: a new one of
   * `replayCapacity`.
   */
  replayFilter?: ReplayFilter;
  /** Resolver for host-name targets (`dns.lookup` signature, called with `{all: true}`). Default `dns.lookup`. */
  lookup?: LookupFunction;
  /** Outbound dialer. Default `net.connect`. */
  connect?: ConnectFunction;
  /** Where logs go. Default: nowhere. */
  logger?: Logger;
  /** Called when a connection to a target is established. */
  onConnectionOpen?: (info: ConnectionInfo) => void;
  /** Called once per accepted connection when it closes. */
  onConnectionClose?: (stats: ConnectionStats) => void;
  /** Returns extra streams to insert into each direction of a relay. */
  transforms?: (info: ConnectionInfo) => RelayTransforms | undefined;
  /**
   * Receives every connection, handshake failure, UDP packet, drop and
   * association (missing methods are skipped). Called on the data path:
   * keep it cheap. Default: none.
   */
  observer?: Partial<ServerObserver>;
  /**
   * Called when the SIP003 plugin kept exiting and is given up on
   * (`ERR_SS_PLUGIN_EXITED`); the server then closes. Default: none (the
   * server still emits 'error' if it has a listener).
   */
  onPluginFailed?: (err: Error) => void;
  /**
   * With a `plugin`: another process (the `--workers` primary) runs the
   * plugin and gave it this loopback port. The server listens there and
   * starts no plugin. Default: the server runs its plugin itself.
   */
  pluginLocalPort?: number;
}

/** Options of {@link createServer}: settings and services. Only `password` (or `key`) is required. */
export interface ServerOptions extends ServerSettings, ServerServiceOptions {}

/** The services after validation, with defaults filled in. */
export interface ServerServices {
  replayFilter: ReplayFilter | undefined;
  lookup: LookupFunction;
  connect: ConnectFunction;
  logger: Logger;
  onConnectionOpen: ((info: ConnectionInfo) => void) | undefined;
  onConnectionClose: ((stats: ConnectionStats) => void) | undefined;
  transforms: ((info: ConnectionInfo) => RelayTransforms | undefined) | undefined;
  observer: Partial<ServerObserver> | undefined;
  onPluginFailed: ((err: Error) => void) | undefined;
  pluginLocalPort: number | undefined;
}

/** The defaults of the settings (from {@link SERVER_SETTINGS}), merged in one place. */
export const SERVER_DEFAULTS = Object.freeze(defaultsOf(SERVER_SETTINGS) as {
  port: number;
  method: MethodName;
  idleTimeoutMs: number;
  handshakeTimeoutMs: number;
  connectTimeoutMs: number;
  shutdownGraceMs: number;
  forbiddenIp: readonly string[];
  replayCapacity: number;
  mode: ServerMode;
  natTimeoutMs: number;
  natCapacity: number;
});

/**
 * Validates the settings among the options, merges defaults and derives the
 * master key. The result is plain data; services are left out (see
 * {@link resolveServerServices}).
 * @throws SsError `ERR_SS_CONFIG` naming the bad option
 */
export function resolveServerOptions(options: ServerOptions): ResolvedServerConfig {
  return resolveServerSettings(options);
}

/**
 * Validates the services among the options and fills in the defaults.
 * @throws SsError `ERR_SS_CONFIG` naming the bad option
 */
export function resolveServerServices(options: ServerServiceOptions): ServerServices {
  return {
    replayFilter: checkInstance(options.replayFilter, ReplayFilter, 'replayFilter'),
    lookup: checkFunction(options.lookup, 'lookup') ?? (dnsLookup as unknown as LookupFunction),
    connect: checkFunction(options.connect, 'connect') ?? ((opts) => netConnect(opts)),
    logger: options.logger ?? NOOP_LOGGER,
    onConnectionOpen: checkFunction(options.onConnectionOpen, 'onConnectionOpen'),
    onConnectionClose: checkFunction(options.onConnectionClose, 'onConnectionClose'),
    transforms: checkFunction(options.transforms, 'transforms'),
    observer: checkObserver<ServerObserver>(options.observer),
    onPluginFailed: checkFunction(options.onPluginFailed, 'onPluginFailed'),
    pluginLocalPort: options.pluginLocalPort === undefined ? undefined : checkInt(options.pluginLocalPort, 'pluginLocalPort', 1, 65535),
  };
}
