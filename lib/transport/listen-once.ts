/**
 * `server.listen()` as a promise: resolves once listening, rejects with the
 * listen error (EADDRINUSE, EACCES...) instead of an unhandled 'error' event.
 */
import type { ListenOptions, Server } from 'node:net';

/** Listens with `options`; rejects with the first error before listening. */
export function listenOnce(server: Server, options: ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
