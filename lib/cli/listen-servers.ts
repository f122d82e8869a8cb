/**
 * Starts several servers as one: all listen, or none stays listening.
 */
import type { SsServer } from '../server/server.js';

/**
 * Calls `listen()` on each server in order. If one fails, closes those that
 * started (without a grace period) and rethrows its error.
 */
export async function listenServers(servers: readonly SsServer[]): Promise<void> {
  const started: SsServer[] = [];
  try {
    for (const server of servers) {
      await server.listen();
      started.push(server);
    }
  } catch (err) {
    await Promise.all(started.map((s) => s.close(0)));
    throw err;
  }
}
