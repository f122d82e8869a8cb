/**
 * Growth: does our server give memory back? R rounds (default 10) of opening
 * M connections straight to the server (the holder speaks Shadowsocks with
 * the lib's EncryptTransform, no tunnel), holding them until each byte
 * reached the target, and closing them all. After each round, once the
 * server reports no open connection, its RSS is sampled, then its live JS
 * heap after a full GC (SIGUSR2).
 *
 *   growth = RSS after round R / RSS after round 1     (target: ≤ 1.10)
 *
 * Round 1 already holds the peak number of connections, so a server that
 * frees what it allocates stays flat from there on; steady growth is a leak.
 */
import type { Child } from './child.js';
import { sampleRssKb } from './memory.js';
import { readNodeMemory } from './node-memory.js';
import { startServer } from './peers.js';
import { sleep } from './sleep.js';

/** One open/close round. */
export interface GrowthRound {
  reached: number;
  errors: number;
  rssKb: number;
  /** Live JS heap after GC (KiB), undefined if the server did not answer. */
  heapUsedKb: number | undefined;
}

/** The result of {@link measureGrowth}. */
export interface GrowthResult {
  conns: number;
  rounds: GrowthRound[];
  /** RSS after the last round / after the first. */
  rssRatio: number;
  /** Live heap after the last round / after the first. */
  heapRatio: number | undefined;
}

/** What a measurement needs. */
export interface GrowthRun {
  holder: Child;
  /** Our server (bench/server-entry.js), for its PID and its SIGUSR2 report. */
  server: Child;
  serverPort: number;
  method: string;
  password: string;
  conns: number;
  rounds: number;
  log: (line: string) => void;
}

const SETTLE_MS = 1000;
const DRAIN_TIMEOUT_MS = 10_000;

export async function measureGrowth(run: GrowthRun): Promise<GrowthResult> {
  const rounds: GrowthRound[] = [];
  for (let i = 1; i <= run.rounds; i++) {
    const round = await oneRound(run);
    rounds.push(round);
    run.log(`  growth round ${i}/${run.rounds}: ${round.reached}/${run.conns} reached, RSS ${(round.rssKb / 1024).toFixed(1)} MiB, live heap ${round.heapUsedKb === undefined ? 'n/a' : `${(round.heapUsedKb / 1024).toFixed(1)} MiB`}`);
    if (round.reached === 0) throw new Error(`round ${i}: no connection reached the target (${round.errors} errors)`);
  }
  const first = rounds[0]!;
  const last = rounds[rounds.length - 1]!;
  return {
    conns: run.conns,
    rounds,
    rssRatio: last.rssKb / first.rssKb,
    heapRatio: first.heapUsedKb && last.heapUsedKb !== undefined ? last.heapUsedKb / first.heapUsedKb : undefined,
  };
}

async function oneRound(run: GrowthRun): Promise<GrowthRound> {
  const openTimeoutMs = Math.max(20_000, run.conns * 10);
  let mark = run.holder.mark();
  run.holder.send(`open ${run.serverPort} ${run.conns} ${openTimeoutMs} ${run.method} ${run.password}`);
  const m = await run.holder.waitFor(/^HELD (\d+) (\d+) (\d+)$/m, openTimeoutMs + 5000, mark);
  mark = run.holder.mark();
  run.holder.send('close');
  await run.holder.waitFor(/^CLOSED$/m, 5000, mark);
  await waitForNoConnections(run.server);
  await sleep(SETTLE_MS);
  const rssKb = await sampleRssKb(run.server.pid!);
  const heap = await readNodeMemory(run.server);
  return { reached: Number(m[1]), errors: Number(m[3]), rssKb, heapUsedKb: heap?.heapUsedKb };
}

// The server closes its side a little after the holder: wait for zero (bounded).
async function waitForNoConnections(server: Child): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const m = await readNodeMemory(server);
    if (m !== undefined && m.connections === 0) return;
    await sleep(200);
  }
}

/** What {@link runGrowth} needs: the shared holder and the run's settings. */
export interface GrowthPhase {
  holder: Child;
  method: string;
  password: string;
  conns: number;
  rounds: number;
  log: (line: string) => void;
}

/** Starts a fresh server of ours (bench/server-entry.js), measures, stops it. */
export async function runGrowth(phase: GrowthPhase): Promise<GrowthResult> {
  const server = await startServer({ impl: 'ours', method: phase.method, password: phase.password });
  try {
    return await measureGrowth({ ...phase, server: server.child, serverPort: server.port });
  } finally {
    await server.child.stop();
  }
}
