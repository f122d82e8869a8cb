import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';

import { promtoolMissing } from './fixtures/promtool.js';

const run = promisify(execFile);

// The examples are compiled by `npm run build` (pretest) into dist/examples.
t.test('the custom-transform example runs and its transforms see the traffic', async (t) => {
  const { stdout } = await run(process.execPath, ['dist/examples/custom-transform.js'], { timeout: 30_000 });
  t.match(stdout, /echoed 100000 bytes/);
  t.match(stdout, /upstream counter saw 100000 bytes/);
  t.match(stdout, /connection closed: OK, up 100000 B, down 100000 B/);
});

t.test('the minimal-server example refuses to start without a password', async (t) => {
  const err = await run(process.execPath, ['dist/examples/minimal-server.js'], { timeout: 10_000, env: { ...process.env, SS_PASSWORD: '' } }).catch((e: { code: number; stderr: string }) => e);
  t.match(err, { code: 2, stderr: /SS_PASSWORD/ });
});

t.test('the Grafana dashboard queries only metrics the server exports', async (t) => {
  const { readFileSync } = await import('node:fs');
  const { Registry } = await import('prom-client');
  const { MetricsObserver } = await import('../lib/server/metrics/metrics-observer.js');
  const registry = new Registry();
  new MetricsObserver({ registry });
  const names = new Set(registry.getMetricsAsArray().map((m) => (m as unknown as { name: string }).name));
  const dashboard = JSON.parse(readFileSync('examples/grafana-dashboard.json', 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  for (const expr of dashboard.panels.flatMap((p) => p.targets.map((x) => x.expr))) {
    for (const [name] of expr.matchAll(/\bss_[a-z_]+/g)) t.ok(names.has(name.replace(/_(bucket|count|sum)$/, '')), `${name} is exported`);
  }
});

t.test('the Prometheus scrape config passes promtool check config', { skip: promtoolMissing() }, async (t) => {
  const { stdout } = await run('promtool', ['check', 'config', 'examples/prometheus.yml'], { timeout: 10_000 });
  t.match(stdout, /SUCCESS/);
});
