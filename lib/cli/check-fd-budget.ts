/**
 * Refuses, before anything listens, a set of servers that the limit of open
 * files (`ulimit -n`) cannot hold whole: 10 000 `port_password` ports under
 * a limit of 1024 would otherwise open a few hundred listeners, meet EMFILE,
 * and close them again, or serve so close to the limit that no connection
 * could be accepted.
 *
 *   needed = descriptors open now + listening sockets + FD_RESERVE   ≤   soft RLIMIT_NOFILE
 *
 * Each process of `--workers` holds every listening socket too (cluster
 * hands each worker its own descriptor), under the same inherited limit.
 * Node has no getrlimit(): the limit and the open descriptors are read from
 * /proc (Linux); elsewhere nothing is checked.
 */
import { readdirSync } from 'node:fs';
import { readOpenFilesLimit } from '../transport/open-files-limit.js';
import type { ServerOptions } from '../server/server-options.js';
import { configError } from '../errors.js';

/** Descriptors kept free for connections (two each: client and target) and DNS, beyond the listeners. */
export const FD_RESERVE = 32;

/** Descriptors this process has open, and the most it may (the soft limit). */
export interface FdUsage {
  open: number;
  limit: number;
}

/**
 * Reads this process's open descriptors (`fd/`, counting the one readdir
 * opens) and soft limit of open files (`limits`).
 * @param proc where to read them; default `/proc/self`
 * @returns undefined where they cannot be read, or the limit is unlimited
 */
export function readFdUsage(proc = '/proc/self'): FdUsage | undefined {
  const limit = readOpenFilesLimit(`${proc}/limits`);
  if (limit === undefined || limit === Infinity) return undefined;
  try {
    return { open: readdirSync(`${proc}/fd`).length, limit };
  } catch {
    return undefined;
  }
}

/** Listening sockets `servers` open: per host, one TCP listener and one UDP socket, as `mode` says. */
export function countListeningSockets(servers: readonly ServerOptions[]): number {
  let sockets = 0;
  for (const { host, mode = 'tcp_and_udp' } of servers) {
    const hosts = Array.isArray(host) ? host.length : 1;
    sockets += hosts * ((mode === 'udp_only' ? 0 : 1) + (mode === 'tcp_only' ? 0 : 1));
  }
  return sockets;
}

/**
 * Throws unless `servers` fit in the limit of open files, with
 * {@link FD_RESERVE} to spare.
 * @param usage default {@link readFdUsage}; undefined: no check
 * @throws SsError `ERR_SS_CONFIG` naming `ulimit -n`, the limit and the count needed
 */
export function checkFdBudget(servers: readonly ServerOptions[], usage: FdUsage | undefined = readFdUsage()): void {
  if (usage === undefined) return;
  const sockets = countListeningSockets(servers);
  const needed = usage.open + sockets + FD_RESERVE;
  if (needed <= usage.limit) return;
  throw configError('ulimit -n', `a limit of ${usage.limit} open files cannot serve every port: ${sockets} listening sockets + ${usage.open} open now + ${FD_RESERVE} kept for connections = ${needed} needed; raise the limit or serve fewer ports`);
}

/**
 * What to say about libev's `nofile` (`-n`): Node has no setrlimit(), but
 * it raises its soft limit to the hard limit at startup, so the limit read
 * is as high as this process can go. Nothing when it is at least `wanted`;
 * else a warning with the `ulimit -n` or systemd `LimitNOFILE=` to set.
 * @param limit default: this process's soft limit (undefined: cannot be read, nothing said)
 */
export function nofileWarning(wanted: number, limit: number | undefined = readOpenFilesLimit()): string | undefined {
  if (limit === undefined || limit >= wanted) return undefined;
  return `nofile: ${wanted} open files wanted, but the limit is ${limit} and a Node process cannot raise it; `
    + `start it with a higher one: \`ulimit -n ${wanted}\` in the shell, LimitNOFILE=${wanted} in its systemd unit, or --ulimit nofile=${wanted} for docker run`;
}
