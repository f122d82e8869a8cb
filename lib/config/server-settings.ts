/**
 * Every setting of the server, one row each: the camelCase API option, its
 * shadowsocks JSON key(s), its flag(s), the one converter, the default and a
 * line of doc. `resolveServerOptions()`, `parseConfigFile()` and the
 * `ss-stream-server` flags are all read through this table.
 *
 *   option              JSON key            flag                 default
 *   host                server              --server, -s         all interfaces
 *   port                server_port         --server-port, -p    8388
 *   password / key      password / key      --password, -k / --key
 *   users               users               (file and API)       one user, from password / key
 *   method              method              --method, -m         chacha20-ietf-poly1305
 *   idleTimeoutMs       timeout (s)         --timeout, -t (s)    300 000
 *   handshakeTimeoutMs  handshake_timeout   --handshake-timeout  60 000
 *   connectTimeoutMs    connect_timeout     --connect-timeout    10 000
 *   forbiddenIp         forbidden_ip        --forbidden-ip       special ranges
 *   mode                mode                --mode               tcp_and_udp
 *   nameservers         nameserver          --nameserver, -d     the system's
 *   ipv6First           ipv6_first          --ipv6-first, -6     false
 *   outboundProxy       outbound_proxy      --outbound-proxy     none (direct)
 *   outboundProxyRemoteDns outbound_proxy_remote_dns --outbound-proxy-remote-dns false
 *   plugin, pluginOpts, pluginArgs, pluginMode: plugin_* / --plugin-*  (SIP003, see plugin-settings.ts)
 *   natTimeoutMs        udp_timeout (s)     (file and API)       300 000
 *   natCapacity         udp_max_associations (file and API)    1024
 *   shutdownGraceMs, replayCapacity: API only
 */
import {
  DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_METHOD, DEFAULT_NAT_CAPACITY, DEFAULT_NAT_TIMEOUT_MS,
  DEFAULT_REPLAY_CAPACITY, DEFAULT_SERVER_PORT, DEFAULT_SHUTDOWN_GRACE_MS, DEFAULT_TIMEOUT_S,
} from '../constants.js';
import { getMethod, type MethodName } from '../crypto/methods.js';
import { parseNameservers } from './parse-nameservers.js';
import { configError } from '../errors.js';
import type { LogLevel } from '../logger.js';
import type { IpRange } from '../protocol/ip-range.js';
import { DEFAULT_FORBIDDEN_RANGES } from '../protocol/special-ip-ranges.js';
import { checkInt, typeName } from './check.js';
import { toDurationMs, toHostList, toIpRanges, toLogLevel, toMethod, toPort, toSecret, toText, toWorkers } from './converters.js';
import { resolveUsers, toUsers, type ServerUser, type UserSettings } from './server-users.js';
import { checkMode, type ServerMode } from './mode.js';
import { convertOptions, type Setting, type SettingSource, type SettingsTable } from './setting.js';
import { toManagerAddress, type ManagerAddress } from './manager-address.js';
import { toListenAddress, type ListenAddress } from './to-listen-address.js';
import { toAccessLog, toLogFormat, type LogFormat } from './log-output-converters.js';
import { toUpstreamProxy, upstreamProxyOption } from './to-upstream-proxy.js';
import type { UpstreamProxy } from '../protocol/proxy-url.js';
import { DEFAULT_PLUGIN_MODE, resolvePlugin, toPlugin, toPluginArgs, toPluginMode, toPluginOpts, type PluginMode, type PluginSettings, type ResolvedPlugin } from './plugin-settings.js';
import { SHARED_PROCESS_SETTINGS, type SharedProcessSettings } from './shared-process-settings.js';

/** The settings of a server: every {@link ServerOptions} that is plain data. */
export interface ServerSettings extends PluginSettings {
  /** Address(es) to listen on. Default: all interfaces, IPv4 and IPv6. */
  host?: string | string[];
  /** Port to listen on; 0 picks a free one. Default 8388. */
  port?: number;
  /**
   * The shared password. With `users`: for AEAD and 2022 ChaCha one more
   * user, named `default`; for 2022 AES the identity PSK (SIP023).
   */
  password?: string;
  /** A raw master key, base64 (standard or URL-safe), instead of a password (as libev's `key`). */
  key?: string;
  /**
   * Several users on this port: `[{name, password}]` or `[{name, key}]`;
   * names unique and non-blank. See `server-users.ts` for how each method
   * tells them apart.
   */
  users?: readonly UserSettings[];
  /** The method (any of `METHOD_NAMES`, lower case). Default `chacha20-ietf-poly1305`. */
  method?: MethodName;
  /** Idle timeout of an established connection, ms. Default 300 000 (from `timeout` 300 s). */
  idleTimeoutMs?: number;
  /** Time from accept to a complete address header, ms. Default 60 000. */
  handshakeTimeoutMs?: number;
  /** Time allowed to connect to the target, ms. Default 10 000. */
  connectTimeoutMs?: number;
  /** Open connections get this long to finish on `close()`, ms. Default 5 000. */
  shutdownGraceMs?: number;
  /**
   * Forbidden target IPs/CIDRs, replacing the default list; `[]` forbids
   * nothing. Default: loopback, private, link-local and other special ranges.
   */
  forbiddenIp?: readonly string[];
  /** Salts per replay-filter generation (two are kept). Default 65 536. */
  replayCapacity?: number;
  /** TCP, UDP or both, on the same host(s) and port. Default `tcp_and_udp`. */
  mode?: ServerMode;
  /** A UDP association (client address) idle this long is dropped with its sockets, ms. Default 300 000. */
  natTimeoutMs?: number;
  /** Maximum UDP associations; the least recently used is evicted beyond. Default 1024. */
  natCapacity?: number;
  /**
   * Name servers for target names: `ADDR`, `ADDR:PORT` or `[V6ADDR]:PORT`
   * (libev's `-d`). Default: the system's (`/etc/resolv.conf`). Not used
   * with `lookup`.
   */
  nameservers?: readonly string[];
  /** Try a target name's IPv6 addresses first (libev's `ipv6_first`). Default `false`. Not used with `lookup`. */
  ipv6First?: boolean;
  /**
   * Send every TCP target through this upstream proxy (issue 17):
   * `socks5://[user:pass@]host:port` or `http://[user:pass@]host:port`
   * (CONNECT). A user's own `outboundProxy` overrides it. UDP goes through a
   * SOCKS5 proxy's UDP ASSOCIATE, and is refused (never sent direct) through
   * an HTTP one. Default: none, targets are dialled directly.
   */
  outboundProxy?: string;
  /**
   * Pass target names to the upstream proxy unresolved. The forbidden-target
   * check then sees only IP literals: the proxy resolves names, and may reach
   * what `forbiddenIp` would refuse. Default `false`: we resolve, check, and
   * ask the proxy for the address.
   */
  outboundProxyRemoteDns?: boolean;
}

export type { ServerUser, UserSettings, ListenAddress, LogFormat, PluginMode, ResolvedPlugin };

/**
 * The resolved settings of a server: plain, JSON-serialisable data with the
 * defaults merged, every value checked, and the key derived. The server
 * builds its filters from it; services (logger, dialer, hooks) are apart.
 */
export interface ResolvedServerConfig {
  /** Addresses to listen on; empty: all interfaces. */
  hosts: string[];
  port: number;
  method: MethodName;
  /** The users: from `users`, plus `default` from `password` or `key` (see `server-users.ts`). */
  users: ServerUser[];
  /** The identity PSK (base64) of an AES 2022 listener with `users` (SIP023); absent otherwise. A secret. */
  identityKey?: string;
  idleTimeoutMs: number;
  handshakeTimeoutMs: number;
  connectTimeoutMs: number;
  shutdownGraceMs: number;
  /** Forbidden target ranges, parsed; empty: none. */
  forbiddenIp: IpRange[];
  replayCapacity: number;
  mode: ServerMode;
  natTimeoutMs: number;
  natCapacity: number;
  nameservers: string[];
  ipv6First: boolean;
  /** The upstream proxy for users without their own; absent: direct. Holds credentials: print it only redacted. */
  outboundProxy?: UpstreamProxy;
  outboundProxyRemoteDns: boolean;
  /** The SIP003 plugin in front of the TCP port (and with SIP003u the UDP port); absent: none. */
  plugin?: ResolvedPlugin;
}

const api = { json: [], flags: [] } as const;

/** The server's settings, one row per option. */
export const SERVER_SETTINGS = Object.freeze({
  host: { json: ['server'], flags: ['server'], alias: 's', convert: toHostList, doc: 'Address to listen on (repeatable) [default: all interfaces, IPv4 and IPv6]' },
  port: { json: ['server_port'], flags: ['server-port'], alias: 'p', convert: (v, k, s) => toPort(v, k, 0, s), default: DEFAULT_SERVER_PORT, doc: 'Port to listen on; 0 picks a free one' },
  password: { json: ['password'], flags: ['password'], alias: 'k', convert: toSecret, doc: 'The shared password' },
  key: { json: ['key'], flags: ['key'], convert: toSecret, doc: 'Raw master key, base64, instead of a password' },
  users: { json: ['users'], flags: [], convert: toUsers, doc: 'Users on this port: [{"name", "password"}] or [{"name", "key"}], each with optional max_connections, rate_limit (bytes/s) and outbound_proxy' } satisfies Setting<readonly UserSettings[]>,
  method: { json: ['method'], flags: ['method'], alias: 'm', convert: toMethod, default: DEFAULT_METHOD, doc: 'Encryption method' },
  idleTimeoutMs: { json: ['timeout'], flags: ['timeout'], alias: 't', convert: (v, k, s) => toDurationMs(v, k, s), default: DEFAULT_TIMEOUT_S * 1000, doc: 'Idle timeout, seconds' },
  handshakeTimeoutMs: { json: ['handshake_timeout'], flags: ['handshake-timeout'], convert: (v, k, s) => toDurationMs(v, k, s), default: DEFAULT_HANDSHAKE_TIMEOUT_MS, doc: 'Time for a client to send its target address, seconds' },
  connectTimeoutMs: { json: ['connect_timeout'], flags: ['connect-timeout'], convert: (v, k, s) => toDurationMs(v, k, s), default: DEFAULT_CONNECT_TIMEOUT_MS, doc: 'Time to connect to a target, seconds' },
  shutdownGraceMs: { ...api, convert: (v, k, s) => toDurationMs(v, k, s, true), default: DEFAULT_SHUTDOWN_GRACE_MS, doc: 'Open connections get this long to finish on close(), ms' },
  forbiddenIp: {
    json: ['forbidden_ip'], flags: ['forbidden-ip'], convert: toIpRanges, toOption: (ranges) => ranges.map((r) => r.text), default: DEFAULT_FORBIDDEN_RANGES,
    doc: "Comma-separated IPs/CIDRs clients may not reach, replacing the default private ranges; '' allows all",
  } satisfies Setting<readonly string[], IpRange[]>,
  nameservers: {
    json: ['nameserver'], flags: ['nameserver'], alias: 'd', convert: toNameservers, default: [],
    doc: "Name servers for target names, ADDR[:PORT][,...] ([v6]:port), repeatable [default: the system's]",
  } satisfies Setting<readonly string[], string[]>,
  ipv6First: { json: ['ipv6_first'], flags: ['ipv6-first'], alias: '6', convert: toBoolean, default: false, doc: 'Try IPv6 addresses of target names first [default: IPv4 first]' },
  outboundProxy: {
    json: ['outbound_proxy'], flags: ['outbound-proxy'], convert: toUpstreamProxy, toOption: upstreamProxyOption,
    doc: 'Dial targets through this upstream proxy: socks5://[user:pass@]host:port or http://[user:pass@]host:port [default: direct]',
  } satisfies Setting<string, UpstreamProxy>,
  outboundProxyRemoteDns: { json: ['outbound_proxy_remote_dns'], flags: ['outbound-proxy-remote-dns'], convert: toBoolean, default: false, doc: 'Pass target names to the upstream proxy unresolved (forbidden_ip then checks IP literals only)' },
  replayCapacity: { ...api, convert: (v, k) => checkInt(v, k, 1, 2 ** 24), default: DEFAULT_REPLAY_CAPACITY, doc: 'Salts per replay-filter generation (two are kept)' },
  mode: { json: ['mode'], flags: ['mode'], convert: (v, k) => checkMode(v, k), default: 'tcp_and_udp' as ServerMode, doc: 'Relay TCP, UDP or both: tcp_and_udp, tcp_only or udp_only' },
  plugin: { json: ['plugin'], flags: ['plugin'], convert: toPlugin, doc: "SIP003 plugin program in front of the port (e.g. obfs-server, ss-v2ray-plugin); '' for none" },
  pluginOpts: { json: ['plugin_opts'], flags: ['plugin-opts'], convert: toPluginOpts, doc: 'Options of the plugin (SS_PLUGIN_OPTIONS), e.g. obfs=http' },
  pluginArgs: { json: ['plugin_args'], flags: ['plugin-args'], convert: toPluginArgs, doc: 'Extra command-line argument of the plugin (repeatable; --plugin-args=-V for one starting with -)' } satisfies Setting<readonly string[], string[]>,
  pluginMode: { json: ['plugin_mode'], flags: ['plugin-mode'], convert: (v, k) => toPluginMode(v, k), default: DEFAULT_PLUGIN_MODE, doc: 'tcp_only: UDP stays direct on the port; tcp_and_udp: UDP goes through the plugin too (SIP003u)' },
  // shadowsocks-rust's keys (seconds in the file, as its `udp_timeout`).
  natTimeoutMs: { json: ['udp_timeout'], flags: [], convert: (v, k, s) => toDurationMs(v, k, s), default: DEFAULT_NAT_TIMEOUT_MS, doc: 'A UDP association idle this long is dropped, ms (udp_timeout: seconds)' },
  natCapacity: { json: ['udp_max_associations'], flags: [], convert: (v, k) => checkInt(v, k, 1, 2 ** 20), default: DEFAULT_NAT_CAPACITY, doc: 'Maximum UDP associations; the least recently used is evicted beyond' },
} satisfies SettingsTable<ServerSettings>);

/** Settings of the `ss-stream-server` process rather than of one server. */
export interface ServerProcessSettings extends SharedProcessSettings {
  /** How many processes serve the ports (1 to 256). */
  workers?: number;
  logLevel?: LogLevel;
  /** Where the ss-manager API listens (UDP); nothing by default. */
  managerAddress?: ManagerAddress;
  /** Where to serve Prometheus `/metrics`; a bare port binds 127.0.0.1. Default: no endpoint. */
  metrics?: ListenAddress;
  /** How log lines are written. Default `text`. */
  logFormat?: LogFormat;
  /** Where to write one line per connection: `-` for stderr or a file path (appended). Default: no access log. */
  accessLog?: string;
  /** The host name or IP clients connect to, put in shared URIs and SIP008 documents. Default: see `cli/share-host.ts`. */
  publicHost?: string;
}

/** The process settings, one row each (no API option: the CLI reads them). */
export const SERVER_PROCESS_SETTINGS = Object.freeze({
  workers: { json: ['workers'], flags: ['workers'], convert: toWorkers, default: 1, doc: 'Processes serving the same port(s), with node:cluster; UDP is served by the first one' },
  logLevel: { json: ['verbose'], flags: ['verbose', 'quiet'], convert: toLogLevel, default: 'info' as LogLevel, doc: '-v logs debug messages, -q errors only; in a file, verbose counts as in ssserver (-2 to 1)' },
  managerAddress: { json: ['manager_address'], flags: ['manager-address'], convert: toManagerAddress, doc: 'Serve the ss-manager API (add, remove, list, ping, stat) on this UDP HOST:PORT; off by default' } satisfies Setting<ManagerAddress>,
  metrics: { json: ['metrics'], flags: ['metrics'], convert: toListenAddress, doc: 'Serve Prometheus metrics on HOST:PORT/metrics; a bare port binds 127.0.0.1 [default: off]' },
  logFormat: { json: ['log_format'], flags: ['log-format'], convert: toLogFormat, default: 'text' as LogFormat, doc: 'Log lines as text (key=value) or json (one object a line)' },
  accessLog: { json: ['access_log'], flags: ['access-log'], convert: toAccessLog, doc: "One line per connection to '-' (stderr) or a file (appended) [default: off]" },
  publicHost: { json: ['public_host'], flags: ['public-host'], convert: toText, doc: 'Host name or IP clients connect to, put in shared ss:// URIs and SIP008 documents' },
  ...SHARED_PROCESS_SETTINGS,
} satisfies SettingsTable<ServerProcessSettings>);

/**
 * Checks the settings among `options`, merges the defaults and derives the
 * key: the data half of `resolveServerOptions()`.
 * @throws SsError `ERR_SS_CONFIG` naming the bad option
 */
export function resolveServerSettings(options: ServerSettings): ResolvedServerConfig {
  if (options === null || typeof options !== 'object') throw configError('options', 'must be an object');
  const c = convertOptions(SERVER_SETTINGS, options);
  const spec = getMethod(c.method!)!;
  return {
    hosts: c.host === undefined ? [] : ([] as string[]).concat(c.host),
    port: c.port!,
    method: spec.name as MethodName,
    ...resolveUsers(spec, c.password, c.key, c.users),
    idleTimeoutMs: c.idleTimeoutMs!,
    handshakeTimeoutMs: c.handshakeTimeoutMs!,
    connectTimeoutMs: c.connectTimeoutMs!,
    shutdownGraceMs: c.shutdownGraceMs!,
    forbiddenIp: c.forbiddenIp!,
    replayCapacity: c.replayCapacity!,
    mode: c.mode!,
    natTimeoutMs: c.natTimeoutMs!,
    natCapacity: c.natCapacity!,
    nameservers: c.nameservers!,
    ipv6First: c.ipv6First!,
    ...(c.outboundProxy === undefined ? {} : { outboundProxy: c.outboundProxy }),
    outboundProxyRemoteDns: c.outboundProxyRemoteDns!,
    ...pluginOf(c),
  };
}

// A plugin stands in front of the TCP port: a UDP-only server has none to front.
function pluginOf(c: { plugin?: string; pluginOpts?: string; pluginArgs?: string[]; pluginMode?: PluginMode; mode?: ServerMode }): { plugin?: ResolvedPlugin } {
  const plugin = resolvePlugin(c);
  if (plugin === undefined) return {};
  if (c.mode === 'udp_only') throw configError('plugin', 'needs TCP: it cannot be used with mode udp_only');
  return { plugin };
}

function toBoolean(v: unknown, key: string): boolean {
  if (typeof v !== 'boolean') throw configError(key, `must be a boolean, got ${typeName(v)}`);
  return v;
}

// The API takes an array; the file and the flags also take ADDR[:PORT][,...] text.
function toNameservers(v: unknown, key: string, source: SettingSource): string[] {
  if (source === 'option' && !Array.isArray(v)) throw configError(key, `must be an array of ADDR[:PORT] strings, got ${typeName(v)}`);
  return parseNameservers(v, key);
}
