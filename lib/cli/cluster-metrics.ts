/**
 * `/metrics` of `ss-stream-server --workers N`: the primary asks every
 * worker for its metrics over the cluster channel and sums them with
 * prom-client's `AggregatorRegistry.aggregate` (counters and histograms
 * add up; gauges such as open connections add up too).
 *
 *   scrape ─▶ {metricsRequest id} ─▶ each worker ─▶ {metrics id, JSON} ─▶ last[worker] ─┐
 *   worker exits ─▶ its last counters and histograms ─▶ carried ────────────────────────┼─▶ aggregate ─▶ text
 *
 * A restarted worker starts its counters at zero. So that no summed
 * counter goes backwards, the primary keeps what each worker reported at
 * its latest scrape and, when the worker exits, carries those counters and
 * histograms (not its gauges) into every later sum. What a worker counted
 * between its last scrape and its death is lost; the sum never decreases.
 * A worker that does not answer within the timeout counts with its last
 * answer.
 */
import { AggregatorRegistry, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { isMessage, type MetricsMessage, type PrimaryMessage } from './cluster-messages.js';

/** What {@link ClusterMetrics} needs of the cluster. */
export interface MetricsCluster {
  on(event: 'workerMessage', listener: (n: number, message: unknown) => void): unknown;
  on(event: 'workerExit', listener: (n: number) => void): unknown;
  /** Sends `message` to every running worker; returns their numbers. */
  sendToWorkers(message: PrimaryMessage): number[];
}

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

interface Pending {
  waiting: Set<number>;
  done(): void;
}

// Metric types whose values only grow: a dead worker's are carried.
const MONOTONIC = new Set(['counter', 'histogram']);

/** Time a scrape waits for the workers' answers, ms. */
export const CLUSTER_METRICS_TIMEOUT_MS = 2000;

/** The summed metrics of a cluster's workers, with dead workers' counters carried. */
export class ClusterMetrics {
  readonly #cluster: MetricsCluster;
  readonly #timeoutMs: number;
  readonly #last = new Map<number, MetricsJson>();
  readonly #pending = new Map<number, Pending>();
  #carried: MetricsJson[] = [];
  #nextId = 0;

  /** The content type of {@link render}'s text. */
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;

  constructor(cluster: MetricsCluster, timeoutMs = CLUSTER_METRICS_TIMEOUT_MS) {
    this.#cluster = cluster;
    this.#timeoutMs = timeoutMs;
    cluster.on('workerMessage', (n, message) => {
      if (!isMessage<MetricsMessage>(message, 'metrics')) return;
      this.#last.set(n, message.metrics as MetricsJson);
      this.#answered(message.id, n);
    });
    cluster.on('workerExit', (n) => {
      const last = this.#last.get(n);
      this.#last.delete(n);
      if (last !== undefined) this.#carried.push(last.filter((m) => MONOTONIC.has(String(m.type))));
      for (const id of this.#pending.keys()) this.#answered(id, n);
    });
  }

  /** Asks every worker and renders the sum in the Prometheus text format. */
  async render(): Promise<string> {
    const id = this.#nextId++;
    const asked = this.#cluster.sendToWorkers({ type: 'metricsRequest', id });
    if (asked.length > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, this.#timeoutMs);
        const self = this;
        function finish(): void {
          clearTimeout(timer);
          self.#pending.delete(id);
          resolve();
        }
        this.#pending.set(id, { waiting: new Set(asked), done: finish });
      });
    }
    // Folding the carried sets into one keeps their number at one.
    if (this.#carried.length > 1) this.#carried = [await AggregatorRegistry.aggregate(this.#carried).getMetricsAsJSON()];
    return AggregatorRegistry.aggregate([...this.#carried, ...this.#last.values()]).metrics();
  }

  #answered(id: number, n: number): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    pending.waiting.delete(n);
    if (pending.waiting.size === 0) pending.done();
  }
}
