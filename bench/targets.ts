/**
 * The goals of issue 5, checked against one run: each as a measured ratio,
 * the goal, and met / not met (n/a when the metric did not run).
 *
 *   throughput ≥ 1.0× libev, conn/s ≥ 0.75× libev, memory per held
 *   connection ≤ 1.5× libev, RSS growth over the rounds ≤ 10%,
 *   --workers 2 ≥ 1.5× one worker
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
  const ratio = (metric: string): number | undefined => inputs.summary.find((r) => r.metric === metric)?.ratio;
  const atLeast = (v: number | undefined, goal: number): boolean | undefined => (v === undefined ? undefined : v >= goal);
  const atMost = (v: number | undefined, goal: number): boolean | undefined => (v === undefined ? undefined : v <= goal);
  const x = (v: number | undefined): string => (v === undefined ? 'n/a' : `${v.toFixed(2)}×`);
  const up = ratio('throughput upload');
  const down = ratio('throughput download');
  const cps = ratio('new connections');
  const mem = ratio('RSS per held idle connection');
  const growth = inputs.growth?.rssRatio;
  const scaling = inputs.multicore ? multicoreScaling(inputs.multicore) : undefined;
  const rounds = inputs.growth?.rounds.length;
  return [
    { target: 'throughput upload vs libev', measured: x(up), goal: '≥ 1.00×', met: atLeast(up, 1) },
    { target: 'throughput download vs libev', measured: x(down), goal: '≥ 1.00×', met: atLeast(down, 1) },
    { target: 'new connections/s vs libev', measured: x(cps), goal: '≥ 0.75×', met: atLeast(cps, 0.75) },
    { target: `RSS per held idle connection vs libev (${inputs.heldConns} held)`, measured: x(mem), goal: '≤ 1.50×', met: atMost(mem, 1.5) },
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
