/**
 * Every setting of the local client (`createLocal`, `ss-stream-local`), one
 * row each: the camelCase API option, its `ss-local` JSON key, its flag(s),
 * the one converter, the default and a line of doc.
 * `resolveLocalOptions()`, `parseLocalConfigFile()` and the
 * `ss-stream-local` flags are all read through this table.
 *
 *   option           JSON key         flag                  default
 *   server           server           --server, -s          (required)
 *   serverPort       server_port      --server-port, -p     8388
 *   password / key   password / key   --password, -k / --key
 *   method           method           --method, -m          chacha20-ietf-poly1305
 *   host             local_address    --local-address, -b   127.0.0.1
 *   port             local_port       --local-port, -l      1080
 *   tunnel           tunnel_address   --tunnel, -L
 *   idleTimeoutMs    timeout (s)      --timeout, -t (s)     300 000
 *   mode             mode             --mode (-u, -U)       tcp_and_udp
 *   socksUsername / socksPassword     --socks-username / --socks-password
 *   handshakeTimeoutMs, connectTimeoutMs, firstPacketDelayMs, maxHttpHeadBytes, shutdownGraceMs: API only
 */
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_METHOD, DEFAULT_SERVER_PORT, DEFAULT_SHUTDOWN_GRACE_MS, DEFAULT_TIMEOUT_S } from '../constants.js';
import { getMethod, type MethodName } from '../crypto/methods.js';
import { configError } from '../errors.js';
import { stripBrackets, type Address } from '../protocol/address.js';
import { checkInt } from './check.js';
import { checkNotHostPort, toDurationMs, toMethod, toPort, toSecret, toSocksCredential, toText, toTunnel } from './converters.js';
import { deriveClientKeys } from './master-key.js';
import { checkMode, type ServerMode } from './mode.js';
import { convertOptions, type Setting, type SettingsTable } from './setting.js';
import { toUpstreamProxy, upstreamProxyOption } from './to-upstream-proxy.js';
import type { UpstreamProxy } from '../protocol/proxy-url.js';
import { DEFAULT_PLUGIN_MODE, resolvePlugin, toPlugin, toPluginArgs, toPluginMode, toPluginOpts, type PluginSettings, type ResolvedPlugin } from './plugin-settings.js';

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
export const DEFAULT_LOCAL_MODE: ServerMode = 'tcp_and_udp';

/** The settings of a local client: every `LocalOptions` that is plain data. */
export interface LocalSettings extends PluginSettings {
  /** The Shadowsocks server: host name or IP. */
  server?: string;
  /** The server's port. Default 8388. */
  serverPort?: number;
  /** The shared password; for an AES 2022 method with identity headers, `iPSK:uPSK` (or a longer chain). */
  password?: string;
  /** A raw master key, base64, instead of a password. */
  key?: string;
  /** The method (any of `METHOD_NAMES`, lower case). Default `chacha20-ietf-poly1305`. */
  method?: MethodName;
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
  /** TCP, UDP or both: see `LocalMode`. Default `tcp_and_udp`. */
  mode?: ServerMode;
  /**
   * Reach the Shadowsocks server through this upstream proxy (issue 17):
   * `socks5://[user:pass@]host:port` or `http://[user:pass@]host:port`
   * (CONNECT). UDP goes through a SOCKS5 proxy's UDP ASSOCIATE; with an
   * HTTP proxy it is off. Default: none, the server is dialled directly.
   */
  proxy?: string;
}

/** The resolved settings of a local client: plain data, every value checked, the key derived. */
export interface ResolvedLocalConfig {
  server: string;
  serverPort: number;
  method: MethodName;
  /** The derived master key (for a chain, the user PSK), base64. A secret: never log it. */
  key: string;
  /** Identity PSKs (SIP023), base64, outermost first, from a password `iPSK:uPSK`; empty without. Secrets. */
  identityKeys: string[];
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
  mode: ServerMode;
  /** The upstream proxy to the server; absent: direct. Holds credentials: print it only redacted. */
  proxy?: UpstreamProxy;
  /** The SIP003 plugin the server is reached through; absent: none. */
  plugin?: ResolvedPlugin;
}

const api = { json: [], flags: [] } as const;

/** The local client's settings, one row per option. */
export const LOCAL_SETTINGS = Object.freeze({
  server: { json: ['server'], flags: ['server'], alias: 's', convert: (v, k, s) => checkNotHostPort(toText(v, k), k, s, 'client'), doc: 'Shadowsocks server host name or IP' },
  serverPort: { json: ['server_port'], flags: ['server-port'], alias: 'p', convert: (v, k, s) => toPort(v, k, 1, s), default: DEFAULT_SERVER_PORT, doc: 'Shadowsocks server port' },
  password: { json: ['password'], flags: ['password'], alias: 'k', convert: toSecret, doc: 'The shared password' },
  key: { json: ['key'], flags: ['key'], convert: toSecret, doc: 'Raw master key, base64, instead of a password' },
  method: { json: ['method'], flags: ['method'], alias: 'm', convert: toMethod, default: DEFAULT_METHOD, doc: 'Encryption method' },
  host: { json: ['local_address'], flags: ['local-address'], alias: 'b', convert: toText, default: DEFAULT_LOCAL_ADDRESS, doc: 'Address to listen on' },
  port: { json: ['local_port'], flags: ['local-port'], alias: 'l', convert: (v, k, s) => toPort(v, k, 0, s), default: DEFAULT_LOCAL_PORT, doc: 'Port to listen on; 0 picks a free one' },
  tunnel: { json: ['tunnel_address'], flags: ['tunnel'], alias: 'L', convert: toTunnel, doc: 'Tunnel mode: forward every connection to this host:port, with no SOCKS5/HTTP handshake' },
  socksUsername: { json: [], flags: ['socks-username'], convert: (v, k) => toSocksCredential(v, k, true), doc: 'Require this SOCKS5 username (RFC 1929) / HTTP proxy Basic user' },
  socksPassword: { json: [], flags: ['socks-password'], convert: (v, k) => toSocksCredential(v, k, false), doc: 'Require this SOCKS5 / HTTP proxy password' },
  idleTimeoutMs: { json: ['timeout'], flags: ['timeout'], alias: 't', convert: (v, k, s) => toDurationMs(v, k, s), default: DEFAULT_TIMEOUT_S * 1000, doc: 'Idle timeout, seconds; also ends a wait on a silent server' },
  handshakeTimeoutMs: { ...api, convert: (v, k, s) => toDurationMs(v, k, s), default: DEFAULT_LOCAL_HANDSHAKE_TIMEOUT_MS, doc: 'Time for a client to finish its SOCKS5 / first HTTP head, ms' },
  connectTimeoutMs: { ...api, convert: (v, k, s) => toDurationMs(v, k, s), default: DEFAULT_CONNECT_TIMEOUT_MS, doc: 'Time allowed to connect to the Shadowsocks server, ms' },
  firstPacketDelayMs: { ...api, convert: (v, k) => checkInt(v, k, 0, 60_000), default: DEFAULT_FIRST_PACKET_DELAY_MS, doc: 'Wait for the first application bytes to send with the address header, ms' },
  maxHttpHeadBytes: { ...api, convert: (v, k) => checkInt(v, k, 1024, 2 ** 24), default: DEFAULT_MAX_HTTP_HEAD_BYTES, doc: 'Largest HTTP request or response head, bytes' },
  shutdownGraceMs: { ...api, convert: (v, k, s) => toDurationMs(v, k, s, true), default: DEFAULT_SHUTDOWN_GRACE_MS, doc: 'Open connections get this long to finish on close(), ms' },
  mode: { json: ['mode'], flags: ['mode'], convert: (v, k) => checkMode(v, k), default: DEFAULT_LOCAL_MODE, doc: 'Relay TCP, UDP or both: tcp_and_udp, tcp_only or udp_only' },
  proxy: {
    json: ['proxy'], flags: ['proxy'], convert: toUpstreamProxy, toOption: upstreamProxyOption,
    doc: 'Reach the server through this proxy: socks5://[user:pass@]host:port (UDP too) or http://[user:pass@]host:port (TCP only) [default: direct]',
  } satisfies Setting<string, UpstreamProxy>,
  plugin: { json: ['plugin'], flags: ['plugin'], convert: toPlugin, doc: "SIP003 plugin program to reach the server through (e.g. obfs-local, ss-v2ray-plugin); '' for none" },
  pluginOpts: { json: ['plugin_opts'], flags: ['plugin-opts'], convert: toPluginOpts, doc: 'Options of the plugin (SS_PLUGIN_OPTIONS), e.g. obfs=http;obfs-host=example.com' },
  pluginArgs: { json: ['plugin_args'], flags: ['plugin-args'], convert: toPluginArgs, doc: 'Extra command-line argument of the plugin (repeatable; --plugin-args=-V for one starting with -)' } satisfies Setting<readonly string[], string[]>,
  pluginMode: { json: ['plugin_mode'], flags: ['plugin-mode'], convert: (v, k) => toPluginMode(v, k), default: DEFAULT_PLUGIN_MODE, doc: 'tcp_only: UDP goes straight to the server; tcp_and_udp: UDP goes through the plugin too (SIP003u)' },
} satisfies SettingsTable<LocalSettings>);

/**
 * Checks the settings among `options`, merges the defaults and derives the
 * key: the data half of `resolveLocalOptions()`.
 * @throws SsError `ERR_SS_CONFIG` naming the bad option
 */
export function resolveLocalSettings(options: LocalSettings): ResolvedLocalConfig {
  if (options === null || typeof options !== 'object') throw configError('options', 'must be an object');
  if (options.server === undefined) throw configError('server', 'is required');
  const c = convertOptions(LOCAL_SETTINGS, options);
  const spec = getMethod(c.method!)!;
  const keys = deriveClientKeys(spec, c.password, c.key);
  // A plugin dials the server itself: a proxy in front of its loopback port would carry nothing useful.
  if (c.proxy !== undefined && c.plugin !== undefined && c.plugin !== '') throw configError('proxy', 'cannot be combined with a plugin (the plugin connects to the server itself)');
  if (c.proxy?.protocol === 'http' && c.mode === 'udp_only') throw configError('proxy', 'an HTTP proxy carries TCP only, and mode is udp_only: nothing would be relayed');
  return {
    server: stripBrackets(c.server!),
    serverPort: c.serverPort!,
    method: spec.name as MethodName,
    key: keys.key.toString('base64'),
    identityKeys: keys.identityKeys.map((k) => k.toString('base64')),
    host: stripBrackets(c.host!),
    port: c.port!,
    tunnel: c.tunnel,
    credentials: pairCredentials(c.socksUsername, c.socksPassword),
    idleTimeoutMs: c.idleTimeoutMs!,
    handshakeTimeoutMs: c.handshakeTimeoutMs!,
    connectTimeoutMs: c.connectTimeoutMs!,
    firstPacketDelayMs: c.firstPacketDelayMs!,
    maxHttpHeadBytes: c.maxHttpHeadBytes!,
    shutdownGraceMs: c.shutdownGraceMs!,
    mode: c.mode!,
    ...(c.proxy === undefined ? {} : { proxy: c.proxy }),
    ...pluginOf(c),
  };
}

function pluginOf(c: Parameters<typeof resolvePlugin>[0]): { plugin?: ResolvedPlugin } {
  const plugin = resolvePlugin(c);
  return plugin === undefined ? {} : { plugin };
}

function pairCredentials(username: string | undefined, password: string | undefined): { username: string; password: string } | undefined {
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined || password === undefined) throw configError(username === undefined ? 'socksUsername' : 'socksPassword', 'is required with the other one');
  return { username, password };
}
