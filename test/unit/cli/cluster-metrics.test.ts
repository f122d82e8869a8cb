/**
 * The summed metrics of `--workers N`: each worker's answer is added up,
 * and a worker that dies and restarts at zero does not make a counter go
 * backwards.
 */
import { EventEmitter } from 'node:events';
import t from 'tap';
import { Counter, Gauge, Registry } from 'prom-client';
import { ClusterMetrics } from '../../../lib/cli/cluster-metrics.js';
import { createServerObservability } from '../../../lib/cli/server-observability.js';
import type { PrimaryMessage } from '../../../lib/cli/cluster-messages.js';
import { promtoolCheck, promtoolMissing, sampleValue } from '../../fixtures/promtool.js';

/** A fake worker: a registry with one counter and one gauge. */
function fakeWorker() {
  const registry = new Registry();
  const bytes = new Counter({ name: 'ss_data_bytes_total', help: 'bytes', labelNames: ['user'], registers: [registry] });
  const open = new Gauge({ name: 'ss_tcp_connections_open', help: 'open', registers: [registry] });
  return { registry, bytes, open };
}

/** A fake cluster whose workers answer {metricsRequest} from their registries (cloned, as IPC would). */
function fakeCluster(workers: Map<number, ReturnType<typeof fakeWorker>>) {
  const emitter = new EventEmitter();
  return Object.assign(emitter, {
    sendToWorkers(message: PrimaryMessage): number[] {
      if (message.type !== 'metricsRequest') return [];
      for (const [n, w] of workers) void w.registry.getMetricsAsJSON().then((metrics) => emitter.emit('workerMessage', n, { type: 'metrics', id: message.id, metrics: structuredClone(metrics) }));
      return [...workers.keys()];
    },
  });
}

t.test('counters of the workers are summed, and a restarted worker does not set them back', async (t) => {
  const workers = new Map([[1, fakeWorker()], [2, fakeWorker()]]);
  const cluster = fakeCluster(workers);
  const metrics = new ClusterMetrics(cluster);
  workers.get(1)!.bytes.inc({ user: 'alice' }, 100);
  workers.get(2)!.bytes.inc({ user: 'alice' }, 50);
  workers.get(1)!.open.set(3);
  workers.get(2)!.open.set(2);
  let text = await metrics.render();
  t.equal(sampleValue(text, 'ss_data_bytes_total', { user: 'alice' }), 150, 'summed over the workers');
  t.equal(sampleValue(text, 'ss_tcp_connections_open'), 5, 'gauges are summed too');

  // Worker 2 dies and comes back with fresh (zero) metrics.
  workers.set(2, fakeWorker());
  cluster.emit('workerExit', 2);
  workers.get(2)!.bytes.inc({ user: 'alice' }, 7);
  text = await metrics.render();
  t.equal(sampleValue(text, 'ss_data_bytes_total', { user: 'alice' }), 157, 'the dead worker\'s last count is carried: 150 + 7');
  t.equal(sampleValue(text, 'ss_tcp_connections_open'), 3, 'its gauge is not carried');

  // And again: carried counts fold into one set and keep adding up.
  workers.set(2, fakeWorker());
  cluster.emit('workerExit', 2);
  workers.get(2)!.bytes.inc({ user: 'alice' }, 1);
  text = await metrics.render();
  t.equal(sampleValue(text, 'ss_data_bytes_total', { user: 'alice' }), 158);
});

t.test('a worker that does not answer counts with its last answer, after the timeout', async (t) => {
  const emitter = new EventEmitter();
  const w = fakeWorker();
  w.bytes.inc({ user: 'bob' }, 10);
  let answer = true;
  const cluster = Object.assign(emitter, {
    sendToWorkers(message: PrimaryMessage): number[] {
      if (message.type === 'metricsRequest' && answer) void w.registry.getMetricsAsJSON().then((metrics) => emitter.emit('workerMessage', 1, { type: 'metrics', id: message.id, metrics: structuredClone(metrics) }));
      return [1];
    },
  });
  const metrics = new ClusterMetrics(cluster, 50);
  t.equal(sampleValue(await metrics.render(), 'ss_data_bytes_total', { user: 'bob' }), 10);
  answer = false;
  w.bytes.inc({ user: 'bob' }, 5);
  t.equal(sampleValue(await metrics.render(), 'ss_data_bytes_total', { user: 'bob' }), 10, 'the last answer stands');
});

t.test('a process\'s metrics with the default process metrics pass promtool check metrics', { skip: promtoolMissing() }, async (t) => {
  const { registry } = await createServerObservability({ metrics: true });
  const text = await registry!.metrics();
  t.match(text, /process_cpu_seconds_total/, 'prom-client\'s process metrics are there');
  t.match(text, /ss_tcp_connections_open 0/);
  const lint = promtoolCheck(text);
  t.equal(lint.status, 0, `promtool check metrics passes${lint.output === '' ? '' : `: ${lint.output}`}`);
  t.equal((await createServerObservability({ metrics: false })).registry, undefined, 'metrics off: no registry');
});
