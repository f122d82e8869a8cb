/**
 * Layers the command line over the config file: file entries first, then
 * every flag that was given replaces the matching option in each entry.
 *
 *   defaults (createServer) ◀── config file (parseConfigFile) ◀── flags
 */
import { randomBytes } from 'node:crypto';
import type { ServerOptions } from '../server/server-options.js';
import { secondsToMs, toIpList, toMode, toPort, toWorkers, type ServerFileConfig } from '../config/server-config-file.js';
import { configError } from '../errors.js';
import { parseNameservers } from '../server/egress/parse-nameservers.js';
import type { LogLevel } from '../logger.js';
import type { ServerCliArgs } from './server-cli-args.js';

/** What the command line asks for, ready for `createServer()`. */
export interface ServerCliOptions {
  /** One entry per server to start (several with `port_password`). */
  servers: ServerOptions[];
  logLevel: LogLevel;
  /** Processes to serve with (`--workers`, else `workers` from the file, else 1). */
  workers: number;
  /** Set when neither a password nor a key was given and one was generated. */
  generatedPassword?: string;
}

/** 24 random bytes, base64url: 192 bits. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Merges flags over the file's entries and converts the flag texts.
 * With no password or key anywhere, `generate()` supplies one.
 * @throws SsError `ERR_SS_CONFIG` naming the flag (`--server-port` ...)
 */
export function buildServerCliOptions(args: ServerCliArgs, file?: ServerFileConfig, generate: () => string = generatePassword): ServerCliOptions {
  const flags = flagOptions(args);
  const entries = file?.servers ?? [{}];
  if (entries.length > 1 && flags.port !== undefined) throw configError('--server-port', 'cannot be used with port_password in the config file');
  let servers = entries.map((entry) => overlay(entry, flags));
  const workers = args.workers !== undefined ? toWorkers(args.workers, '--workers') : file?.workers ?? 1;
  const result: ServerCliOptions = { servers, logLevel: logLevel(args, file), workers };
  if (servers.every((s) => s.password === undefined && s.key === undefined)) {
    const password = generate();
    servers = servers.map((s) => ({ ...s, password }));
    result.servers = servers;
    result.generatedPassword = password;
  }
  return result;
}

function flagOptions(args: ServerCliArgs): ServerOptions {
  const o: ServerOptions = {};
  if (args.server !== undefined) o.host = hostFlag(args.server);
  if (args.serverPort !== undefined) o.port = toPort(args.serverPort, '--server-port', 0);
  if (args.password !== undefined) o.password = nonEmpty(args.password, '--password');
  if (args.key !== undefined) o.key = nonEmpty(args.key, '--key');
  if (args.method !== undefined) o.method = args.method;
  if (args.timeout !== undefined) o.idleTimeoutMs = secondsToMs(args.timeout, '--timeout');
  if (args.handshakeTimeout !== undefined) o.handshakeTimeoutMs = secondsToMs(args.handshakeTimeout, '--handshake-timeout');
  if (args.connectTimeout !== undefined) o.connectTimeoutMs = secondsToMs(args.connectTimeout, '--connect-timeout');
  if (args.forbiddenIp !== undefined) o.forbiddenIp = toIpList(args.forbiddenIp, '--forbidden-ip');
  if (args.mode !== undefined) o.mode = toMode(args.mode, '--mode');
  if (args.nameserver !== undefined) o.nameservers = parseNameservers(args.nameserver.join(','), '--nameserver');
  if (args.ipv6First) o.ipv6First = true;
  return o;
}

function overlay(entry: ServerOptions, flags: ServerOptions): ServerOptions {
  const merged = { ...entry, ...flags };
  // A password flag replaces a key from the file, and the other way round.
  if (flags.password !== undefined) delete merged.key;
  if (flags.key !== undefined) delete merged.password;
  return merged;
}

function hostFlag(hosts: string[]): string | string[] {
  if (hosts.length === 0 || hosts.some((h) => h.trim() === '')) throw configError('--server', 'needs an address');
  return hosts.length === 1 ? hosts[0]! : hosts;
}

function nonEmpty(v: string, flag: string): string {
  if (v === '') throw configError(flag, 'must not be empty');
  return v;
}

function logLevel(args: ServerCliArgs, file: ServerFileConfig | undefined): LogLevel {
  if (args.verbose) return 'debug';
  if (args.quiet) return 'error';
  return file?.logLevel ?? 'info';
}
