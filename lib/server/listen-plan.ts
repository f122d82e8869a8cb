/**
 * What a server binds: its configured addresses, or, behind a SIP003 plugin
 * (PROTOCOL.md section 5), a loopback port for the plugin to connect to.
 *
 *   no plugin:                TCP and/or UDP (per `mode`) on every host, one port
 *   plugin, tcp_only:         plugin on host:port (TCP) ─▶ us on 127.0.0.1:P (TCP)
 *                             UDP (per `mode`) stays on host:port, direct, as libev does
 *   plugin, tcp_and_udp:      plugin on host:port (TCP and UDP, SIP003u) ─▶ us on 127.0.0.1:P (TCP and UDP)
 *
 * The plugin itself is started by the server once P is bound
 * (transport/plugin-process.ts), unless another process runs it and gave
 * us P (`pluginLocalPort`: the cluster primary, with `--workers`).
 */
import { isIPv6, type AddressInfo } from 'node:net';
import { formatHostPort, stripBrackets } from '../protocol/address.js';
import type { Logger } from '../logger.js';
import { freePort } from '../transport/free-port.js';
import { PLUGIN_LOOPBACK } from '../transport/plugin-process.js';
import type { ResolvedServerConfig } from '../config/server-settings.js';

/** One address to bind: TCP, UDP or both on host:port. */
export interface ListenBind {
  /** An IP literal (brackets stripped); undefined: all interfaces. */
  host: string | undefined;
  /** 0: the port the first bind got (or a free one for the first). */
  port: number;
  tcp: boolean;
  udp: boolean;
  /** For `::` beside other hosts: IPv4 goes to the IPv4 host. */
  ipv6Only: boolean;
}

export { PLUGIN_LOOPBACK };

/** The binds of a server without a plugin. */
export function directBinds(config: ResolvedServerConfig): ListenBind[] {
  const hosts = config.hosts.length === 0 ? [undefined] : config.hosts;
  return hosts.map((host) => ({
    host: host === undefined ? undefined : stripBrackets(host),
    port: config.port,
    tcp: config.mode !== 'udp_only',
    udp: config.mode !== 'tcp_only',
    // With several hosts, '::' must not also claim IPv4 (the IPv4 host gets it).
    ipv6Only: hosts.length > 1 && (host === '::' || host === '[::]'),
  }));
}

/** Where a server behind a plugin is reached, and what it binds. */
export interface PluginPlan {
  binds: ListenBind[];
  /** The public port: the configured one, or one picked for port 0. */
  publicPort: number;
  /** `SS_REMOTE_HOST`: the hosts joined by `|` (as libev); `0.0.0.0` for all interfaces. */
  remoteHost: string;
  /** Where to check that the plugin listens. */
  probeHost: string;
  /** The public addresses, as the server reports them. */
  addresses: AddressInfo[];
}

/**
 * Plans a server behind its plugin: picks the public port for port 0 and
 * lists the binds (the loopback one first).
 * @param localPort the loopback port, when another process runs the plugin; else 0 (picked at bind)
 */
export async function planBehindPlugin(config: ResolvedServerConfig, localPort = 0): Promise<PluginPlan> {
  const hosts = config.hosts.map(stripBrackets);
  const publicPort = config.port !== 0 ? config.port : await freePort(hosts[0]);
  const viaPlugin = config.plugin!.pluginMode === 'tcp_and_udp';
  const udp = config.mode !== 'tcp_only';
  const binds: ListenBind[] = [{ host: PLUGIN_LOOPBACK, port: localPort, tcp: true, udp: udp && viaPlugin, ipv6Only: false }];
  if (udp && !viaPlugin) for (const b of directBinds({ ...config, port: publicPort })) binds.push({ ...b, tcp: false });
  const shown = hosts.length === 0 ? ['0.0.0.0'] : hosts;
  const first = shown[0]!;
  const wildcard = first === '0.0.0.0' || first === '::';
  return {
    binds,
    publicPort,
    remoteHost: shown.join('|'),
    probeHost: wildcard ? (first === '::' ? '::1' : PLUGIN_LOOPBACK) : first,
    addresses: shown.map((address) => ({ address, family: isIPv6(address) ? 'IPv6' : 'IPv4', port: publicPort })),
  };
}

/** Opens one listening socket; resolves with its address. */
export type BindFunction = (options: { host: string | undefined; port: number; ipv6Only: boolean }) => Promise<AddressInfo>;

/**
 * Binds `binds` in order: TCP first, then UDP on the address and port TCP
 * got; a port 0 after the first bind means the first bind's port.
 * @returns the port of the first bind
 */
export async function bindAll(binds: readonly ListenBind[], bind: { tcp: BindFunction; udp: BindFunction }, logger: Logger, method: string): Promise<number> {
  let firstPort: number | undefined;
  for (const b of binds) {
    const port = b.port === 0 && firstPort !== undefined ? firstPort : b.port;
    let bound: AddressInfo | undefined;
    if (b.tcp) {
      bound = await bind.tcp({ host: b.host, port, ipv6Only: b.ipv6Only });
      logger.info('listening', { address: formatHostPort(bound.address, bound.port), method });
    }
    if (b.udp) {
      const a = await bind.udp({ host: bound?.address ?? b.host, port: bound?.port ?? port, ipv6Only: b.ipv6Only });
      logger.info('listening (udp)', { address: formatHostPort(a.address, a.port), method });
      bound ??= a;
    }
    firstPort ??= bound!.port;
  }
  return firstPort!;
}
