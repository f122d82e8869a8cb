/**
 * Configuration of the local side (`createLocal`, `ss-stream-local`): the
 * camelCase API options, their defaults, validation, and the mapping from
 * the shadowsocks-libev `ss-local` JSON keys.
 *
 *   config.json ──parseLocalConfigFile()──▶ LocalOptions ──resolveLocalOptions()──▶ ResolvedLocalConfig
 *   (snake_case)                            (camelCase API)                         (spec + master key)
 */
import { lookup as dnsLookup } from 'node:dns';
import type { Socket } from 'node:net';
import { deriveMasterKey } from '../config/master-key.js';
import { type ServerMode } from '../config/mode.js';
import { checkFunction, checkInt, checkMs, checkObserver, checkPort, checkString, stripUndefined, typeName } from '../config/check.js';
import { secondsToMs, toMode, toPort } from '../config/server-config-file.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_METHOD, DEFAULT_SERVER_PORT, DEFAULT_SHUTDOWN_GRACE_MS, DEFAULT_TIMEOUT_S } from '../constants.js';
import { getMethod, METHOD_NAMES, type CipherSpec } from '../crypto/methods.js';
import { configError } from '../errors.js';
import { NOOP_LOGGER, type Logger } from '../logger.js';
import type { Address } from '../protocol/address.js';
import { decodeHttpAuthority } from '../protocol/http-target.js';
import type { LocalConnectionInfo, LocalConnectionStats, LocalObserver } from './local-connection-stats.js';
import type { LookupFunction } from '../transport/dial.js';
import type { UdpAssociateHandler } from './udp-associate.js';
import { stripBrackets } from '../protocol/address.js';

/**
 * What the local client relays (the shadowsocks `mode` key, libev `-u`/`-U`):
 * `tcp_and_udp` (SOCKS5 CONNECT, HTTP and UDP ASSOCIATE; a tunnel forwards
 * TCP and UDP), `tcp_only` (UDP ASSOCIATE refused with 0x07), or `udp_only`
 * (SOCKS5 serves only UDP ASSOCIATE; a tunnel forwards only UDP).
 */
export type LocalMode = ServerMode;

/** Default local port, as ss-local. */
export const DEFAULT_LOCAL_PORT = 1080;
/** Default local address: loopback only, so the proxy is not open to the network. */
export const DEFAULT_LOCAL_ADDRESS = '127.0.0.1';
/** Default time for a client to finish its SOCKS5 or HTTP handshake. */
export const DEFAULT_LOCAL_HANDSHAKE_TIMEOUT_MS = 10_000;
/**
 * Default wait for the application's first bytes after the SOCKS5 / CONNECT
 * reply, so they leave in one packet with the address header. Protocols where
 * the server speaks first pay this once per connection.
 */
export const DEFAULT_FIRST_PACKET_DELAY_MS = 50;
/** Default limit on an HTTP request or response head. */
export const DEFAULT_MAX_HTTP_HEAD_BYTES = 64 * 1024;
/**
 * Default mode: TCP and UDP. (libev ss-local defaults to tcp_only; offering
 * UDP ASSOCIATE costs nothing until a client asks, and then only a socket
 * pair per association, bound to the address the client already reaches.)
 */
export const DEFAULT_LOCAL_MODE: LocalMode = 'tcp_and_udp';

/** Opens a TCP connection to the Shadowsocks server. It must be created with `allowHalfOpen: true`. */
export type ServerConnectFunction = (options: { host: string; port: number; allowHalfOpen: true }) => Socket;

/** Options of {@link createLocal}. `server` and `password` (or `key`) are required. */
export interface LocalOptions {
  /** The Shadowsocks server: host name or IP. */
  server?: string;
  /** The server's port. Default 8388. */
  serverPort?: number;
  /** The shared password. */
  password?: string;
  /** A raw master key, base64, instead of a password. */
  key?: string;
  /** The AEAD method. Default `chacha20-ietf-poly1305`. */
  method?: string;
  /** Address to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 1080. */
  port?: number;
  /**
   * Tunnel mode (as libev `ss-tunnel -L`): every accepted connection is
   * forwarded to this target, with no SOCKS5 or HTTP handshake. Given as
   * `{host, port}` or `'host:port'` (`'[::1]:53'` for IPv6).
   */
  tunnel?: { host: string; port: number } | string;
  /** Require SOCKS5 username/password auth (RFC 1929), and HTTP `Proxy-Authorization: Basic`, with these. */
  socksUsername?: string;
  socksPassword?: string;
  /** Idle timeout of a connection, ms; also bounds the wait for a silent server (wrong password). Default 300 000. */
  idleTimeoutMs?: number;
  /** Time for a client to finish its SOCKS5 / first HTTP request head, ms. Default 10 000. */
  handshakeTimeoutMs?: number;
  /** Time allowed to connect to the Shadowsocks server, ms. Default 10 000. */
  connectTimeoutMs?: number;
  /** Wait for the first application bytes to send with the address header, ms; 0 sends the header at once. Default 50. */
  firstPacketDelayMs?: number;
  /** Largest HTTP request or response head, bytes. Default 65 536. */
  maxHttpHeadBytes?: number;
  /** Open connections get this long to finish on `close()`, ms. Default 5 000. */
  shutdownGraceMs?: number;
  /** Dialer for the Shadowsocks server. Default `net.connect`. */
  connect?: ServerConnectFunction;
  /** TCP, UDP or both: see {@link LocalMode}. Default `tcp_and_udp`. */
  mode?: LocalMode;
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

/** Options after validation, with defaults merged and the key derived. */
export interface ResolvedLocalConfig {
  server: string;
  serverPort: number;
  spec: CipherSpec;
  masterKey: Buffer;
  host: string;
  port: number;
  tunnel: Address | undefined;
  credentials: { username: string; password: string } | undefined;
  idleTimeoutMs: number;
  handshakeTimeoutMs: number;
  connectTimeoutMs: number;
  firstPacketDelayMs: number;
  maxHttpHeadBytes: number;
  shutdownGraceMs: number;
  connect: ServerConnectFunction | undefined;
  mode: LocalMode;
  lookup: LookupFunction;
  udpAssociate: UdpAssociateHandler | undefined;
  logger: Logger;
  onConnectionOpen: ((info: LocalConnectionInfo) => void) | undefined;
  onConnectionClose: ((stats: LocalConnectionStats) => void) | undefined;
  observer: Partial<LocalObserver> | undefined;
}

/** The defaults, merged in one place. */
export const LOCAL_DEFAULTS = Object.freeze({
  serverPort: DEFAULT_SERVER_PORT,
  method: DEFAULT_METHOD,
  host: DEFAULT_LOCAL_ADDRESS,
  port: DEFAULT_LOCAL_PORT,
  idleTimeoutMs: DEFAULT_TIMEOUT_S * 1000,
  handshakeTimeoutMs: DEFAULT_LOCAL_HANDSHAKE_TIMEOUT_MS,
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  firstPacketDelayMs: DEFAULT_FIRST_PACKET_DELAY_MS,
  maxHttpHeadBytes: DEFAULT_MAX_HTTP_HEAD_BYTES,
  shutdownGraceMs: DEFAULT_SHUTDOWN_GRACE_MS,
  mode: DEFAULT_LOCAL_MODE,
});

/**
 * Validates API options, merges defaults and derives the master key.
 * @throws SsError `ERR_SS_CONFIG` naming the bad option
 */
export function resolveLocalOptions(options: LocalOptions): ResolvedLocalConfig {
  if (options === null || typeof options !== 'object') throw configError('options', 'must be an object');
  const o = { ...LOCAL_DEFAULTS, ...stripUndefined(options) };
  if (o.server === undefined) throw configError('server', 'is required');
  if (checkString(o.server, 'server').trim() === '') throw configError('server', 'must not be empty');
  const spec = getMethod(checkString(o.method, 'method'));
  if (spec === undefined) throw configError('method', `unknown method '${o.method}' (supported: ${METHOD_NAMES.join(', ')})`);
  if (checkString(o.host, 'host').trim() === '') throw configError('host', 'must not be empty');
  return {
    server: stripBrackets(o.server),
    serverPort: checkInt(o.serverPort, 'serverPort', 1, 65535),
    spec,
    masterKey: deriveMasterKey(spec, o.password, o.key),
    host: stripBrackets(o.host),
    port: checkPort(o.port, 'port'),
    tunnel: o.tunnel === undefined ? undefined : resolveTunnel(o.tunnel),
    credentials: resolveCredentials(o.socksUsername, o.socksPassword),
    idleTimeoutMs: checkMs(o.idleTimeoutMs, 'idleTimeoutMs'),
    handshakeTimeoutMs: checkMs(o.handshakeTimeoutMs, 'handshakeTimeoutMs'),
    connectTimeoutMs: checkMs(o.connectTimeoutMs, 'connectTimeoutMs'),
    firstPacketDelayMs: checkInt(o.firstPacketDelayMs, 'firstPacketDelayMs', 0, 60_000),
    maxHttpHeadBytes: checkInt(o.maxHttpHeadBytes, 'maxHttpHeadBytes', 1024, 2 ** 24),
    shutdownGraceMs: checkMs(o.shutdownGraceMs, 'shutdownGraceMs', true),
    connect: checkFunction(o.connect, 'connect'),
    mode: toMode(o.mode, 'mode'),
    lookup: checkFunction(o.lookup, 'lookup') ?? (dnsLookup as unknown as LookupFunction),
    udpAssociate: checkFunction(o.udpAssociate, 'udpAssociate'),
    logger: o.logger ?? NOOP_LOGGER,
    onConnectionOpen: checkFunction(o.onConnectionOpen, 'onConnectionOpen'),
    onConnectionClose: checkFunction(o.onConnectionClose, 'onConnectionClose'),
    observer: checkObserver<LocalObserver>(o.observer),
  };
}

/**
 * Parses a tunnel target, `host:port` or `[v6]:port`, or checks a `{host, port}`.
 * @throws SsError `ERR_SS_CONFIG` (key `tunnel`)
 */
export function resolveTunnel(v: unknown, key = 'tunnel'): Address {
  let text: string;
  if (typeof v === 'string') text = v;
  else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const { host, port } = v as { host?: unknown; port?: unknown };
    const h = checkString(host, `${key}.host`);
    text = `${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}:${checkInt(port, `${key}.port`, 1, 65535)}`;
  } else throw configError(key, `must be "host:port" or {host, port}, got ${typeName(v)}`);
  try {
    return decodeHttpAuthority(text);
  } catch {
    throw configError(key, `must be host:port with a port 1..65535, got ${JSON.stringify(text)}`);
  }
}

function resolveCredentials(username: unknown, password: unknown): { username: string; password: string } | undefined {
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined || password === undefined) throw configError(username === undefined ? 'socksUsername' : 'socksPassword', 'is required with the other one');
  const u = checkString(username, 'socksUsername');
  const p = checkString(password, 'socksPassword');
  // RFC 1929: 1 to 255 bytes each.
  for (const [k, s] of [['socksUsername', u], ['socksPassword', p]] as const) {
    const n = Buffer.byteLength(s, 'utf8');
    if (n < 1 || n > 255) throw configError(k, `must be 1 to 255 bytes (RFC 1929), got ${n}`);
    if (k === 'socksUsername' && s.includes(':')) throw configError(k, 'must not contain ":" (HTTP Basic auth)');
  }
  return { username: u, password: p };
}



/**
 * The `ss-local` JSON keys this client reads, each mapped to an option.
 * Keys absent here are refused, so that a typo is not silently ignored.
 */
const FILE_KEYS: Readonly<Record<string, (v: unknown, key: string, o: LocalOptions) => void>> = Object.freeze({
  server: (v, k, o) => { o.server = nonEmpty(v, k); },
  server_port: (v, k, o) => { o.serverPort = toPort(v, k, 1); },
  local_address: (v, k, o) => { o.host = nonEmpty(v, k); },
  local_port: (v, k, o) => { o.port = toPort(v, k, 0); },
  password: (v, k, o) => { o.password = nonEmpty(v, k); },
  key: (v, k, o) => { o.key = nonEmpty(v, k); },
  method: (v, k, o) => {
    if (getMethod(checkString(v, k)) === undefined) throw configError(k, `unknown method '${v}' (supported: ${METHOD_NAMES.join(', ')})`);
    o.method = v as string;
  },
  timeout: (v, k, o) => { o.idleTimeoutMs = secondsToMs(v, k); },
  tunnel_address: (v, k, o) => { o.tunnel = resolveTunnel(v, k); },
  mode: (v, k, o) => { o.mode = toMode(v, k); },
  plugin: (v, k) => { if (v !== '') throw configError(k, 'plugins are not supported'); },
  plugin_opts: (v, k) => { if (v !== '') throw configError(k, 'plugins are not supported'); },
});

/**
 * Maps a parsed `ss-local` JSON config (`server`, `server_port`,
 * `local_address`, `local_port`, `password` or `key`, `method`, `timeout`
 * in seconds, `tunnel_address`, `mode`) to {@link LocalOptions}.
 * @throws SsError `ERR_SS_CONFIG` naming the key: unknown keys, wrong types or values
 */
export function parseLocalConfigFile(json: unknown): LocalOptions {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw configError('config', `must be a JSON object, got ${typeName(json)}`);
  const options: LocalOptions = {};
  for (const [key, value] of Object.entries(json)) {
    const rule = Object.hasOwn(FILE_KEYS, key) ? FILE_KEYS[key] : undefined;
    if (rule === undefined) throw configError(key, 'unknown key');
    rule(value, key, options);
  }
  return options;
}

function nonEmpty(v: unknown, key: string): string {
  if (typeof v !== 'string') throw configError(key, `must be a string, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
  if (v.trim() === '') throw configError(key, 'must not be empty');
  return v;
}
