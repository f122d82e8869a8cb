/**
 * The goals of issue 18 (and the growth and multi-core goals of issue 5),
 * checked against one run: each as a measured ratio, the goal, and met / not
 * met (n/a when the metric did not run).
 *
 *   throughput ≥ 1.0× libev and server MB per CPU-second ≥ 1.0× libev, both
 *   directions; server CPU per new connection ≤ 1.3× the crypto-free Node
 *   relay's (same round); RSS per held idle connection ≤ 1.0× libev; idle RSS
 *   ≤ 45 MiB; RSS growth over the rounds ≤ 10%; --workers 2 ≥ 1.5× one worker
 */
import type { GrowthResult } from './growth.js';
import { multicoreScaling, type MulticoreRound } from './multicore.js';
import type { SummaryRow } from './summary.js';

/** One goal and how the run did. */
export interface TargetRow {
  target: string;
  measured: string;
  goal: string;
  /** undefined: not measured. */
  met: boolean | undefined;
}

/** What the goals are checked against (all optional: a metric may be off). */
export interface TargetInputs {
  /** Summary rows of the first method (the growth and multi-core phases use it too). */
  summary: readonly SummaryRow[];
  heldConns: number;
  growth?: GrowthResult | undefined;
  multicore?: readonly MulticoreRound[] | undefined;
}

export function checkTargets(inputs: TargetInputs): TargetRow[] {
  const row = (metric: string): SummaryRow | undefined => inputs.summary.find((r) => r.metric === metric);
  const ratio = (metric: string): number | undefined => row(metric)?.ratio;
  // MB per CPU-second is the inverse of CPU seconds per GB: ours/libev = libev CPU ÷ our CPU.
  const perCpu = (metric: string): number | undefined => {
    const r = ratio(metric);
    return r ? 1 / r : undefined;
  };
  const atLeast = (v: number | undefined, goal: number): boolean | undefined => (v === undefined ? undefined : v >= goal);
  const atMost = (v: number | undefined, goal: number): boolean | undefined => (v === undefined ? undefined : v <= goal);
  const x = (v: number | undefined): string => (v === undefined ? 'n/a' : `${v.toFixed(2)}×`);
  const up = ratio('throughput upload');
  const down = ratio('throughput download');
  const cpuUp = perCpu('server CPU per GB, upload');
  const cpuDown = perCpu('server CPU per GB, download');
  const perConn = row('server CPU per connection / relay (same round)')?.ours;
  const mem = ratio('RSS per held idle connection');
  const idle = row('RSS idle')?.ours;
  const growth = inputs.growth?.rssRatio;
  const scaling = inputs.multicore ? multicoreScaling(inputs.multicore) : undefined;
  const rounds = inputs.growth?.rounds.length;
  return [
    { target: 'throughput upload vs libev', measured: x(up), goal: '≥ 1.00×', met: atLeast(up, 1) },
    { target: 'throughput download vs libev', measured: x(down), goal: '≥ 1.00×', met: atLeast(down, 1) },
    { target: 'server MB per CPU-second, upload, vs libev', measured: x(cpuUp), goal: '≥ 1.00×', met: atLeast(cpuUp, 1) },
    { target: 'server MB per CPU-second, download, vs libev', measured: x(cpuDown), goal: '≥ 1.00×', met: atLeast(cpuDown, 1) },
    { target: 'server CPU per new connection vs crypto-free Node relay', measured: x(perConn), goal: '≤ 1.30×', met: atMost(perConn, 1.3) },
    { target: `RSS per held idle connection vs libev (${inputs.heldConns} held)`, measured: x(mem), goal: '≤ 1.00×', met: atMost(mem, 1) },
    { target: 'RSS idle (ours)', measured: idle === undefined ? 'n/a' : `${idle.toFixed(1)} MiB`, goal: '≤ 45 MiB', met: atMost(idle, 45) },
    {
      target: `RSS after round ${rounds ?? 'N'} vs round 1 (${inputs.growth?.conns ?? 'M'} conns opened and closed per round)`,
      measured: growth === undefined ? 'n/a' : `${growth >= 1 ? '+' : ''}${((growth - 1) * 100).toFixed(1)}%`,
      goal: '≤ +10%',
      met: atMost(growth, 1.1),
    },
    { target: 'ours --workers 2 vs --workers 1 (iperf3 -P, up + down)', measured: x(scaling?.ratio), goal: '≥ 1.50×', met: atLeast(scaling?.ratio, 1.5) },
  ];
}

/** The rows as a Markdown table. */
export function formatTargets(rows: readonly TargetRow[]): string {
  const head = ['target', 'measured', 'goal', 'result'];
  const body = rows.map((r) => [r.target, r.measured, r.goal, r.met === undefined ? 'not measured' : r.met ? 'met' : 'NOT met']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i === 1 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`, ...body.map(line)].join('\n');
}
