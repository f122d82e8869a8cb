/**
 * Summary: the median of each metric over the rounds of one server and
 * method, and the ours/libev ratio, as table rows.
 */
import type { Impl } from './peers.js';
import type { RoundResult } from './round.js';
import { median } from './stats.js';

/** One row of the results table. */
export interface SummaryRow {
  metric: string;
  unit: string;
  /** Which direction is better; `info` rows are context, not a score. */
  better: 'higher' | 'lower' | 'info';
  ours: number | undefined;
  libev: number | undefined;
  /** ours / libev. */
  ratio: number | undefined;
  /** Rounds that produced a value, per server. */
  n: Record<Impl, number>;
}

type Pick = (r: RoundResult) => number | undefined;

const ROWS: [metric: string, unit: string, better: SummaryRow['better'], pick: Pick][] = [
  ['throughput upload', 'Gbit/s', 'higher', (r) => r.upload?.gbps],
  ['throughput download', 'Gbit/s', 'higher', (r) => r.download?.gbps],
  ['server CPU per GB, upload', 'CPU s', 'lower', (r) => r.upload?.serverCpuSecondsPerGB],
  ['server CPU per GB, download', 'CPU s', 'lower', (r) => r.download?.serverCpuSecondsPerGB],
  ['new connections', 'conn/s', 'higher', (r) => r.connRate?.requestsPerSecond],
  ['wrk errors (non-2xx + socket)', 'count', 'lower', (r) => (r.connRate ? r.connRate.non2xx + r.connRate.socketErrors : undefined)],
  ['server CPU per connection', 'CPU µs', 'lower', (r) => r.connRate?.serverCpuUsPerConn],
  ['crypto-free Node relay: new connections', 'conn/s', 'info', (r) => r.relayConnRate?.requestsPerSecond],
  ['crypto-free Node relay: CPU per connection', 'CPU µs', 'info', (r) => r.relayConnRate?.serverCpuUsPerConn],
  ['server CPU per connection / relay (same round)', 'ratio', 'lower', (r) => perRelay(r)],
  ['RSS idle', 'MiB', 'lower', (r) => kbToMib(r.idleRssKb)],
  ['RSS per held idle connection', 'KiB', 'lower', (r) => r.memory?.perConnKb],
  ['connections held', 'count', 'info', (r) => r.memory?.held],
  ['JS heap live after GC, idle (ours)', 'MiB', 'info', (r) => kbToMib(r.nodeMemory?.idle?.heapUsedKb)],
  ['JS heap live after GC, held (ours)', 'MiB', 'info', (r) => kbToMib(r.nodeMemory?.held?.heapUsedKb)],
  ['peak RSS (whole round)', 'MiB', 'lower', (r) => kbToMib(r.peakRssKb)],
];

function perRelay(r: RoundResult): number | undefined {
  const ours = r.connRate?.serverCpuUsPerConn;
  const relay = r.relayConnRate?.serverCpuUsPerConn;
  return ours === undefined || !relay ? undefined : ours / relay;
}

function kbToMib(kb: number | undefined): number | undefined {
  return kb === undefined ? undefined : kb / 1024;
}

/** Rows for the rounds of one method. Rows with no value on either side are left out. */
export function summarize(rounds: readonly RoundResult[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const [metric, unit, better, pick] of ROWS) {
    const of = (impl: Impl): (number | undefined)[] => rounds.filter((r) => r.impl === impl).map(pick);
    const ours = median(of('ours'));
    const libev = median(of('libev'));
    if (ours === undefined && libev === undefined) continue;
    const count = (impl: Impl): number => of(impl).filter((v) => v !== undefined).length;
    rows.push({ metric, unit, better, ours, libev, ratio: ours !== undefined && libev ? ours / libev : undefined, n: { ours: count('ours'), libev: count('libev') } });
  }
  return rows;
}

/** The rows as a Markdown table. */
export function formatTable(rows: readonly SummaryRow[]): string {
  if (rows.length === 0) return '(no results)';
  const head = ['metric', 'unit', 'ours', 'libev', 'ours/libev', 'better'];
  const body = rows.map((r) => [r.metric, r.unit, fmt(r.ours), fmt(r.libev), r.ratio === undefined ? 'n/a' : r.ratio.toFixed(2), r.better === 'info' ? '(info)' : r.better]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i >= 2 && i <= 4 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`, ...body.map(line)].join('\n');
}

function fmt(v: number | undefined): string {
  if (v === undefined) return 'n/a';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
