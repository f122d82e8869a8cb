/**
 * The command line of `ss-stream-server`, parsed with yargs. Flags keep
 * their text here; {@link buildServerCliOptions} checks and converts them so
 * that errors name the flag.
 */
import yargs from 'yargs';
import { SERVER_SETTINGS } from '../config/server-settings.js';
import { SERVER_MODES } from '../config/mode.js';
import { DEFAULT_SERVER_PORT } from '../constants.js';
import { ignoredFlagWarnings, last, parseWithHints, withSharedOptions } from './shared-cli-options.js';

/** The flags as given (strings, not yet validated). */
export interface ServerCliArgs {
  server?: string[];
  serverPort?: string;
  password?: string;
  key?: string;
  passwordFile?: string;
  keyFile?: string;
  nofile?: string;
  method?: string;
  config?: string;
  timeout?: string;
  handshakeTimeout?: string;
  connectTimeout?: string;
  forbiddenIp?: string;
  /** `--mode`, or `tcp_and_udp` for `-u`, `udp_only` for `-U` (as libev's ss-server). */
  mode?: string;
  plugin?: string;
  pluginOpts?: string;
  pluginArgs?: string[];
  pluginMode?: string;
  nameserver?: string[];
  ipv6First?: boolean;
  outboundProxy?: string;
  outboundProxyRemoteDns?: boolean;
  workers?: string;
  managerAddress?: string;
  metrics?: string;
  logFormat?: string;
  accessLog?: string;
  /** Print a fresh key (or password) for the method and exit. */
  genkey?: boolean;
  /** `--print-uri`: print the ss:// URI of every port and user, and exit. */
  printUri?: boolean;
  /** `--qr`: draw each printed URI as a QR code too. */
  qr?: boolean;
  /** `--sip008 FILE`: write the servers as a SIP008 document (mode 0600). */
  sip008?: string;
  /** `--public-host HOST`: the host put in URIs and the SIP008 document. */
  publicHost?: string;
  /** One warning per libev switch given that we do not act on (`--fast-open` ...). */
  ignoredFlags?: string[];
  verbose: boolean;
  quiet: boolean;
}

/**
 * Parses argv (without `node` and the script). Prints help or the version
 * to stdout when asked, and then returns `undefined`.
 * @throws Error a usage error from yargs (unknown flag, bad choice, conflict)
 */
export async function parseServerCliArgs(argv: readonly string[], version: string): Promise<ServerCliArgs | undefined> {
  const p = parser(argv, version);
  const parsed = await parseWithHints(p, () => p.parseAsync());
  if (parsed.help === true || parsed.version === true) return undefined;
  return {
    server: parsed.server,
    serverPort: last(parsed.serverPort),
    password: last(parsed.password),
    key: last(parsed.key),
    passwordFile: last(parsed.passwordFile),
    keyFile: last(parsed.keyFile),
    nofile: last(parsed.nofile),
    method: last(parsed.method),
    config: last(parsed.config),
    timeout: last(parsed.timeout),
    handshakeTimeout: last(parsed.handshakeTimeout),
    connectTimeout: last(parsed.connectTimeout),
    forbiddenIp: last(parsed.forbiddenIp),
    mode: parsed.udpOnly === true ? 'udp_only' : parsed.tcpAndUdp === true ? 'tcp_and_udp' : last(parsed.mode),
    plugin: last(parsed.plugin),
    pluginOpts: last(parsed.pluginOpts),
    pluginArgs: parsed.pluginArgs === undefined ? undefined : [parsed.pluginArgs].flat().map(String),
    pluginMode: last(parsed.pluginMode),
    nameserver: parsed.nameserver === undefined ? undefined : [parsed.nameserver].flat(),
    ipv6First: parsed.ipv6First === true ? true : undefined,
    outboundProxy: last(parsed.outboundProxy),
    outboundProxyRemoteDns: parsed.outboundProxyRemoteDns === true ? true : undefined,
    workers: last(parsed.workers),
    managerAddress: last(parsed.managerAddress),
    metrics: last(parsed.metrics),
    logFormat: last(parsed.logFormat),
    accessLog: last(parsed.accessLog),
    genkey: parsed.genkey === true ? true : undefined,
    printUri: parsed.printUri === true ? true : undefined,
    qr: parsed.qr === true ? true : undefined,
    sip008: last(parsed.sip008),
    publicHost: last(parsed.publicHost),
    ignoredFlags: ignoredFlagWarnings(parsed),
    verbose: parsed.verbose === true,
    quiet: parsed.quiet === true,
  };
}

function parser(argv: readonly string[], version: string) {
  const own = yargs([...argv])
    .scriptName('ss-stream-server')
    .usage('$0 [options]\n\nA Shadowsocks server (AEAD and 2022). With no password or key, one is generated and printed as an ss:// URI.')
    .option('server', { alias: 's', type: 'string', array: true, description: 'Address to listen on (repeatable) [default: all interfaces, IPv4 and IPv6]' })
    .option('server-port', { alias: 'p', type: 'string', description: `Port to listen on; 0 picks a free one [default: ${DEFAULT_SERVER_PORT}]` })
    .option('config', { alias: 'c', type: 'string', description: 'JSON config file (ssserver, libev or shadowsocks-rust keys; one file can serve ss-stream-local too); flags override it' })
    .option('timeout', { alias: 't', type: 'string', description: 'Idle timeout, seconds [default: 300]' })
    .option('handshake-timeout', { type: 'string', description: 'Time for a client to send its target address, seconds [default: 60]' })
    .option('connect-timeout', { type: 'string', description: 'Time to connect to a target, seconds [default: 10]' })
    .option('forbidden-ip', { type: 'string', description: "Comma-separated IPs/CIDRs clients may not reach, replacing the default private ranges; '' allows all" })
    .option('nameserver', { alias: 'd', type: 'string', description: 'Name servers for target names, ADDR[:PORT][,...] ([v6]:port), repeatable [default: the system\'s]' })
    .option('ipv6-first', { alias: '6', type: 'boolean', description: 'Try IPv6 addresses of target names first [default: IPv4 first]' })
    .option('outbound-proxy', { type: 'string', description: SERVER_SETTINGS.outboundProxy.doc })
    .option('outbound-proxy-remote-dns', { type: 'boolean', description: SERVER_SETTINGS.outboundProxyRemoteDns.doc })
    .option('mode', { type: 'string', description: `Relay TCP, UDP or both: ${SERVER_MODES.join(', ')} [default: tcp_and_udp]` })
    .option('plugin', { type: 'string', description: SERVER_SETTINGS.plugin.doc })
    .option('plugin-opts', { type: 'string', description: SERVER_SETTINGS.pluginOpts.doc })
    .option('plugin-args', { type: 'string', array: true, nargs: 1, description: SERVER_SETTINGS.pluginArgs.doc })
    .option('plugin-mode', { type: 'string', description: 'tcp_only: UDP stays direct on the port; tcp_and_udp: UDP goes through the plugin too (SIP003u) [default: tcp_only]' })
    .option('tcp-and-udp', { alias: 'u', type: 'boolean', description: 'Relay TCP and UDP (= --mode tcp_and_udp, the default; as libev\'s -u)' })
    .option('udp-only', { alias: 'U', type: 'boolean', description: 'Relay UDP only (= --mode udp_only; as libev\'s -U)' })
    .conflicts('tcp-and-udp', ['udp-only', 'mode'])
    .conflicts('udp-only', 'mode')
    .option('workers', { type: 'string', description: 'Processes serving the same port(s), with node:cluster; UDP is served by the first one [default: 1]' })
    .option('manager-address', { type: 'string', description: 'Serve the ss-manager API (add, remove, list, ping, stat) on this UDP HOST:PORT; off by default' })
    .option('metrics', { type: 'string', description: 'Serve Prometheus metrics on HOST:PORT/metrics; a bare port binds 127.0.0.1 [default: off]' })
    .option('access-log', { type: 'string', nargs: 1, description: "One line per connection to '-' (stderr) or a file (appended) [default: off]" })
    .option('genkey', { type: 'boolean', description: 'Print a fresh key for -m (a base64 PSK for 2022 methods, a strong password for AEAD) and exit' })
    .option('print-uri', { type: 'boolean', description: 'Print the ss:// URI (SIP002) of every port and user, one a line, and exit without listening' })
    .option('qr', { type: 'boolean', description: 'Also draw each printed URI as a QR code (with --print-uri, or for a generated password)' })
    .option('sip008', { type: 'string', nargs: 1, description: 'Write every port and user as a SIP008 JSON document to FILE (mode 0600: it holds passwords)' })
    .option('public-host', { type: 'string', nargs: 1, description: 'Host name or IP clients connect to, put in URIs and SIP008 [default: the listening address, else this machine\'s first]' });
  return withSharedOptions(own, version);
}
