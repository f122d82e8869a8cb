/**
 * Per-process numbers from /proc: resident memory and CPU time.
 */
import { readdirSync, readFileSync } from 'node:fs';

// USER_HZ: 100 on every mainstream Linux build (sysconf(_SC_CLK_TCK)).
const CLOCK_TICKS_PER_S = 100;

/** VmRSS of `pid` in KiB, or undefined if the process is gone. */
export function readRssKb(pid: number): number | undefined {
  return readStatusField(pid, 'VmRSS');
}

/** VmHWM (peak RSS) of `pid` in KiB. */
export function readPeakRssKb(pid: number): number | undefined {
  return readStatusField(pid, 'VmHWM');
}

function readStatusField(pid: number, field: string): number | undefined {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds used so far by `pid` (not its children). */
export function readCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
}

/** PIDs whose parent is `pid` (scans /proc: /proc/PID/task/TID/children is not always there). */
export function readChildPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // exited while scanning
    }
  }
  return children;
}

/** CPU seconds of `pid` and its direct children (a cluster primary and its workers). */
export function readTreeCpuSeconds(pid: number, children: readonly number[] = readChildPids(pid)): number | undefined {
  const own = readCpuSeconds(pid);
  if (own === undefined) return undefined;
  return children.reduce((sum, c) => sum + (readCpuSeconds(c) ?? 0), own);
}
