/**
 * Configuration: the one place where shadowsocks JSON keys (Python ssserver
 * and shadowsocks-libev) become camelCase API options, and where options are
 * validated and keys derived. Every error names the offending key.
 *
 *   config.json ──parseConfig()──▶ ServerOptions ──resolveServerOptions()──▶ ResolvedServerConfig
 *   (snake_case)                    (camelCase API)                           (spec + master key)
 */
import { connect as netConnect } from 'node:net';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_METHOD,
  DEFAULT_REPLAY_CAPACITY,
  DEFAULT_SERVER_PORT,
  DEFAULT_SHUTDOWN_GRACE_MS,
  DEFAULT_TIMEOUT_S,
} from '../constants.js';
import { ReplayFilter } from '../crypto/replay-filter.js';
import { getMethod, METHOD_NAMES, type CipherSpec } from '../crypto/methods.js';
import { configError } from '../errors.js';
import { NOOP_LOGGER, type Logger } from '../logger.js';
import type { ConnectionInfo, ConnectionStats, RelayTransforms } from './tcp-session.js';
import type { ConnectFunction, LookupFunction } from '../transport/dial.js';
import { checkFunction, checkInstance, checkInt, checkMs, checkPort, checkString, stripUndefined } from '../config/check.js';
import { deriveMasterKey } from '../config/master-key.js';
import { checkMode, type ServerMode } from '../config/mode.js';
import { DEFAULT_FORBIDDEN_RANGES, TargetFilter } from './egress/target-filter.js';
import { DnsResolver } from './egress/dns-resolver.js';
import { parseNameservers } from './egress/parse-nameservers.js';
import { DEFAULT_NAT_CAPACITY, DEFAULT_NAT_TIMEOUT_MS } from '../transport/nat-table.js';



/** Options of {@link createServer}. Only `password` (or `key`) is required. */
export interface ServerOptions {
  /** Address(es) to listen on. Default: all interfaces, IPv4 and IPv6. */
  host?: string | string[];
  /** Port to listen on; 0 picks a free one. Default 8388. */
  port?: number;
  /** The shared password. */
  password?: string;
  /** A raw master key, base64 (standard or URL-safe), instead of a password (as libev's `key`). */
  key?: string;
  /** The AEAD method. Default `chacha20-ietf-poly1305`. */
  method?: string;
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
  /**
   * The TCP replay filter to use, to share one between several servers (or,
   * with its `onAdd` hook, between processes). Default: a new one of
   * `replayCapacity`.
   */
  replayFilter?: ReplayFilter;
  /**
   * Resolver for host-name targets (`dns.lookup` signature, called with
   * `{all: true}`). Default: a {@link DnsResolver} (c-ares, cached, `/etc/hosts` first).
   */
  lookup?: LookupFunction;
  /**
   * Name servers for target names: `ADDR`, `ADDR:PORT` or `[V6ADDR]:PORT`
   * (libev's `-d`). Default: the system's (`/etc/resolv.conf`). Not used
   * with `lookup`.
   */
  nameservers?: readonly string[];
  /** Try a target name's IPv6 addresses first (libev's `ipv6_first`). Default `false`. Not used with `lookup`. */
  ipv6First?: boolean;
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
  /** TCP, UDP or both, on the same host(s) and port. Default `tcp_and_udp`. */
  mode?: ServerMode;
  /** A UDP association (client address) idle this long is dropped with its sockets, ms. Default 300 000. */
  natTimeoutMs?: number;
  /** Maximum UDP associations; the least recently used is evicted beyond. Default 1024. */
  natCapacity?: number;
}

/** Options after validation, with defaults merged and the key derived. */
export interface ResolvedServerConfig {
  hosts: (string | undefined)[];
  port: number;
  spec: CipherSpec;
  masterKey: Buffer;
  idleTimeoutMs: number;
  handshakeTimeoutMs: number;
  connectTimeoutMs: number;
  shutdownGraceMs: number;
  targetFilter: TargetFilter | undefined;
  replayCapacity: number;
  replayFilter: ReplayFilter | undefined;
  lookup: LookupFunction;
  connect: ConnectFunction;
  logger: Logger;
  onConnectionOpen: ((info: ConnectionInfo) => void) | undefined;
  onConnectionClose: ((stats: ConnectionStats) => void) | undefined;
  transforms: ((info: ConnectionInfo) => RelayTransforms | undefined) | undefined;
  mode: ServerMode;
  natTimeoutMs: number;
  natCapacity: number;
}

/** The defaults, merged in one place. */
export const SERVER_DEFAULTS = Object.freeze({
  port: DEFAULT_SERVER_PORT,
  method: DEFAULT_METHOD,
  idleTimeoutMs: DEFAULT_TIMEOUT_S * 1000,
  handshakeTimeoutMs: DEFAULT_HANDSHAKE_TIMEOUT_MS,
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  shutdownGraceMs: DEFAULT_SHUTDOWN_GRACE_MS,
  forbiddenIp: DEFAULT_FORBIDDEN_RANGES,
  replayCapacity: DEFAULT_REPLAY_CAPACITY,
  mode: 'tcp_and_udp' as ServerMode,
  natTimeoutMs: DEFAULT_NAT_TIMEOUT_MS,
  natCapacity: DEFAULT_NAT_CAPACITY,
});

/**
 * Validates API options, merges defaults and derives the master key.
 * @throws SsError `ERR_SS_CONFIG` naming the bad option
 */
export function resolveServerOptions(options: ServerOptions): ResolvedServerConfig {
  if (options === null || typeof options !== 'object') throw configError('options', 'must be an object');
  const o = { ...SERVER_DEFAULTS, ...stripUndefined(options) };
  const spec = getMethod(checkString(o.method, 'method'));
  if (spec === undefined) throw configError('method', `unknown method '${o.method}' (supported: ${METHOD_NAMES.join(', ')})`);
  const hosts = o.host === undefined ? [undefined] : (Array.isArray(o.host) ? o.host : [o.host]).map((h, i) => checkString(h, `host[${i}]`));
  if (hosts.length === 0) throw configError('host', 'must not be empty');
  return {
    hosts,
    port: checkPort(o.port, 'port'),
    spec,
    masterKey: deriveMasterKey(spec, o.password, o.key),
    idleTimeoutMs: checkMs(o.idleTimeoutMs, 'idleTimeoutMs'),
    handshakeTimeoutMs: checkMs(o.handshakeTimeoutMs, 'handshakeTimeoutMs'),
    connectTimeoutMs: checkMs(o.connectTimeoutMs, 'connectTimeoutMs'),
    shutdownGraceMs: checkMs(o.shutdownGraceMs, 'shutdownGraceMs', true),
    targetFilter: resolveForbidden(o.forbiddenIp),
    replayCapacity: checkInt(o.replayCapacity, 'replayCapacity', 1, 2 ** 24),
    replayFilter: checkInstance(o.replayFilter, ReplayFilter, 'replayFilter'),
    lookup: checkFunction(o.lookup, 'lookup') ?? defaultLookup(o.nameservers, o.ipv6First),
    connect: checkFunction(o.connect, 'connect') ?? ((opts) => netConnect(opts)),
    logger: o.logger ?? NOOP_LOGGER,
    onConnectionOpen: checkFunction(o.onConnectionOpen, 'onConnectionOpen'),
    onConnectionClose: checkFunction(o.onConnectionClose, 'onConnectionClose'),
    transforms: checkFunction(o.transforms, 'transforms'),
    mode: checkMode(o.mode),
    natTimeoutMs: checkMs(o.natTimeoutMs, 'natTimeoutMs'),
    natCapacity: checkInt(o.natCapacity, 'natCapacity', 1, 2 ** 20),
  };
}


function defaultLookup(nameservers: unknown, ipv6First: unknown): LookupFunction {
  if (ipv6First !== undefined && typeof ipv6First !== 'boolean') throw configError('ipv6First', 'must be a boolean');
  if (nameservers !== undefined && !Array.isArray(nameservers)) throw configError('nameservers', 'must be an array of ADDR[:PORT] strings');
  return new DnsResolver({ servers: parseNameservers(nameservers ?? [], 'nameservers'), ipv6First }).lookup;
}

function resolveForbidden(list: unknown): TargetFilter | undefined {
  if (!Array.isArray(list)) throw configError('forbiddenIp', 'must be an array of IPs or CIDRs');
  const entries = list.map((e, i) => checkString(e, `forbiddenIp[${i}]`).trim()).filter((e) => e !== '');
  return entries.length === 0 ? undefined : new TargetFilter(entries);
}

