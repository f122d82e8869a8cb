/**
 * The command line of `ss-stream-local`: its flags as data, parsed with
 * {@link parseFlags}. The flags are those of shadowsocks-libev `ss-local`
 * (and `-L` from `ss-tunnel`); their text is kept here, and
 * {@link buildLocalCliOptions} checks and converts it so that errors name
 * the flag.
 */
import { LOCAL_SETTINGS } from '../config/local-settings.js';
import { DEFAULT_SERVER_PORT } from '../constants.js';
import { SERVER_MODES } from '../config/mode.js';
import { DEFAULT_LOCAL_ADDRESS, DEFAULT_LOCAL_MODE, DEFAULT_LOCAL_PORT } from '../local/local-options.js';
import type { CommandSpec } from './parse-flags.js';
import { argsOf, exclusive, ignoredFlagWarnings, modeOf, parseCommandLine, pluginFlags, withSharedOptions } from './shared-cli-options.js';

/** The flags as given (strings, not yet validated). */
export interface LocalCliArgs {
  server?: string;
  serverPort?: string;
  serverUrl?: string;
  /** `--online-config-url`: a SIP008 document to take the server from. */
  onlineConfigUrl?: string;
  /** `--server-tag`: which server of the online config (its remarks or id). */
  serverTag?: string;
  localAddress?: string;
  localPort?: string;
  password?: string;
  key?: string;
  passwordFile?: string;
  keyFile?: string;
  nofile?: string;
  method?: string;
  config?: string;
  timeout?: string;
  tunnel?: string;
  socksUsername?: string;
  socksPassword?: string;
  /** `--proxy`: the upstream proxy URL to the server. */
  proxy?: string;
  /** `--mode`, or `tcp_and_udp` for `-u`, `udp_only` for `-U`. */
  mode?: string;
  plugin?: string;
  pluginOpts?: string;
  pluginArgs?: string[];
  pluginMode?: string;
  /** `--log-format`: text or json. */
  logFormat?: string;
  /** One warning per libev switch given that we do not act on (`--fast-open` ...). */
  ignoredFlags?: string[];
  verbose: boolean;
  quiet: boolean;
}

/** The flags of `ss-stream-local`, its own and then the shared ones. */
export const LOCAL_COMMAND: CommandSpec = withSharedOptions({
  name: 'ss-stream-local',
  usage: ['-s <server> -k <password> [options]', '--server-url ss://... [options]', '--online-config-url https://... [--server-tag TAG] [options]'],
  description: 'A Shadowsocks AEAD client: a SOCKS5 and HTTP proxy on one local port (or, with -L, a tunnel to one target).',
  flags: [
    { name: 'server', alias: 's', type: 'string', description: 'Shadowsocks server host name or IP' },
    { name: 'server-port', alias: 'p', type: 'string', description: `Shadowsocks server port [default: ${DEFAULT_SERVER_PORT}]` },
    { name: 'server-url', type: 'string', description: 'The server as a SIP002 ss:// URI, instead of -s, -p, -k and -m' },
    { name: 'online-config-url', type: 'string', description: 'Take the server from a SIP008 online config at this https URL (the first server, or --server-tag)' },
    { name: 'server-tag', type: 'string', description: 'With --online-config-url: use the server whose remarks (or id) is this [default: the first]' },
    { name: 'local-address', alias: 'b', type: 'string', description: `Address to listen on [default: ${DEFAULT_LOCAL_ADDRESS}]` },
    { name: 'local-port', alias: 'l', type: 'string', description: `Port to listen on; 0 picks a free one [default: ${DEFAULT_LOCAL_PORT}]` },
    { name: 'config', alias: 'c', type: 'string', description: 'JSON config file (ss-local keys; the server\'s file works too); flags override it' },
    { name: 'timeout', alias: 't', type: 'string', description: 'Idle timeout, seconds; also ends a wait on a silent server [default: 300]' },
    { name: 'tunnel', alias: 'L', type: 'string', description: 'Tunnel mode: forward every connection to this host:port, with no SOCKS5/HTTP handshake' },
    { name: 'socks-username', type: 'string', description: 'Require this SOCKS5 username (RFC 1929) / HTTP proxy Basic user' },
    { name: 'socks-password', type: 'string', description: 'Require this SOCKS5 / HTTP proxy password' },
    { name: 'proxy', type: 'string', description: LOCAL_SETTINGS.proxy.doc },
    { name: 'mode', type: 'string', description: `Relay TCP, UDP or both: ${SERVER_MODES.join(', ')} [default: ${DEFAULT_LOCAL_MODE}]` },
    ...pluginFlags(LOCAL_SETTINGS),
    { name: 'tcp-and-udp', alias: 'u', type: 'boolean', description: 'Relay TCP and UDP: SOCKS5 UDP ASSOCIATE, and UDP in tunnel mode (= --mode tcp_and_udp)' },
    { name: 'udp-only', alias: 'U', type: 'boolean', description: 'Relay UDP only: SOCKS5 serves only UDP ASSOCIATE; a tunnel forwards only UDP (= --mode udp_only)' },
  ],
  conflicts: [
    ...exclusive('tcp-and-udp', ['udp-only', 'mode']),
    ['udp-only', 'mode'],
    ...exclusive('server-url', ['server', 'server-port', 'password', 'key', 'password-file', 'key-file', 'method', 'online-config-url']),
    ...exclusive('online-config-url', ['server', 'server-port', 'password', 'key', 'password-file', 'key-file', 'method']),
  ],
});

/**
 * Parses argv (without `node` and the script). Gives help or the version
 * text to `print` (default: stdout) when asked, and then returns `undefined`.
 * @throws Error a usage error naming the flag (unknown flag, missing value, conflict)
 */
export async function parseLocalCliArgs(argv: readonly string[], version: string, print: (text: string) => void = (text) => process.stdout.write(`${text}\n`)): Promise<LocalCliArgs | undefined> {
  const flags = parseCommandLine(LOCAL_COMMAND, argv, version, print);
  if (flags === undefined) return undefined;
  return {
    ...argsOf(LOCAL_COMMAND, flags, ['tcp-and-udp', 'udp-only', 'mode']),
    mode: modeOf(flags),
    ignoredFlags: ignoredFlagWarnings(flags),
    verbose: flags.has('verbose'),
    quiet: flags.has('quiet'),
  };
}
