/**
 * The options of `createLocal()`, in two halves: the settings (plain data,
 * one row each in {@link LOCAL_SETTINGS}, resolved into a
 * {@link ResolvedLocalConfig}) and the injected services (dialer, resolver,
 * UDP ASSOCIATE handler, logger, hooks), resolved into {@link LocalServices}.
 *
 *   config.json ──parseLocalConfigFile()──▶ LocalOptions ──resolveLocalOptions()──▶ ResolvedLocalConfig (data)
 *   (snake_case)                            (camelCase API) ──resolveLocalServices()─▶ LocalServices (functions)
 */
import { lookup as dnsLookup } from 'node:dns';
import type { Socket } from 'node:net';
import { checkFunction, checkObserver } from '../config/check.js';
import { toTunnel } from '../config/converters.js';
import {
  DEFAULT_FIRST_PACKET_DELAY_MS, DEFAULT_LOCAL_ADDRESS, DEFAULT_LOCAL_HANDSHAKE_TIMEOUT_MS, DEFAULT_LOCAL_MODE, DEFAULT_LOCAL_PORT,
  DEFAULT_MAX_HTTP_HEAD_BYTES, LOCAL_SETTINGS, resolveLocalSettings, type LocalSettings, type ResolvedLocalConfig,
} from '../config/local-settings.js';
import type { ServerMode } from '../config/mode.js';
import type { MethodName } from '../crypto/methods.js';
import { defaultsOf } from '../config/setting.js';
import { NOOP_LOGGER, type Logger } from '../logger.js';
import type { Address } from '../protocol/address.js';
import type { LocalConnectionInfo, LocalConnectionStats, LocalObserver } from './local-connection-stats.js';
import type { LookupFunction } from '../transport/dial.js';
import type { UdpAssociateHandler } from './udp-associate.js';

export { parseLocalConfigFile } from '../config/local-config-file.js';
export {
  DEFAULT_FIRST_PACKET_DELAY_MS, DEFAULT_LOCAL_ADDRESS, DEFAULT_LOCAL_HANDSHAKE_TIMEOUT_MS, DEFAULT_LOCAL_MODE, DEFAULT_LOCAL_PORT,
  DEFAULT_MAX_HTTP_HEAD_BYTES, LOCAL_SETTINGS, type LocalSettings, type ResolvedLocalConfig,
};

/**
 * What the local client relays (the shadowsocks `mode` key, libev `-u`/`-U`):
 * `tcp_and_udp` (SOCKS5 CONNECT, HTTP and UDP ASSOCIATE; a tunnel forwards
 * TCP and UDP), `tcp_only` (UDP ASSOCIATE refused with 0x07), or `udp_only`
 * (SOCKS5 serves only UDP ASSOCIATE; a tunnel forwards only UDP).
 */
export type LocalMode = ServerMode;

/** Opens a TCP connection to the Shadowsocks server. It must be created with `allowHalfOpen: true`. */
export type ServerConnectFunction = (options: { host: string; port: number; allowHalfOpen: true }) => Socket;

/** The services a local client is given rather than configured with. */
export interface LocalServiceOptions {
  /** Dialer for the Shadowsocks server. Default `net.connect`. */
  connect?: ServerConnectFunction;
  /** Resolver for a server given by name, for UDP (`dns.lookup` signature, `{all: true}`). Default `dns.lookup`. */
  lookup?: LookupFunction;
  /**
   * Serves SOCKS5 UDP ASSOCIATE in place of the built-in relay (which is used
   * when `mode` includes UDP). Without either, the command is refused with 0x07.
   */
  udpAssociate?: UdpAssociateHandler;
  /** Where logs go. Default: nowhere. */
  logger?: Logger;
  /** Called when a connection through the server is opened (for HTTP forwarding, once per request). */
  onConnectionOpen?: (info: LocalConnectionInfo) => void;
  /** Called once per accepted connection when it closes. */
  onConnectionClose?: (stats: LocalConnectionStats) => void;
  /**
   * Receives every connection, handshake failure, UDP packet, drop and
   * association (missing methods are skipped). Called on the data path:
   * keep it cheap. Default: none.
   */
  observer?: Partial<LocalObserver>;
}

/** Options of {@link createLocal}: settings and services. `server` and `password` (or `key`) are required. */
export interface LocalOptions extends LocalSettings, LocalServiceOptions {}

/**
 * What `SsLocal.switchServer()` takes: the server and its keys (the plugin
 * only to check that it is unchanged).
 */
export type LocalServerSettings = Pick<LocalOptions, 'server' | 'serverPort' | 'method' | 'password' | 'key' | 'plugin' | 'pluginOpts'>;

/** The services after validation, with defaults filled in. */
export interface LocalServices {
  connect: ServerConnectFunction | undefined;
  lookup: LookupFunction;
  udpAssociate: UdpAssociateHandler | undefined;
  logger: Logger;
  onConnectionOpen: ((info: LocalConnectionInfo) => void) | undefined;
  onConnectionClose: ((stats: LocalConnectionStats) => void) | undefined;
  observer: Partial<LocalObserver> | undefined;
}

/** The defaults of the settings (from {@link LOCAL_SETTINGS}), merged in one place. */
export const LOCAL_DEFAULTS = Object.freeze(defaultsOf(LOCAL_SETTINGS) as {
  serverPort: number;
  method: MethodName;
  host: string;
  port: number;
  idleTimeoutMs: number;
  handshakeTimeoutMs: number;
  connectTimeoutMs: number;
  firstPacketDelayMs: number;
  maxHttpHeadBytes: number;
  shutdownGraceMs: number;
  mode: LocalMode;
});

/**
 * Validates the settings among the options, merges defaults and derives the
 * master key. The result is plain data; services are left out (see
 * {@link resolveLocalServices}).
 * @throws SsError `ERR_SS_CONFIG` naming the bad option
 */
export function resolveLocalOptions(options: LocalOptions): ResolvedLocalConfig {
  return resolveLocalSettings(options);
}

/**
 * Validates the services among the options and fills in the defaults.
 * @throws SsError `ERR_SS_CONFIG` naming the bad option
 */
export function resolveLocalServices(options: LocalServiceOptions): LocalServices {
  return {
    connect: checkFunction(options.connect, 'connect'),
    lookup: checkFunction(options.lookup, 'lookup') ?? (dnsLookup as unknown as LookupFunction),
    udpAssociate: checkFunction(options.udpAssociate, 'udpAssociate'),
    logger: options.logger ?? NOOP_LOGGER,
    onConnectionOpen: checkFunction(options.onConnectionOpen, 'onConnectionOpen'),
    onConnectionClose: checkFunction(options.onConnectionClose, 'onConnectionClose'),
    observer: checkObserver<LocalObserver>(options.observer),
  };
}

/**
 * Parses a tunnel target, `host:port` or `[v6]:port`, or checks a `{host, port}`.
 * @throws SsError `ERR_SS_CONFIG` (key `tunnel`)
 */
export function resolveTunnel(v: unknown, key = 'tunnel'): Address {
  return toTunnel(v, key);
}
