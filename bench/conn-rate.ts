/**
 * New connections per second: wrk with `Connection: close` against a tiny
 * HTTP target through the tunnel, so every request is a fresh connection
 * (client → ss-tunnel → server → target).
 */
import { readCpuSeconds } from './proc-stats.js';
import { runCommand } from './run-command.js';

/** One wrk run. */
export interface ConnRateResult {
  requestsPerSecond: number;
  requests: number;
  non2xx: number;
  /** connect + read + write + timeout errors as wrk counts them. */
  socketErrors: number;
  serverCpuPercent: number | undefined;
  /** Server CPU time per completed request (= connection), µs. */
  serverCpuUsPerConn: number | undefined;
}

/** What a run needs. */
export interface ConnRateRun {
  tunnelPort: number;
  seconds: number;
  serverPid: number;
}

export const WRK_CONNECTIONS = 50;
export const WRK_THREADS = 2;

export async function measureConnRate(run: ConnRateRun): Promise<ConnRateResult> {
  const args = ['-c', String(WRK_CONNECTIONS), '-t', String(WRK_THREADS), '-d', `${run.seconds}s`, '--timeout', '5s', '-H', 'Connection: close', `http://127.0.0.1:${run.tunnelPort}/`];
  const cpu0 = readCpuSeconds(run.serverPid);
  const t0 = performance.now();
  const r = await runCommand('wrk', args, (run.seconds + 15) * 1000);
  const wallS = (performance.now() - t0) / 1000;
  const cpu1 = readCpuSeconds(run.serverPid);
  if (r.timedOut) throw new Error('wrk timed out');
  const parsed = parseWrk(r.stdout, r.stderr);
  const cpu = cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined;
  return {
    ...parsed,
    serverCpuPercent: cpu === undefined ? undefined : (100 * cpu) / wallS,
    serverCpuUsPerConn: cpu === undefined || parsed.requests === 0 ? undefined : (cpu * 1e6) / parsed.requests,
  };
}

/** Parses wrk's text report. */
export function parseWrk(stdout: string, stderr = ''): Omit<ConnRateResult, 'serverCpuPercent' | 'serverCpuUsPerConn'> {
  const rps = stdout.match(/^Requests\/sec:\s+([\d.]+)/m);
  if (!rps) throw new Error(`wrk printed no Requests/sec: ${(stderr || stdout).trim().slice(0, 300)}`);
  const total = stdout.match(/^\s*(\d+) requests in/m);
  const non2xx = stdout.match(/Non-2xx or 3xx responses:\s+(\d+)/);
  const sock = stdout.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  return {
    requestsPerSecond: Number(rps[1]),
    requests: total ? Number(total[1]) : 0,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: sock ? sock.slice(1, 5).reduce((a, b) => a + Number(b), 0) : 0,
  };
}
