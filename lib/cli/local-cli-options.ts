/**
 * Layers the `ss-stream-local` command line over its config file:
 *
 *   defaults (createLocal) ◀── config file (parseLocalConfigFile) ◀── --server-url ◀── other flags
 *
 * Flag texts are converted by their rows in {@link LOCAL_SETTINGS}, so that
 * errors name the flag.
 */
import { LOCAL_SETTINGS } from '../config/local-settings.js';
import { convertFlags } from '../config/setting.js';
import { configError } from '../errors.js';
import type { LocalOptions } from '../local/local-options.js';
import type { LogFormat, LogLevel } from '../logger.js';
import { toLogFormat } from '../config/log-output-converters.js';
import { decodeSip002 } from '../config/sip002.js';
import type { LocalCliArgs } from './local-cli-args.js';

/** What the command line asks for, ready for `createLocal()`. */
export interface LocalCliOptions {
  local: LocalOptions;
  logLevel: LogLevel;
  /** `--log-format`; default text. */
  logFormat: LogFormat;
}

/**
 * Merges flags over the file's options and converts the flag texts.
 * @throws SsError `ERR_SS_CONFIG` naming the flag (`--server-port` ...), or
 *   the missing setting (a server, a password or key)
 */
export function buildLocalCliOptions(args: LocalCliArgs, file: LocalOptions = {}): LocalCliOptions {
  const flags: LocalOptions = convertFlags(LOCAL_SETTINGS, args);
  const local: LocalOptions = { ...file, ...urlOptions(args.serverUrl), ...flags };
  // A password (from the URL or -k) replaces a key from the file, and --key a password.
  if (args.serverUrl !== undefined || flags.password !== undefined) delete local.key;
  if (flags.key !== undefined) delete local.password;
  if ((local.socksUsername === undefined) !== (local.socksPassword === undefined)) {
    throw configError(local.socksUsername === undefined ? '--socks-username' : '--socks-password', 'is required with the other one');
  }
  if (local.server === undefined) throw configError('--server', 'is required (or --server-url, or "server" in the config file)');
  if (local.password === undefined && local.key === undefined) throw configError('--password', 'is required (or --key, --server-url, or "password" in the config file)');
  const logFormat = args.logFormat === undefined ? 'text' : toLogFormat(args.logFormat, '--log-format');
  return { local, logLevel: args.verbose ? 'debug' : args.quiet ? 'error' : 'info', logFormat };
}

function urlOptions(url: string | undefined): LocalOptions {
  if (url === undefined) return {};
  let s;
  try {
    s = decodeSip002(url);
  } catch (err) {
    throw configError('--server-url', (err as Error).message);
  }
  if (s.plugin !== undefined && s.plugin !== '') throw configError('--server-url', 'SIP003 plugins are not supported');
  const name = '--server-url';
  return {
    server: LOCAL_SETTINGS.server.convert(s.host, name, 'option'),
    serverPort: LOCAL_SETTINGS.serverPort.convert(s.port, name, 'option'),
    method: LOCAL_SETTINGS.method.convert(s.method, name),
    password: LOCAL_SETTINGS.password.convert(s.password, name),
  };
}
