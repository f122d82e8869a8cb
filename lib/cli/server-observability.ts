/**
 * What a server process reports besides its own log: a prom-client
 * registry counted by a {@link MetricsObserver} (with the default process
 * metrics), built once per process and handed to every server it runs.
 *
 *   createServer({ observer }) ×N ──▶ MetricsObserver ──▶ Registry ──▶ /metrics (this process)
 *                                                                 └──▶ {metrics} to the primary (a worker)
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { MetricsObserver } from '../server/metrics/metrics-observer.js';
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
  track(servers: readonly SsServer[]): void;
}

const MISNAMED_DEFAULT_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Builds the observers of a server process; `metrics` turns the registry on. */
export function createServerObservability(options: { metrics: boolean }): ServerObservability {
  if (!options.metrics) return { observer: undefined, registry: undefined, track: () => {} };
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client names these gauges `_total`, which `promtool check metrics`
  // rejects; the per-type gauges without the suffix stay.
  for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
  const metrics = new MetricsObserver({ registry });
  return {
    observer: metrics,
    registry,
    track: (servers) => metrics.trackOpenConnections(() => servers.reduce((n, s) => n + s.connections, 0)),
  };
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
