/**
 * Memory: the server's RSS with N idle relayed connections held open,
 * against its RSS when idle. The holder (idle-holder.ts) opens the
 * connections through the tunnel and sends one byte on each, so the server
 * reads the header and dials the target; then all stay quiet.
 *
 *   per connection = (RSS_N − RSS_idle) / N_reached     (KiB, lower is better)
 */
import type { Child } from './child.js';
import { readRssKb } from './proc-stats.js';
import { sleep } from './sleep.js';
import { median } from './stats.js';

/** One memory measurement. */
export interface MemoryResult {
  idleRssKb: number;
  heldRssKb: number;
  /** Connections whose byte reached the target. */
  held: number;
  asked: number;
  perConnKb: number;
}

/** What a measurement needs. */
export interface MemoryRun {
  holder: Child;
  tunnelPort: number;
  serverPid: number;
  conns: number;
  idleRssKb: number;
  /** Called after the RSS sample, while the connections are still held. */
  whileHeld?: () => Promise<void>;
}

const SETTLE_MS = 1000;
const SAMPLES = 3;
const SAMPLE_GAP_MS = 250;

/** Samples RSS a few times and returns the median (KiB). */
export async function sampleRssKb(pid: number): Promise<number> {
  const samples: (number | undefined)[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    if (i > 0) await sleep(SAMPLE_GAP_MS);
    samples.push(readRssKb(pid));
  }
  const m = median(samples);
  if (m === undefined) throw new Error(`no RSS for pid ${pid} (process gone?)`);
  return m;
}

export async function measureMemory(run: MemoryRun): Promise<MemoryResult> {
  const openTimeoutMs = Math.max(20_000, run.conns * 10);
  try {
    const mark = run.holder.mark();
    run.holder.send(`open ${run.tunnelPort} ${run.conns} ${openTimeoutMs}`);
    const m = await run.holder.waitFor(/^HELD (\d+) (\d+) (\d+)$/m, openTimeoutMs + 5000, mark);
    const held = Number(m[1]);
    if (held === 0) throw new Error(`no connection reached the target (connected ${m[2]}, errors ${m[3]})`);
    await sleep(SETTLE_MS);
    const heldRssKb = await sampleRssKb(run.serverPid);
    await run.whileHeld?.();
    return { idleRssKb: run.idleRssKb, heldRssKb, held, asked: run.conns, perConnKb: (heldRssKb - run.idleRssKb) / held };
  } finally {
    const mark = run.holder.mark();
    run.holder.send('close');
    await run.holder.waitFor(/^CLOSED$/m, 5000, mark).catch(() => undefined);
  }
}
