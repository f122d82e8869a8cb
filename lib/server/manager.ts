/**
 * The ss-manager API (Python ssserver 2.8.2 `--manager-address`, libev
 * 3.3.5 `ss-manager`; PROTOCOL.md section 6) over UDP, driving a
 * {@link ServerPool}:
 *
 *   datagram ─▶ parseManagerCommand ─▶ add ─▶ pool.add(base ⊕ json) ─▶ "ok" | "err: ..."
 *                                      remove ─▶ pool.remove(port)   ─▶ "ok" | "err: ..."
 *                                      list ─▶ libev's JSON layout (no secrets)
 *                                      ping ─▶ "pong", then the stats
 *                                      stat (from a libev child) ─▶ no answer
 *   every statIntervalMs (10 s) and after a ping ─▶ "stat: {...}" + "stat_ext: {...}" to the last client
 *
 * Stats are Python's: payload bytes (up + down) per port **since the last
 * report** (deltas), every served port, 0 included. `stat_ext` gives the
 * same period split into `up` and `down`; a plain client ignores it.
 * Requests run one at a time, in arrival order. Nothing reaches a shell;
 * every input is checked, and a bad one gets `err: <reason>` and changes
 * nothing.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { isIPv6 } from 'node:net';
import { NOOP_LOGGER, type Logger } from '../logger.js';
import { formatManagerError, formatManagerList, formatStat, formatStatExt, parseManagerCommand, type ManagerCommand } from '../protocol/manager-command.js';
import { toManagerAddSettings, toManagerRemovePort } from '../config/manager-add.js';
import { isSsError } from '../errors.js';
import type { ServerSettings } from './server-options.js';
import type { ServerPool } from './server-pool.js';

/** The default period of `stat` reports, ms (Python's 10 s). */
export const DEFAULT_STAT_INTERVAL_MS = 10_000;

/** Options of {@link Manager}. */
export interface ManagerOptions {
  /** UDP address to listen on (port 0 picks one). */
  host: string;
  port: number;
  /** The servers it adds to and removes from. */
  pool: ServerPool;
  /** Settings an `add` starts from (host, method, timeouts ...); its JSON overrides them. */
  base?: ServerSettings;
  logger?: Logger;
  /** Period of the `stat` reports, ms. Default {@link DEFAULT_STAT_INTERVAL_MS}. */
  statIntervalMs?: number;
  /** Called after an `add` or a `remove` changed the pool (the command line rewrites `--sip008`). */
  onChange?: () => void;
}

/** The ss-manager API endpoint. Nothing is bound until `listen()`. */
export class Manager {
  readonly #o: ManagerOptions;
  readonly #logger: Logger;
  readonly #base: ServerSettings;
  #socket: Socket | undefined;
  #timer: NodeJS.Timeout | undefined;
  #client: RemoteInfo | undefined;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: ManagerOptions) {
    this.#o = options;
    this.#logger = options.logger ?? NOOP_LOGGER;
    // An add names its own port and keys; everything else comes from the base.
    const { port: _p, password: _pw, key: _k, users: _u, ...base } = options.base ?? {};
    this.#base = base;
  }

  /** Binds the UDP socket and starts the stat timer. */
  async listen(): Promise<AddressInfo> {
    const socket = createSocket({ type: isIPv6(this.#o.host) ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.#o.port, this.#o.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (err) => this.#logger.warn('manager socket error', { error: err.message }));
    socket.on('message', (msg, rinfo) => {
      this.#queue = this.#queue.then(() => this.#handle(msg, rinfo));
    });
    this.#socket = socket;
    this.#timer = setInterval(() => this.#sendStats(), this.#o.statIntervalMs ?? DEFAULT_STAT_INTERVAL_MS);
    this.#timer.unref();
    const a = socket.address();
    this.#logger.info('manager listening (udp)', { address: `${a.address}:${a.port}` });
    return a;
  }

  /** The bound address. */
  address(): AddressInfo {
    if (this.#socket === undefined) throw new Error('not listening');
    return this.#socket.address();
  }

  /** Stops the timer and closes the socket (the servers stay: close the pool). */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    const socket = this.#socket;
    this.#socket = undefined;
    await this.#queue;
    if (socket !== undefined) await new Promise<void>((r) => socket.close(() => r()));
  }

  async #handle(msg: Buffer, rinfo: RemoteInfo): Promise<void> {
    let command: ManagerCommand;
    try {
      command = parseManagerCommand(msg);
    } catch (err) {
      this.#reply(rinfo, formatManagerError(reasonOf(err)));
      return;
    }
    if (command.command === 'stat') return; // a libev child's report: nothing to answer
    this.#client = rinfo;
    const answer = await this.#run(command).catch((err: unknown) => formatManagerError(reasonOf(err)));
    this.#reply(rinfo, answer);
    if (command.command === 'ping') this.#sendStats();
  }

  async #run(command: Exclude<ManagerCommand, { command: 'stat' }>): Promise<string> {
    const pool = this.#o.pool;
    switch (command.command) {
      case 'ping':
        return 'pong';
      case 'list':
        return formatManagerList(pool.ports().map((port) => {
          const server = pool.get(port)!;
          const s = pool.settingsOf(port)!;
          return { port: pool.boundPort(port), method: server.method, ...(s.mode === undefined ? {} : { mode: s.mode }), ...(s.users === undefined ? {} : { users: server.users.names() }) };
        }));
      case 'add': {
        const add = toManagerAddSettings(command.body);
        const current = pool.settingsOf(add.port);
        // On a served port, an add changes its keys: start from what it runs with.
        const settings: ServerSettings = current === undefined ? { ...this.#base, ...add } : { ...withoutKeys(current), ...add };
        const what = await pool.add(settings);
        this.#logger.info(what === 'added' ? 'manager: port added' : 'manager: port keys changed', { port: add.port });
        this.#o.onChange?.();
        return 'ok';
      }
      case 'remove': {
        const port = toManagerRemovePort(command.body);
        if (pool.remove(port) === undefined) return formatManagerError(`port ${port} is not served`);
        this.#logger.info('manager: port removed', { port });
        this.#o.onChange?.();
        return 'ok';
      }
    }
  }

  #sendStats(): void {
    const client = this.#client;
    if (client === undefined || this.#socket === undefined) return;
    const traffic = this.#o.pool.takeTraffic();
    for (const text of [...formatStat(traffic), ...formatStatExt(traffic)]) this.#reply(client, text);
  }

  #reply(to: RemoteInfo, text: string): void {
    this.#socket?.send(text, to.port, to.address, (err) => {
      if (err) this.#logger.debug('manager: answer not sent', { error: err.message });
    });
  }
}

function withoutKeys(s: ServerSettings): ServerSettings {
  const { password: _pw, key: _k, users: _u, ...rest } = s;
  return rest;
}

// Coded errors carry a message meant for the operator (never a secret); anything else is a listen error or a bug.
function reasonOf(err: unknown): string {
  if (isSsError(err)) return err.message;
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EADDRINUSE' ? 'port is not available' : code ?? 'internal error';
}
