/**
 * Layers the command line over the config file: file entries first, then
 * every flag that was given replaces the matching option in each entry.
 * Flags are converted by their rows in {@link SERVER_SETTINGS}, so errors
 * name the flag.
 *
 *   defaults (createServer) ◀── SS_SERVER_PASSWORD (only where no secret is given) ◀── config file (parseConfigFile) ◀── flags
 *
 * `--password-file` and `--key-file` arrive already read, as `password` and
 * `key` (see read-secret-file.ts).
 */
import { DEFAULT_METHOD } from '../constants.js';
import { getMethod, type CipherSpec } from '../crypto/methods.js';
import { generateKey, generatePassword } from '../config/generate-key.js';
import type { ServerOptions } from '../server/server-options.js';
import type { ServerFileConfig } from '../config/server-config-file.js';
import { SERVER_PROCESS_SETTINGS, SERVER_SETTINGS, type ListenAddress, type LogFormat, type ServerProcessSettings } from '../config/server-settings.js';
import { convertFlags } from '../config/setting.js';
import { configError } from '../errors.js';
import type { LogLevel } from '../logger.js';
import type { ServerCliArgs } from './server-cli-args.js';
import type { ManagerAddress } from '../config/manager-address.js';
import { envSecret, type SecretEnv } from './env-secret.js';

/** What the command line asks for, ready for `createServer()`. */
export interface ServerCliOptions {
  /** One entry per server to start (several with `port_password`). */
  servers: ServerOptions[];
  logLevel: LogLevel;
  /** Processes to serve with (`--workers`, else `workers` from the file, else 1). */
  workers: number;
  /** `--manager-address`, else `manager_address` from the file: where the ss-manager API listens. */
  managerAddress?: ManagerAddress;
  /** Where to serve Prometheus metrics (`--metrics`); absent: nowhere. */
  metrics?: ListenAddress;
  /** How log lines are written (`--log-format`). */
  logFormat: LogFormat;
  /** Where the access log goes (`--access-log`): `-` for stderr or a path; absent: off. */
  accessLog?: string;
  /** `--public-host`, else `public_host` from the file: the host put in shared URIs. */
  publicHost?: string;
  /** Set when neither a password nor a key was given and one was generated. */
  generatedPassword?: string;
  /** `--nofile`, else `nofile` from the file: the open files wanted. */
  nofile?: number;
}

export { generatePassword };

/**
 * Merges flags over the file's entries and converts the flag texts.
 * A server with no password, key or users of its own takes
 * `SS_SERVER_PASSWORD` (or `SS_SERVER_KEY`) from `env`; with none anywhere,
 * `generate(spec)` supplies one for the method (a 2022 PSK of the key
 * length, or an AEAD password).
 * @throws SsError `ERR_SS_CONFIG` naming the flag (`--server-port` ...) or the variable
 */
export function buildServerCliOptions(args: ServerCliArgs, file?: ServerFileConfig, generate: (spec: CipherSpec) => string = generateKey, env: SecretEnv = {}): ServerCliOptions {
  const flags: ServerOptions = convertFlags(SERVER_SETTINGS, args);
  const entries = file?.servers ?? [{}];
  if (entries.length > 1 && flags.port !== undefined) throw configError('--server-port', 'cannot be used with port_password or servers in the config file: they give several ports');
  let servers = entries.map((entry) => overlay(entry, flags));
  if (servers.some((s) => !hasSecret(s))) {
    const fromEnv = envSecret(env);
    servers = servers.map((s) => (hasSecret(s) ? s : { ...s, ...fromEnv }));
  }
  const own: ServerProcessSettings = convertFlags(SERVER_PROCESS_SETTINGS, args);
  const result: ServerCliOptions = {
    servers,
    logLevel: own.logLevel ?? file?.logLevel ?? SERVER_PROCESS_SETTINGS.logLevel.default,
    workers: own.workers ?? file?.workers ?? SERVER_PROCESS_SETTINGS.workers.default,
    logFormat: own.logFormat ?? file?.logFormat ?? SERVER_PROCESS_SETTINGS.logFormat.default,
  };
  const managerAddress = own.managerAddress ?? file?.managerAddress;
  if (managerAddress !== undefined) result.managerAddress = managerAddress;
  const metrics = own.metrics ?? file?.metrics;
  if (metrics !== undefined) result.metrics = metrics;
  const accessLog = own.accessLog ?? file?.accessLog;
  if (accessLog !== undefined) result.accessLog = accessLog;
  const publicHost = own.publicHost ?? file?.publicHost;
  if (publicHost !== undefined) result.publicHost = publicHost;
  const nofile = own.nofile ?? file?.nofile;
  if (nofile !== undefined) result.nofile = nofile;
  if (servers.every((s) => !hasSecret(s))) {
    const password = generate(getMethod(servers[0]!.method ?? DEFAULT_METHOD)!);
    servers = servers.map((s) => ({ ...s, password }));
    result.servers = servers;
    result.generatedPassword = password;
  }
  return result;
}

function hasSecret(s: ServerOptions): boolean {
  return s.password !== undefined || s.key !== undefined || s.users !== undefined;
}

function overlay(entry: ServerOptions, flags: ServerOptions): ServerOptions {
  const merged = { ...entry, ...flags };
  // A password flag replaces a key from the file, and the other way round.
  if (flags.password !== undefined) delete merged.key;
  if (flags.key !== undefined) delete merged.password;
  return merged;
}
