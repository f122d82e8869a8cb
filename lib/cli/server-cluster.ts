/**
 * The primary process of `ss-stream-server --workers N`: forks N workers
 * with node:cluster (each runs {@link runServerWorker}), hands them the
 * already-validated options over IPC, restarts one that dies, and stops them
 * all gracefully.
 *
 *   start() ─▶ fork ×N ─{start}─▶ workers listen on the shared port(s) ─{listening}─▶ resolve
 *   worker dies ─▶ RestartBackoff: fork again after 100 ms, 200 ms ... or give up ('fatal')
 *   reload(servers) ─{reload}─▶ every running worker applies them ─{reloaded}─▶ resolve (SIGHUP)
 *   stop()  ─{stop}─▶ every worker closes (grace period) and exits ─▶ resolve
 *
 * TCP: every worker accepts on one listening socket the primary opened and
 * shared (cluster's SCHED_NONE), and the kernel picks which worker takes each
 * connection. Not round-robin, Node's default on Linux, where the primary
 * accepts and hands each connection to a worker over IPC: once a worker runs
 * out of file descriptors a hand-off fails, the primary marks no worker free
 * again and queues every later connection for good (a burst of one-byte
 * connections under `ulimit -n 256` wedged it past 20 s; with SCHED_NONE each
 * worker's own accept() meets EMFILE, libuv sheds the excess, and the next
 * client was served within 30-80 ms). The kernel's share is less even under
 * load (measured 100/100 sequential, 130/70 concurrent connections on 2
 * workers), which is the price of recovering.
 *
 * UDP: only worker 1 runs the UDP relay. A dgram socket bound in several
 * workers becomes one socket shared by all (cluster's SharedHandle): each
 * datagram goes to whichever process reads first, so one client's packets
 * would be spread over several NAT tables, and its target would see a
 * different source port per worker. One process keeps each association
 * whole. (Node 20 has no SO_REUSEPORT for dgram to hash by client instead.)
 */
import cluster, { type Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { ServerOptions } from '../server/server-options.js';
import { DEFAULT_SERVER_PORT, DEFAULT_SHUTDOWN_GRACE_MS } from '../constants.js';
import type { Logger, LogLevel } from '../logger.js';
import { isMessage, type WorkerObservability, type ListenFailedMessage, type ListeningMessage, type ListeningServer, type PrimaryMessage, type ReadyMessage, type ReloadedMessage, type SaltsMessage } from './cluster-messages.js';
import { checkClusterReload } from './check-cluster-reload.js';
import { RestartBackoff, type RestartBackoffOptions } from '../transport/restart-backoff.js';

/** Options of {@link ServerCluster}. */
export interface ServerClusterOptions {
  /** Worker processes, 2 or more. */
  workers: number;
  /** JSON-safe server options, already validated (one entry per server). */
  servers: ServerOptions[];
  logLevel: LogLevel;
  /** Passed to every worker: metrics, log format, access log. */
  observe?: WorkerObservability;
  /** The primary's own log. */
  logger: Logger;
  /** Restart policy per worker. Default {@link RESTART_BACKOFF_DEFAULTS}. */
  backoff?: RestartBackoffOptions;
  /** Time for every worker to report that it listens, ms. Default 30 000. */
  startTimeoutMs?: number;
  /** After stop(), workers still running this long are killed, ms. Default: shutdown grace + 5 s. */
  killAfterMs?: number;
}

interface Slot {
  /** 1-based worker number. */
  n: number;
  servers: ServerOptions[];
  backoff: RestartBackoff;
  worker?: Worker;
  exited?: Promise<void>;
  restartTimer?: NodeJS.Timeout;
}

/** Events of {@link ServerCluster}. */
export interface ServerClusterEvents {
  /** A worker kept dying (more restarts in the window than allowed): the caller should stop(). */
  fatal: [error: Error];
  /** Any message from worker `n` (for {@link ClusterMetrics}). */
  workerMessage: [n: number, message: unknown];
  /** Worker `n` exited (it may be restarted under the same number). */
  workerExit: [n: number];
}

const WORKER_MAIN = fileURLToPath(new URL('./server-worker-main.js', import.meta.url));

/** A supervised set of worker processes serving the same ports. */
export class ServerCluster extends EventEmitter<ServerClusterEvents> {
  readonly #o: ServerClusterOptions;
  readonly #slots: Slot[];
  #started = false;
  /** The port each server got (differs from the options' with port 0). */
  #boundPorts: number[] | undefined;
  #stopping: Promise<void> | undefined;
  #reloadId = 0;
  readonly #reloadWaiters = new Map<number, (slot: Slot, message: ReloadedMessage) => void>();

  /** @throws TypeError for fewer than 2 workers, or a `udp_only` server (one process serves UDP) */
  constructor(options: ServerClusterOptions) {
    super();
    if (!Number.isInteger(options.workers) || options.workers < 2) throw new TypeError(`workers must be an integer of at least 2, got ${options.workers}`);
    if (options.servers.some((o) => o.mode === 'udp_only')) throw new TypeError('a udp_only server runs in one process: use no workers');
    this.#o = options;
    this.#slots = Array.from({ length: options.workers }, (_, i) => ({
      n: i + 1,
      servers: i === 0 ? options.servers : options.servers.map(withoutUdp),
      backoff: new RestartBackoff(options.backoff),
    }));
  }

  /** Sends `message` to every running worker and returns their numbers. */
  sendToWorkers(message: PrimaryMessage): number[] {
    const running = this.#slots.filter((s) => s.worker?.isConnected() === true);
    for (const slot of running) send(slot.worker!, message);
    return running.map((s) => s.n);
  }

  /** PIDs of the running workers. */
  get pids(): number[] {
    return this.#slots.flatMap((s) => (s.worker?.process.pid === undefined ? [] : [s.worker.process.pid]));
  }

  /**
   * Forks every worker and resolves with what worker 1 listens on, once all
   * listen. Rejects with the first worker's error (EADDRINUSE ...), after
   * stopping the others.
   */
  async start(): Promise<ListeningServer[]> {
    // Read once, by the first setupPrimary(): see the TCP note at the top.
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    cluster.setupPrimary({ exec: WORKER_MAIN, args: [] });
    const ready = this.#slots.map((slot) => this.#spawn(slot));
    for (const r of ready) r.catch(() => {});
    const timeoutMs = this.#o.startTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`workers did not listen within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const [first] = await Promise.race([Promise.all(ready), timeout]);
      this.#started = true;
      this.#boundPorts = first!.map((server) => server.addresses[0]!.port);
      return first!;
    } catch (err) {
      await this.stop();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Asks every worker to stop (as a first SIGTERM would) and resolves once
   * all have exited; workers still running after `killAfterMs` get SIGKILL.
   * No worker is restarted after this.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stopAll();
    return this.#stopping;
  }

  /**
   * Passes new servers to every running worker (each applies them as
   * `ServerPool.apply`: listeners of kept ports stay, users change in place)
   * and to workers started later. Checked here first, so that a bad config
   * reaches no worker.
   * @throws SsError `ERR_SS_CONFIG` before any worker is asked; Error naming
   *   the workers that refused (those keep their old servers)
   */
  async reload(servers: ServerOptions[], timeoutMs = 30_000): Promise<void> {
    checkClusterReload(this.#o.servers, servers);
    const id = ++this.#reloadId;
    const running = this.#slots.filter((s) => s.worker !== undefined);
    const failures: string[] = [];
    const answered = new Set<Slot>();
    const done = new Promise<void>((resolve) => {
      const check = (): void => { if (running.every((s) => answered.has(s) || s.worker === undefined)) resolve(); };
      this.#reloadWaiters.set(id, (slot, m) => {
        answered.add(slot);
        if (m.error === undefined) slot.servers = slot.n === 1 ? servers : servers.map(withoutUdp);
        else failures.push(`worker ${slot.n}: ${m.error}`);
        check();
      });
    });
    for (const slot of this.#slots) if (slot.worker === undefined) slot.servers = slot.n === 1 ? servers : servers.map(withoutUdp);
    for (const slot of running) send(slot.worker!, { type: 'reload', id, servers: slot.n === 1 ? servers : servers.map(withoutUdp) });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); });
    await Promise.race([done, late]);
    clearTimeout(timer);
    this.#reloadWaiters.delete(id);
    for (const slot of running) if (!answered.has(slot) && slot.worker !== undefined) failures.push(`worker ${slot.n}: no answer`);
    this.#o.servers = servers;
    this.#boundPorts = servers.map((o) => o.port ?? DEFAULT_SERVER_PORT);
    if (failures.length > 0) throw new Error(`the reload failed in ${failures.join('; ')}`);
  }

  /** Kills every worker at once (SIGKILL), for a second signal. */
  kill(): void {
    for (const slot of this.#slots) slot.worker?.process.kill('SIGKILL');
  }

  async #stopAll(): Promise<void> {
    for (const slot of this.#slots) clearTimeout(slot.restartTimer);
    const running = this.#slots.filter((s) => s.worker !== undefined);
    for (const slot of running) send(slot.worker!, { type: 'stop' });
    const killer = setTimeout(() => this.kill(), this.#o.killAfterMs ?? DEFAULT_SHUTDOWN_GRACE_MS + 5000);
    await Promise.all(running.map((s) => s.exited));
    clearTimeout(killer);
  }

  // Forks the worker of `slot`; resolves when it listens, rejects if it cannot.
  #spawn(slot: Slot): Promise<ListeningServer[]> {
    if (this.#slots.every((s) => s === slot || s.worker === undefined)) this.#keepPorts();
    const worker = cluster.fork();
    slot.worker = worker;
    slot.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    const pid = worker.process.pid;
    this.#o.logger.info('worker started', { worker: slot.n, pid });
    worker.on('error', (err) => this.#o.logger.debug('worker channel error', { worker: slot.n, error: err.message }));
    return new Promise((resolve, reject) => {
      worker.on('message', (m: unknown) => {
        this.emit('workerMessage', slot.n, m);
        if (isMessage<ReadyMessage>(m, 'ready')) send(worker, { type: 'start', worker: slot.n, servers: slot.servers, logLevel: this.#o.logLevel, ...(this.#o.observe === undefined ? {} : { observe: this.#o.observe }) });
        if (isMessage<ListeningMessage>(m, 'listening')) resolve(m.servers);
        if (isMessage<SaltsMessage>(m, 'salts')) this.#shareSalts(slot, m);
        if (isMessage<ReloadedMessage>(m, 'reloaded')) this.#reloadWaiters.get(m.id)?.(slot, m);
        if (isMessage<ListenFailedMessage>(m, 'listenFailed')) {
          if (this.#started) this.#o.logger.error('worker could not listen', { worker: slot.n, error: m.message });
          reject(new Error(m.message));
        }
      });
      worker.once('exit', (code, signal) => {
        reject(new Error(`worker ${slot.n} exited before listening (${signal ?? `code ${code}`})`));
        this.#onExit(slot, worker, code, signal);
      });
    });
  }

  // Forwards one worker's new salts to every other running worker.
  #shareSalts(from: Slot, message: SaltsMessage): void {
    for (const slot of this.#slots) if (slot !== from && slot.worker !== undefined) send(slot.worker, message);
  }

  #onExit(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker === worker) slot.worker = undefined;
    this.emit('workerExit', slot.n);
    const fields = { worker: slot.n, pid: worker.process.pid, code, signal };
    if (this.#stopping !== undefined || !this.#started) {
      this.#o.logger.info('worker exited', fields);
      return;
    }
    const delayMs = slot.backoff.next();
    if (delayMs === undefined) {
      const message = `worker ${slot.n} exited ${slot.backoff.recentFailures} times within ${slot.backoff.windowMs / 1000} s; giving up`;
      this.#o.logger.error(message, fields);
      this.emit('fatal', new Error(message));
      return;
    }
    this.#o.logger.warn('worker exited unexpectedly: restarting', { ...fields, inMs: delayMs });
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      // A restart that cannot listen exits again, and its exit counts as a failure.
      if (this.#stopping === undefined) this.#spawn(slot).catch(() => {});
    }, delayMs);
  }

  // Cluster shares a listening handle between workers that ask for the same
  // address and port, port 0 included: a worker restarted while others run
  // must ask for port 0 again to join them. Once none runs, that handle is
  // gone, and asking for the port they had keeps the address.
  #keepPorts(): void {
    const ports = this.#boundPorts;
    if (ports === undefined) return;
    for (const slot of this.#slots) slot.servers = slot.servers.map((o, i) => ({ ...o, port: ports[i]! }));
  }
}

// Workers after the first serve TCP only: see the UDP note at the top.
function withoutUdp(o: ServerOptions): ServerOptions {
  return { ...o, mode: 'tcp_only' };
}

function send(worker: Worker, message: PrimaryMessage): void {
  if (worker.isConnected()) worker.send(message);
  else if (message.type === 'stop') worker.process.kill('SIGTERM');
}
