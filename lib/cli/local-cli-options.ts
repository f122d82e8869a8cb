/**
 * Layers the `ss-stream-local` command line over its config file:
 *
 *   defaults (createLocal) ◀── SS_SERVER_PASSWORD (only with no other secret) ◀── config file (readLocalConfigFile) ◀── online config (SIP008) ◀── --server-url ◀── other flags
 *
 * `--password-file` and `--key-file` arrive already read, as `password` and
 * `key` (see read-secret-file.ts).
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
import { splitSip002Plugin } from '../config/plugin-settings.js';
import type { LocalCliArgs } from './local-cli-args.js';
import { envSecret, type SecretEnv } from './env-secret.js';
import { SHARED_PROCESS_SETTINGS } from '../config/shared-process-settings.js';
import type { LocalFileConfig } from '../config/local-config-file.js';

/** What the command line asks for, ready for `createLocal()`. */
export interface LocalCliOptions {
  local: LocalOptions;
  logLevel: LogLevel;
  /** `--log-format`; default text. */
  logFormat: LogFormat;
  /** `--nofile`, else `nofile` from the file: the open files wanted. */
  nofile?: number;
}

/** What the config file says about the process: `nofile`, `verbose`, `log_format`. */
export type FileProcessSettings = Pick<LocalFileConfig, 'nofile' | 'logLevel' | 'logFormat'>;

/**
/**
 * Merges flags over the file's options (and the server chosen from an
 * online config, if any) and converts the flag texts. With no password or
 * key given, `SS_SERVER_PASSWORD` (or `SS_SERVER_KEY`) from `env` supplies one.
 * @throws SsError `ERR_SS_CONFIG` naming the flag (`--server-port` ...), or
 *   the missing setting (a server, a password or key)
 */
export function buildLocalCliOptions(args: LocalCliArgs, file: LocalOptions = {}, env: SecretEnv = {}, fileProcess: FileProcessSettings = {}, online?: LocalOptions): LocalCliOptions {
  const flags: LocalOptions = convertFlags(LOCAL_SETTINGS, args);
  const local: LocalOptions = { ...file, ...online, ...urlOptions(args.serverUrl), ...flags };
  // A password (from the URL, the online config or -k) replaces a key from the file, and --key a password.
  if (args.serverUrl !== undefined || online !== undefined || flags.password !== undefined) delete local.key;
  if (flags.key !== undefined) delete local.password;
  if ((local.socksUsername === undefined) !== (local.socksPassword === undefined)) {
    throw configError(local.socksUsername === undefined ? '--socks-username' : '--socks-password', 'is required with the other one');
  }
  if (local.server === undefined) throw configError('--server', 'is required (or --server-url, --online-config-url, or "server" in the config file)');
  if (local.password === undefined && local.key === undefined) Object.assign(local, envSecret(env));
  if (local.password === undefined && local.key === undefined) {
    throw configError('--password', 'is required (or --key, --password-file, --server-url, "password" in the config file, or SS_SERVER_PASSWORD)');
  }
  const logFormat = args.logFormat === undefined ? fileProcess.logFormat ?? 'text' : toLogFormat(args.logFormat, '--log-format');
  const logLevel = args.verbose ? 'debug' : args.quiet ? 'error' : fileProcess.logLevel ?? 'info';
  const result: LocalCliOptions = { local, logLevel, logFormat };
  const nofile = args.nofile === undefined ? fileProcess.nofile : SHARED_PROCESS_SETTINGS.nofile.convert(args.nofile, '--nofile');
  if (nofile !== undefined) result.nofile = nofile;
  return result;
}

function urlOptions(url: string | undefined): LocalOptions {
  if (url === undefined) return {};
  let s;
  try {
    s = decodeSip002(url);
  } catch (err) {
    throw configError('--server-url', (err as Error).message);
  }
  const name = '--server-url';
  const options: LocalOptions = {
    server: LOCAL_SETTINGS.server.convert(s.host, name, 'option'),
    serverPort: LOCAL_SETTINGS.serverPort.convert(s.port, name, 'option'),
    method: LOCAL_SETTINGS.method.convert(s.method, name),
    password: LOCAL_SETTINGS.password.convert(s.password, name),
  };
  // SIP002: ?plugin=name;opts (the client-side plugin, e.g. obfs-local;obfs=http).
  if (s.plugin !== undefined && s.plugin !== '') {
    const { plugin, pluginOpts } = splitSip002Plugin(s.plugin);
    if (plugin === '') throw configError(name, 'the plugin parameter names no program (plugin=NAME;OPTS)');
    options.plugin = LOCAL_SETTINGS.plugin.convert(plugin, name);
    if (pluginOpts !== undefined) options.pluginOpts = LOCAL_SETTINGS.pluginOpts.convert(pluginOpts, name);
  }
  return options;
}
