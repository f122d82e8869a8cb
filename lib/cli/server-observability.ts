/**
 * What a server process reports besides its own log: a prom-client
 * registry counted by a {@link MetricsObserver} (with the default process
 * metrics), built once per process and handed to every server it runs.
 *
 *   createServer({ observer }) ×N ──▶ MetricsObserver ──▶ Registry ──▶ /metrics (this process)
 *                                                                 └──▶ {metrics} to the primary (a worker)
 *
 * prom-client and the metrics observer are imported only when metrics are
 * on: prom-client alone adds about 12 MiB to an idle process.
 */
import { createWriteStream, openSync } from 'node:fs';
import type { Registry } from 'prom-client';
import { configError } from '../errors.js';
import type { LogFormat } from '../logger.js';
import { combineObservers } from '../observer.js';
import { accessLogObserver, type AccessLogSink } from '../server/logs/access-log-observer.js';
import type { ConnectionInfo, ConnectionStats } from '../server/connection-info.js';
import type { ServerObserver } from '../server/connection-info.js';
import type { SsServer } from '../server/server.js';
import { isMessage, type MetricsRequestMessage, type WorkerMessage } from './cluster-messages.js';

/** A process's observers and the registry behind its metrics. */
export interface ServerObservability {
  /** Give it to every `createServer()`; undefined when nothing observes. */
  observer: Partial<ServerObserver> | undefined;
  /** The metrics; undefined with metrics off. */
  registry: Registry | undefined;
  /** Reads the open-connection gauge from these servers. */
  track(servers: () => readonly SsServer[]): void;
  /** Flushes and closes the access log file, if any (after the servers closed). */
  close(): Promise<void>;
}

/** What {@link createServerObservability} builds. */
export interface ServerObservabilityOptions {
  metrics: boolean;
  /** `-` (to `stderr`) or a file path, opened for appending now; absent: no access log. */
  accessLog?: string | undefined;
  logFormat?: LogFormat | undefined;
  stderr?: NodeJS.WritableStream;
}

const MISNAMED_DEFAULT_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * Builds the observers of a server process: `metrics` turns the registry
 * on, `accessLog` the access log.
 * @throws SsError `ERR_SS_CONFIG` naming `--access-log` when the file cannot be opened
 */
export async function createServerObservability(options: ServerObservabilityOptions): Promise<ServerObservability> {
  const access = openAccessLog(options.accessLog, options.stderr ?? process.stderr);
  const accessObserver = access === undefined ? undefined : accessLogObserver(access.sink, options.logFormat);
  if (!options.metrics) return { observer: accessObserver, registry: undefined, track: () => {}, close: access?.close ?? (async () => {}) };
  const [{ collectDefaultMetrics, Registry }, { MetricsObserver }] = await Promise.all([import('prom-client'), import('../server/metrics/metrics-observer.js')]);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client names these gauges `_total`, which `promtool check metrics`
  // rejects; the per-type gauges without the suffix stay.
  for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
  const metrics = new MetricsObserver({ registry });
  return {
    observer: accessObserver === undefined ? metrics : combineObservers<ConnectionInfo, ConnectionStats>(metrics, accessObserver),
    registry,
    track: (servers) => metrics.trackOpenConnections(() => servers().reduce((n, s) => n + s.connections, 0)),
    close: access?.close ?? (async () => {}),
  };
}

// `-` is stderr; a path is opened now (append), so that a bad path stops the start with a clear error.
function openAccessLog(dest: string | undefined, stderr: NodeJS.WritableStream): { sink: AccessLogSink; close(): Promise<void> } | undefined {
  if (dest === undefined) return undefined;
  if (dest === '-') return { sink: stderr, close: async () => {} };
  let fd: number;
  try {
    fd = openSync(dest, 'a', 0o640);
  } catch (err) {
    throw configError('--access-log', `cannot open ${JSON.stringify(dest)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const stream = createWriteStream(dest, { fd, flags: 'a' });
  stream.on('error', () => {});
  return { sink: stream, close: () => new Promise((resolve) => stream.end(resolve)) };
}

/**
 * In a worker: answers the primary's {metricsRequest} with this registry's
 * metrics. Returns a function that stops answering.
 */
export function answerMetricsRequests(channel: Pick<NodeJS.EventEmitter, 'on' | 'off'>, registry: Registry, send: (message: WorkerMessage) => Promise<void>): () => void {
  const onMessage = (m: unknown): void => {
    if (!isMessage<MetricsRequestMessage>(m, 'metricsRequest')) return;
    void registry.getMetricsAsJSON().then((metrics) => send({ type: 'metrics', id: m.id, metrics }), () => {});
  };
  channel.on('message', onMessage);
  return () => channel.off('message', onMessage);
}
