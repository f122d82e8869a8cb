/**
 * The command line of `ss-stream-local`, parsed with yargs. The flags are
 * those of shadowsocks-libev `ss-local` (and `-L` from `ss-tunnel`); their
 * text is kept here, and {@link buildLocalCliOptions} checks and converts it
 * so that errors name the flag.
 */
import yargs from 'yargs';
import { LOCAL_SETTINGS } from '../config/local-settings.js';
import { DEFAULT_SERVER_PORT } from '../constants.js';
import { SERVER_MODES } from '../config/mode.js';
import { DEFAULT_LOCAL_ADDRESS, DEFAULT_LOCAL_MODE, DEFAULT_LOCAL_PORT } from '../local/local-options.js';
import { ignoredFlagWarnings, last, parseWithHints, withSharedOptions } from './shared-cli-options.js';

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

/**
 * Parses argv (without `node` and the script). Gives help or the version
 * text to `print` (default: stdout) when asked, and then returns `undefined`.
 * @throws Error a usage error from yargs (unknown flag, bad choice, conflict)
 */
export async function parseLocalCliArgs(argv: readonly string[], version: string, print: (text: string) => void = (text) => process.stdout.write(`${text}\n`)): Promise<LocalCliArgs | undefined> {
  let output = '';
  const own = yargs()
    .scriptName('ss-stream-local')
    .usage('$0 -s <server> -k <password> [options]\n$0 --server-url ss://... [options]\n$0 --online-config-url https://... [--server-tag TAG] [options]\n\nA Shadowsocks AEAD client: a SOCKS5 and HTTP proxy on one local port (or, with -L, a tunnel to one target).')
    .option('server', { alias: 's', type: 'string', description: 'Shadowsocks server host name or IP' })
    .option('server-port', { alias: 'p', type: 'string', description: `Shadowsocks server port [default: ${DEFAULT_SERVER_PORT}]` })
    .option('server-url', { type: 'string', description: 'The server as a SIP002 ss:// URI, instead of -s, -p, -k and -m' })
    .option('online-config-url', { type: 'string', nargs: 1, description: 'Take the server from a SIP008 online config at this https URL (the first server, or --server-tag)' })
    .option('server-tag', { type: 'string', nargs: 1, description: 'With --online-config-url: use the server whose remarks (or id) is this [default: the first]' })
    .option('local-address', { alias: 'b', type: 'string', description: `Address to listen on [default: ${DEFAULT_LOCAL_ADDRESS}]` })
    .option('local-port', { alias: 'l', type: 'string', description: `Port to listen on; 0 picks a free one [default: ${DEFAULT_LOCAL_PORT}]` })
    .option('config', { alias: 'c', type: 'string', description: 'JSON config file (ss-local keys; the server\'s file works too); flags override it' })
    .option('timeout', { alias: 't', type: 'string', description: 'Idle timeout, seconds; also ends a wait on a silent server [default: 300]' })
    .option('tunnel', { alias: 'L', type: 'string', description: 'Tunnel mode: forward every connection to this host:port, with no SOCKS5/HTTP handshake' })
    .option('socks-username', { type: 'string', description: 'Require this SOCKS5 username (RFC 1929) / HTTP proxy Basic user' })
    .option('socks-password', { type: 'string', description: 'Require this SOCKS5 / HTTP proxy password' })
    .option('proxy', { type: 'string', description: LOCAL_SETTINGS.proxy.doc })
    .option('mode', { type: 'string', description: `Relay TCP, UDP or both: ${SERVER_MODES.join(', ')} [default: ${DEFAULT_LOCAL_MODE}]` })
    .option('plugin', { type: 'string', description: LOCAL_SETTINGS.plugin.doc })
    .option('plugin-opts', { type: 'string', description: LOCAL_SETTINGS.pluginOpts.doc })
    .option('plugin-args', { type: 'string', array: true, nargs: 1, description: LOCAL_SETTINGS.pluginArgs.doc })
    .option('plugin-mode', { type: 'string', description: 'tcp_only: UDP goes straight to the server; tcp_and_udp: UDP goes through the plugin too (SIP003u) [default: tcp_only]' })
    .option('tcp-and-udp', { alias: 'u', type: 'boolean', description: 'Relay TCP and UDP: SOCKS5 UDP ASSOCIATE, and UDP in tunnel mode (= --mode tcp_and_udp)' })
    .option('udp-only', { alias: 'U', type: 'boolean', description: 'Relay UDP only: SOCKS5 serves only UDP ASSOCIATE; a tunnel forwards only UDP (= --mode udp_only)' })
    .conflicts('tcp-and-udp', ['udp-only', 'mode'])
    .conflicts('udp-only', 'mode')
    .conflicts('server-url', ['server', 'server-port', 'password', 'key', 'password-file', 'key-file', 'method', 'online-config-url'])
    .conflicts('online-config-url', ['server', 'server-port', 'password', 'key', 'password-file', 'key-file', 'method']);
  const p = withSharedOptions(own, version);
  // With a parse callback yargs hands over help and version text instead of printing it.
  const parsed = await parseWithHints(p, () => p.parseAsync([...argv], {}, (_err, _argv, text) => { output = text; }));
  if (parsed.help === true || parsed.version === true) {
    print(output);
    return undefined;
  }
  return {
    server: last(parsed.server),
    serverPort: last(parsed.serverPort),
    serverUrl: last(parsed.serverUrl),
    onlineConfigUrl: last(parsed.onlineConfigUrl),
    serverTag: last(parsed.serverTag),
    localAddress: last(parsed.localAddress),
    localPort: last(parsed.localPort),
    password: last(parsed.password),
    key: last(parsed.key),
    passwordFile: last(parsed.passwordFile),
    keyFile: last(parsed.keyFile),
    nofile: last(parsed.nofile),
    method: last(parsed.method),
    config: last(parsed.config),
    timeout: last(parsed.timeout),
    tunnel: last(parsed.tunnel),
    socksUsername: last(parsed.socksUsername),
    socksPassword: last(parsed.socksPassword),
    proxy: last(parsed.proxy),
    mode: parsed.udpOnly === true ? 'udp_only' : parsed.tcpAndUdp === true ? 'tcp_and_udp' : last(parsed.mode),
    plugin: last(parsed.plugin),
    pluginOpts: last(parsed.pluginOpts),
    pluginArgs: parsed.pluginArgs === undefined ? undefined : [parsed.pluginArgs].flat().map(String),
    pluginMode: last(parsed.pluginMode),
    logFormat: last(parsed.logFormat),
    ignoredFlags: ignoredFlagWarnings(parsed),
    verbose: parsed.verbose === true,
    quiet: parsed.quiet === true,
  };
}
