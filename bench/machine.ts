/**
 * Machine and tool facts printed with the results (the numbers mean little
 * without them).
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';

/** What was known about the machine when the run started. */
export interface MachineInfo {
  date: string;
  node: string;
  cpuCount: number;
  cpuModel: string;
  kernel: string;
  memoryGiB: number;
  loadavg: number[];
  tools: Record<string, string>;
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpuCount: c.length,
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    kernel: release(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
    tools: {
      'ss-server': firstLine('ss-server', ['-h'], /shadowsocks-libev [\d.]+/),
      iperf3: firstLine('iperf3', ['--version'], /iperf [\d.]+/),
      wrk: firstLine('wrk', ['-v'], /wrk \S+/),
    },
  };
}

function firstLine(command: string, args: string[], re: RegExp): string {
  try {
    const out = execFileSync(command, args, { encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'pipe', 'pipe'] });
    return out.match(re)?.[0] ?? 'present';
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: string };
    const text = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    return text.match(re)?.[0] ?? (e.code === 'ENOENT' ? 'missing' : 'present');
  }
}
