/**
 * readNodeMemory: asks our server process (bench/server-entry.js) for its
 * `process.memoryUsage()` and open connection count via SIGUSR2. Context for
 * the RSS numbers: how much of it is the JS heap. libev has no equivalent.
 */
import type { Child } from './child.js';

/** `process.memoryUsage()` of the server, in KiB, and its open connections. */
export interface NodeMemory {
  rssKb: number;
  heapUsedKb: number;
  heapTotalKb: number;
  externalKb: number;
  arrayBuffersKb: number;
  connections: number;
}

const TIMEOUT_MS = 2000;

/** Undefined if the process does not answer in time. */
export async function readNodeMemory(child: Child): Promise<NodeMemory | undefined> {
  const mark = child.mark();
  child.signal('SIGUSR2');
  try {
    const m = await child.waitFor(/^MEM (\d+) (\d+) (\d+) (\d+) (\d+)\nCONNS (\d+)$/m, TIMEOUT_MS, mark);
    const kb = (i: number): number => Math.round(Number(m[i]) / 1024);
    return { rssKb: kb(1), heapUsedKb: kb(2), heapTotalKb: kb(3), externalKb: kb(4), arrayBuffersKb: kb(5), connections: Number(m[6]) };
  } catch {
    return undefined;
  }
}
