/**
 * One worker process of `ss-stream-server --workers N` (see
 * {@link ServerCluster} for the primary side):
 *
 *   {ready} ─▶ wait for {start} ─▶ ServerPool.apply (listen ×N) ─▶ {listening} | {listenFailed} + exit 1
 *        ─▶ each {reload} ─▶ ServerPool.apply ─▶ {reloaded} (with the error if it was refused)
 *        ─▶ wait for {stop} or SIGINT/SIGTERM ─▶ close ×N (grace period) ─▶ exit 0
 *   {stop} or a signal before {start} ─▶ exit 0
 *
 * Messages and signals arrive through one {@link WorkerInbox}, so none is
 * lost. SIGHUP, SIGUSR1 and SIGUSR2 are logged and ignored (see
 * ignored-signals.ts).
 *
 * A second signal exits at once (128 + signal number). A repeated {stop} is
 * harmless, so a signal that reaches both the primary and its workers (a
 * terminal's Ctrl-C, systemd's KillMode=control-group) still stops
 * gracefully.
 */
import { constants as osConstants } from 'node:os';
import { createConsoleLogger, type Logger } from '../logger.js';
import { ServerPool } from '../server/server-pool.js';
import { DEFAULT_REPLAY_CAPACITY } from '../constants.js';
import { ReplayFilter } from '../crypto/replay-filter.js';
import type { StartMessage, WorkerMessage } from './cluster-messages.js';
import { logIgnoredSignals } from './ignored-signals.js';
import { WorkerInbox } from './worker-inbox.js';
import { answerMetricsRequests, createServerObservability, type ServerObservability } from './server-observability.js';

/** What a worker talks to; `process` by default. */
export interface WorkerIo {
  /** The IPC channel to the primary, and where signals arrive. */
  channel: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  send(message: WorkerMessage): Promise<void>;
  stderr: NodeJS.WritableStream;
  /** Ends the process at once (on a second signal). */
  exit(code: number): void;
}

/** Exit status: shut down cleanly. */
const EXIT_OK = 0;
/** Exit status: a server could not listen. */
const EXIT_LISTEN_FAILED = 1;

/**
 * Runs the worker: resolves with its exit status once its servers have
 * closed after a stop request, or at once if they could not listen or a
 * stop request came before {start}.
 */
export async function runServerWorker(io: WorkerIo = processIo()): Promise<number> {
  let logger: Logger = createConsoleLogger('info', io.stderr);
  // Every listener before {ready}: the primary sends {start} (and salts, and maybe {stop}) right after it.
  const inbox = new WorkerInbox(io.channel, (signal) => {
    logger.warn('second signal: exiting now', { signal });
    io.exit(128 + osConstants.signals[signal]);
  });
  const stopLogging = logIgnoredSignals(io.channel, () => logger);
  try {
    await io.send({ type: 'ready' });
    const start = await inbox.start;
    if (start === undefined) return EXIT_OK;
    logger = withWorkerField(createConsoleLogger(start.logLevel, io.stderr, start.observe?.logFormat), start.worker);
    return await serve(io, inbox, start, logger);
  } finally {
    stopLogging();
    inbox.close();
  }
}

async function serve(io: WorkerIo, inbox: WorkerInbox, start: StartMessage, logger: Logger): Promise<number> {
  let pool: ServerPool;
  let observability: ServerObservability;
  try {
    observability = await createServerObservability({ metrics: start.observe?.metrics === true, accessLog: start.observe?.accessLog, logFormat: start.observe?.logFormat, stderr: io.stderr });
  } catch (err) {
    await io.send({ type: 'listenFailed', message: (err as Error).message });
    return EXIT_LISTEN_FAILED;
  }
  const registry = observability.registry;
  const stopAnswering = registry === undefined ? () => {} : answerMetricsRequests(io.channel, registry, io.send);
  try {
    const replayFilter = sharedReplayFilter(io, inbox, start.servers[0]?.replayCapacity ?? DEFAULT_REPLAY_CAPACITY);
    pool = new ServerPool({ logger, replayFilter, ...(observability.observer === undefined ? {} : { observer: observability.observer }) });
    observability.track(() => pool.servers);
    await pool.apply(start.servers);
  } catch (err) {
    await io.send({ type: 'listenFailed', message: (err as Error).message });
    return EXIT_LISTEN_FAILED;
  }
  await io.send({ type: 'listening', servers: pool.servers.map((s) => ({ method: s.method, addresses: s.addresses() })) });
  // Reloads run one at a time, in the order they came.
  let reloading = Promise.resolve();
  inbox.onReload(({ id, servers }) => {
    reloading = reloading.then(async () => {
      try {
        logger.info('reloaded', { ...(await pool.apply(servers)) });
        await io.send({ type: 'reloaded', id });
      } catch (err) {
        await io.send({ type: 'reloaded', id, error: (err as Error).message });
      }
    });
  });
  const reason = await inbox.stopped;
  logger.info('shutting down', { reason, connections: pool.servers.reduce((n, s) => n + s.connections, 0) });
  await reloading;
  await pool.close();
  stopAnswering();
  await observability.close();
  logger.info('stopped');
  return EXIT_OK;
}

// Salts this worker records are sent to the primary in batches (every
// SALT_FLUSH_MS at most), and salts the primary forwards from the other
// workers are imported. A replay comes from a recorded connection, so it
// arrives well after the few milliseconds this takes.
const SALT_FLUSH_MS = 10;

function sharedReplayFilter(io: WorkerIo, inbox: WorkerInbox, capacity: number): ReplayFilter {
  let pending: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    timer = undefined;
    const salts = pending;
    pending = [];
    void io.send({ type: 'salts', salts }).catch(() => {});
  };
  const filter = new ReplayFilter(capacity, (salt) => {
    pending.push(salt.toString('base64'));
    timer ??= setTimeout(flush, SALT_FLUSH_MS).unref();
  });
  inbox.onSalts((salts) => {
    for (const s of salts) filter.import(Buffer.from(s, 'base64'));
  });
  return filter;
}

// Every line of a worker names it: `... info listening address=... worker=2`.
function withWorkerField(logger: Logger, worker: number): Logger {
  const wrap = (fn: Logger['info']): Logger['info'] => (message, fields) => fn(message, { ...fields, worker });
  return { debug: wrap(logger.debug), info: wrap(logger.info), warn: wrap(logger.warn), error: wrap(logger.error) };
}

function processIo(): WorkerIo {
  return {
    channel: process,
    send: (message) => new Promise((resolve) => {
      if (process.send === undefined || !process.connected) return resolve();
      process.send(message, undefined, {}, () => resolve());
    }),
    stderr: process.stderr,
    exit: (code) => process.exit(code),
  };
}
