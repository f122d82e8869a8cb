/**
 * Layers the `ss-stream-local` command line over its config file:
 *
 *   defaults (createLocal) ◀── config file (parseLocalConfigFile) ◀── --server-url ◀── other flags
 *
 * Flag texts are converted here so that errors name the flag. Whether the
 * result is complete and valid is decided once, by `createLocal()`.
 */
import { secondsToMs, toMode, toPort } from '../config/server-config-file.js';
import { configError } from '../errors.js';
import { resolveTunnel, type LocalOptions } from '../local/local-options.js';
import type { LogLevel } from '../logger.js';
import { decodeSip002 } from '../config/sip002.js';
import type { LocalCliArgs } from './local-cli-args.js';

/** What the command line asks for, ready for `createLocal()`. */
export interface LocalCliOptions {
  local: LocalOptions;
  logLevel: LogLevel;
}

/**
 * Merges flags over the file's options and converts the flag texts.
 * @throws SsError `ERR_SS_CONFIG` naming the flag (`--server-port` ...), or
 *   the missing setting (a server, a password or key)
 */
export function buildLocalCliOptions(args: LocalCliArgs, file: LocalOptions = {}): LocalCliOptions {
  const local: LocalOptions = { ...file, ...urlOptions(args.serverUrl) };
  if (args.serverUrl !== undefined) delete local.key;
  if (args.server !== undefined) local.server = nonEmpty(args.server, '--server');
  if (args.serverPort !== undefined) local.serverPort = toPort(args.serverPort, '--server-port', 1);
  if (args.localAddress !== undefined) local.host = nonEmpty(args.localAddress, '--local-address');
  if (args.localPort !== undefined) local.port = toPort(args.localPort, '--local-port', 0);
  if (args.password !== undefined) {
    local.password = nonEmpty(args.password, '--password');
    delete local.key;
  }
  if (args.key !== undefined) {
    local.key = nonEmpty(args.key, '--key');
    delete local.password;
  }
  if (args.method !== undefined) local.method = args.method;
  if (args.timeout !== undefined) local.idleTimeoutMs = secondsToMs(args.timeout, '--timeout');
  if (args.tunnel !== undefined) local.tunnel = resolveTunnel(args.tunnel, '--tunnel');
  if (args.mode !== undefined) local.mode = toMode(args.mode, '--mode');
  if (args.socksUsername !== undefined) local.socksUsername = args.socksUsername;
  if (args.socksPassword !== undefined) local.socksPassword = args.socksPassword;
  if ((local.socksUsername === undefined) !== (local.socksPassword === undefined)) {
    throw configError(local.socksUsername === undefined ? '--socks-username' : '--socks-password', 'is required with the other one');
  }
  if (local.server === undefined) throw configError('--server', 'is required (or --server-url, or "server" in the config file)');
  if (local.password === undefined && local.key === undefined) throw configError('--password', 'is required (or --key, --server-url, or "password" in the config file)');
  return { local, logLevel: args.verbose ? 'debug' : args.quiet ? 'error' : 'info' };
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
  return { server: s.host, serverPort: s.port, method: s.method, password: s.password };
}

function nonEmpty(v: string, flag: string): string {
  if (v.trim() === '') throw configError(flag, 'must not be empty');
  return v;
}
