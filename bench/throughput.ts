/**
 * Throughput: iperf3 through the tunnel, one TCP stream (or `-P parallel`),
 * upload (client to target) or download (`-R`). A one-shot iperf3 server (`-s -1`) is started
 * on the target port for each measurement, so a failed test cannot leave a
 * busy server behind. The first second (slow start) is omitted (`-O 1`).
 */
import { Child } from './child.js';
import { runCommand } from './run-command.js';
import { readCpuSeconds } from './proc-stats.js';
import { waitListen } from './wait-listen.js';

/** One throughput measurement. */
export interface ThroughputResult {
  /** Received bits per second, in Gbit/s (10^9). */
  gbps: number;
  /** CPU time of the server process during the test, as % of one core. */
  serverCpuPercent: number | undefined;
  /**
   * Server CPU seconds per 10^9 bytes relayed (all intervals, omitted one
   * included, as the CPU time covers them too). Less sensitive to a busy
   * machine than the rate itself.
   */
  serverCpuSecondsPerGB: number | undefined;
}

/** What a measurement needs. */
export interface ThroughputRun {
  tunnelPort: number;
  targetPort: number;
  seconds: number;
  reverse: boolean;
  serverPid: number;
  /** Parallel streams (`iperf3 -P`). Default 1. */
  parallel?: number;
  /** Reads the server's CPU seconds. Default: `serverPid` alone. */
  readCpu?: () => number | undefined;
}

const OMIT_S = 1;

export async function measureThroughput(run: ThroughputRun): Promise<ThroughputResult> {
  const iperfServer = new Child({ name: 'iperf3 -s', command: 'iperf3', args: ['-s', '-1', '-B', '127.0.0.1', '-p', String(run.targetPort)] });
  try {
    await waitListen(run.targetPort, iperfServer);
    const args = ['-c', '127.0.0.1', '-p', String(run.tunnelPort), '-t', String(run.seconds), '-O', String(OMIT_S), '-J', '--connect-timeout', '5000'];
    if (run.reverse) args.push('-R');
    if (run.parallel !== undefined && run.parallel > 1) args.push('-P', String(run.parallel));
    const readCpu = run.readCpu ?? (() => readCpuSeconds(run.serverPid));
    const cpu0 = readCpu();
    const t0 = performance.now();
    const r = await runCommand('iperf3', args, (run.seconds + OMIT_S + 15) * 1000);
    const wallS = (performance.now() - t0) / 1000;
    const cpu1 = readCpu();
    if (r.timedOut) throw new Error('iperf3 client timed out');
    const { gbps, bytes } = parseIperf(r.stdout, r.stderr);
    const cpu = cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined;
    return {
      gbps,
      serverCpuPercent: cpu === undefined ? undefined : (100 * cpu) / wallS,
      serverCpuSecondsPerGB: cpu === undefined || bytes === 0 ? undefined : cpu / (bytes / 1e9),
    };
  } finally {
    await iperfServer.stop();
  }
}

interface IperfJson {
  error?: string;
  intervals?: { sum?: { bytes?: number } }[];
  end?: { sum_received?: { bits_per_second?: number } };
}

function parseIperf(stdout: string, stderr: string): { gbps: number; bytes: number } {
  let json: IperfJson;
  try {
    json = JSON.parse(stdout) as IperfJson;
  } catch {
    throw new Error(`iperf3 printed no JSON: ${(stderr || stdout).trim().slice(0, 300)}`);
  }
  if (json.error) throw new Error(`iperf3: ${json.error}`);
  const bps = json.end?.sum_received?.bits_per_second;
  if (typeof bps !== 'number') throw new Error('iperf3 JSON has no end.sum_received.bits_per_second');
  const bytes = (json.intervals ?? []).reduce((sum, i) => sum + (i.sum?.bytes ?? 0), 0);
  return { gbps: bps / 1e9, bytes };
}
