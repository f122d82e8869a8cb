/**
 * Multi-core: our command-line server with `--workers 2` against `--workers
 * 1`, each behind one fresh ss-tunnel, with `iperf3 -P 8` (8 parallel
 * streams, which cluster's round-robin spreads over the workers), upload and
 * download. The server's CPU is summed over the primary and its workers.
 *
 *   scaling = (up + down Gbit/s with 2 workers) / (up + down with 1)    (target: ≥ 1.5)
 *
 * On a 2-core machine the client side (iperf3 and a single-threaded
 * ss-tunnel) competes for the same cores, which caps what a second worker
 * can add: read the CPU column with the rate.
 */
import type { Child } from './child.js';
import { startCliServer, startTunnel } from './peers.js';
import { readChildPids, readTreeCpuSeconds } from './proc-stats.js';
import { median } from './stats.js';
import { measureThroughput, type ThroughputResult } from './throughput.js';

/** One multi-core round: one worker count. */
export interface MulticoreRound {
  workers: number;
  repeat: number;
  upload?: ThroughputResult;
  download?: ThroughputResult;
  errors: string[];
}

/** What a round needs. */
export interface MulticoreRun {
  workers: number;
  repeat: number;
  method: string;
  password: string;
  iperfPort: number;
  seconds: number;
  parallel: number;
}

export async function runMulticoreRound(run: MulticoreRun): Promise<MulticoreRound> {
  const result: MulticoreRound = { workers: run.workers, repeat: run.repeat, errors: [] };
  const started: Child[] = [];
  try {
    const server = await startCliServer({ workers: run.workers, method: run.method, password: run.password });
    started.push(server.child);
    const tunnel = await startTunnel(server.port, run.iperfPort, run.method, run.password);
    started.push(tunnel.child);
    const pid = server.child.pid!;
    const workers = readChildPids(pid);
    const base = { tunnelPort: tunnel.port, targetPort: run.iperfPort, seconds: run.seconds, serverPid: pid, parallel: run.parallel, readCpu: () => readTreeCpuSeconds(pid, workers) };
    for (const reverse of [false, true]) {
      try {
        const r = await measureThroughput({ ...base, reverse });
        if (reverse) result.download = r;
        else result.upload = r;
      } catch (err) {
        result.errors.push(`${reverse ? 'download' : 'upload'}: ${(err as Error).message}`);
      }
      const dead = started.find((c) => !c.alive);
      if (dead) {
        result.errors.push(`${dead.name} ${dead.exitReason}: ${dead.tail()}`);
        break;
      }
    }
  } catch (err) {
    result.errors.push(`start: ${(err as Error).message}`);
  } finally {
    for (const child of started.reverse()) await child.stop();
  }
  return result;
}

/** What {@link runMulticore} needs. */
export interface MulticorePhase extends Omit<MulticoreRun, 'workers' | 'repeat'> {
  repeats: number;
  log: (line: string) => void;
  /** Checked before each round: true stops the phase. */
  interrupted: () => boolean;
}

/** The rounds, interleaved: 1 worker, 2 workers, 1, 2 ... */
export async function runMulticore(phase: MulticorePhase): Promise<MulticoreRound[]> {
  const rounds: MulticoreRound[] = [];
  for (let repeat = 1; repeat <= phase.repeats; repeat++) {
    for (const workers of [1, 2]) {
      if (phase.interrupted()) return rounds;
      const r = await runMulticoreRound({ ...phase, workers, repeat });
      rounds.push(r);
      phase.log(describeMulticoreRound(r, phase.parallel));
    }
  }
  return rounds;
}

function describeMulticoreRound(r: MulticoreRound, parallel: number): string {
  const part = (name: string, t: ThroughputResult | undefined): string => (t ? `${name} ${t.gbps.toFixed(2)} Gbit/s cpu ${t.serverCpuPercent?.toFixed(0) ?? '?'}%` : `${name} n/a`);
  const errors = r.errors.length ? ` [${r.errors.join('; ')}]` : '';
  return `ours --workers ${r.workers} #${r.repeat} (iperf3 -P ${parallel}): ${part('up', r.upload)}, ${part('down', r.download)}${errors}`;
}

/** Median Gbit/s (up + down) per worker count, and the 2-over-1 ratio. */
export function multicoreScaling(rounds: readonly MulticoreRound[]): { one?: number | undefined; two?: number | undefined; ratio?: number | undefined } {
  const total = (workers: number): number | undefined => median(rounds.filter((r) => r.workers === workers).map((r) => (r.upload && r.download ? r.upload.gbps + r.download.gbps : undefined)));
  const one = total(1);
  const two = total(2);
  return { one, two, ratio: one && two !== undefined ? two / one : undefined };
}
