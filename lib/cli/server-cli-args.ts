/**
 * The command line of `ss-stream-server`: its flags as data, parsed with
 * {@link parseFlags}. Flags keep their text here; {@link buildServerCliOptions}
 * checks and converts them so that errors name the flag.
 */
import { SERVER_SETTINGS } from '../config/server-settings.js';
import { SERVER_MODES } from '../config/mode.js';
import { DEFAULT_SERVER_PORT } from '../constants.js';
import type { CommandSpec } from './parse-flags.js';
import { argsOf, exclusive, ignoredFlagWarnings, modeOf, parseCommandLine, pluginFlags, withSharedOptions } from './shared-cli-options.js';

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

/** The flags of `ss-stream-server`, its own and then the shared ones. */
export const SERVER_COMMAND: CommandSpec = withSharedOptions({
  name: 'ss-stream-server',
  usage: ['[options]'],
  description: 'A Shadowsocks server (AEAD and 2022). With no password or key, one is generated and printed as an ss:// URI.',
  flags: [
    { name: 'server', alias: 's', type: 'string', repeatable: true, description: 'Address to listen on (repeatable) [default: all interfaces, IPv4 and IPv6]' },
    { name: 'server-port', alias: 'p', type: 'string', description: `Port to listen on; 0 picks a free one [default: ${DEFAULT_SERVER_PORT}]` },
    { name: 'config', alias: 'c', type: 'string', description: 'JSON config file (ssserver, libev or shadowsocks-rust keys; one file can serve ss-stream-local too); flags override it' },
    { name: 'timeout', alias: 't', type: 'string', description: 'Idle timeout, seconds [default: 300]' },
    { name: 'handshake-timeout', type: 'string', description: 'Time for a client to send its target address, seconds [default: 60]' },
    { name: 'connect-timeout', type: 'string', description: 'Time to connect to a target, seconds [default: 10]' },
    { name: 'forbidden-ip', type: 'string', description: "Comma-separated IPs/CIDRs clients may not reach, replacing the default private ranges; '' allows all" },
    { name: 'nameserver', alias: 'd', type: 'string', repeatable: true, description: 'Name servers for target names, ADDR[:PORT][,...] ([v6]:port), repeatable [default: the system\'s]' },
    { name: 'ipv6-first', alias: '6', type: 'boolean', description: 'Try IPv6 addresses of target names first [default: IPv4 first]' },
    { name: 'outbound-proxy', type: 'string', description: SERVER_SETTINGS.outboundProxy.doc },
    { name: 'outbound-proxy-remote-dns', type: 'boolean', description: SERVER_SETTINGS.outboundProxyRemoteDns.doc },
    { name: 'mode', type: 'string', description: `Relay TCP, UDP or both: ${SERVER_MODES.join(', ')} [default: tcp_and_udp]` },
    ...pluginFlags(SERVER_SETTINGS),
    { name: 'tcp-and-udp', alias: 'u', type: 'boolean', description: 'Relay TCP and UDP (= --mode tcp_and_udp, the default; as libev\'s -u)' },
    { name: 'udp-only', alias: 'U', type: 'boolean', description: 'Relay UDP only (= --mode udp_only; as libev\'s -U)' },
    { name: 'workers', type: 'string', description: 'Processes serving the same port(s), with node:cluster; UDP is served by the first one [default: 1]' },
    { name: 'manager-address', type: 'string', description: 'Serve the ss-manager API (add, remove, list, ping, stat) on this UDP HOST:PORT; off by default' },
    { name: 'metrics', type: 'string', description: 'Serve Prometheus metrics on HOST:PORT/metrics; a bare port binds 127.0.0.1 [default: off]' },
    { name: 'access-log', type: 'string', description: "One line per connection to '-' (stderr) or a file (appended) [default: off]" },
    { name: 'genkey', type: 'boolean', description: 'Print a fresh key for -m (a base64 PSK for 2022 methods, a strong password for AEAD) and exit' },
    { name: 'print-uri', type: 'boolean', description: 'Print the ss:// URI (SIP002) of every port and user, one a line, and exit without listening' },
    { name: 'qr', type: 'boolean', description: 'Also draw each printed URI as a QR code (with --print-uri, or for a generated password)' },
    { name: 'sip008', type: 'string', description: 'Write every port and user as a SIP008 JSON document to FILE (mode 0600: it holds passwords)' },
    { name: 'public-host', type: 'string', description: 'Host name or IP clients connect to, put in URIs and SIP008 [default: the listening address, else this machine\'s first]' },
  ],
  conflicts: [...exclusive('tcp-and-udp', ['udp-only', 'mode']), ['udp-only', 'mode']],
});

/**
 * Parses argv (without `node` and the script). Gives help or the version
 * text to `print` (default: stdout) when asked, and then returns `undefined`.
 * @throws Error a usage error naming the flag (unknown flag, missing value, conflict)
 */
export async function parseServerCliArgs(argv: readonly string[], version: string, print: (text: string) => void = (text) => process.stdout.write(`${text}\n`)): Promise<ServerCliArgs | undefined> {
  const flags = parseCommandLine(SERVER_COMMAND, argv, version, print);
  if (flags === undefined) return undefined;
  return {
    ...argsOf(SERVER_COMMAND, flags, ['tcp-and-udp', 'udp-only', 'mode']),
    mode: modeOf(flags),
    ignoredFlags: ignoredFlagWarnings(flags),
    verbose: flags.has('verbose'),
    quiet: flags.has('quiet'),
  };
}
