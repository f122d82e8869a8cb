/**
 * waitListen: waits until a TCP port is in LISTEN state, read from
 * /proc/net/tcp{,6} so that no connection is made (a probe connection would
 * travel through a tunnel and reach a one-shot target such as `iperf3 -1`).
 */
import { readFileSync } from 'node:fs';
import type { Child } from './child.js';
import { sleep } from './sleep.js';

const LISTEN = '0A';

/** True if some socket listens on `port` (any address). */
export function isListening(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === LISTEN && f[1]?.endsWith(`:${hex}`)) return true;
    }
  }
  return false;
}

/** Resolves once `port` listens; rejects on timeout or if `child` exits first. */
export async function waitListen(port: number, child: Child, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!isListening(port)) {
    if (!child.alive) throw new Error(`${child.name} ${child.exitReason} before listening on ${port}: ${child.tail()}`);
    if (Date.now() > deadline) throw new Error(`${child.name} not listening on ${port} after ${timeoutMs} ms`);
    await sleep(25);
  }
}
