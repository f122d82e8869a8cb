/**
 * The signals `ss-stream-server` (its main process and every worker) and
 * `ss-stream-local` catch and ignore, so that none of them ends the process
 * or opens a debugger:
 *
 * - SIGUSR1: with no listener for it, Node opens its inspector on
 *   127.0.0.1:9229, where any local user can run code inside the process
 *   and read the keys; log-rotation tools send SIGUSR1 routinely. A
 *   listener replaces Node's handler: checked on Node 20 (no "Debugger
 *   listening" line, nothing listening on 9229). Node 20 has no
 *   `--disable-sigusr1` (it came in 22.14). Only the time Node takes to
 *   start, before the entry point's first line runs, stays open.
 * - SIGHUP and SIGUSR2: their default action would end the process.
 *   `ss-stream-server` reloads its config file on SIGHUP (see
 *   reload-on-sighup.ts): its main process leaves SIGHUP out when logging.
 *
 * The listener installed by {@link catchIgnoredSignals} stays for the life
 * of the process: with none, SIGUSR1 would open the inspector again.
 */
import type { Logger } from '../logger.js';

/** The signals caught and ignored (each logged once a logger exists). */
export const IGNORED_SIGNALS = ['SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const;

const ignore = (): void => {};

/**
 * Catches {@link IGNORED_SIGNALS} on `process` for good, doing nothing.
 * Call it first in every entry point, before loading the rest of the
 * program (this module imports nothing at run time).
 */
export function catchIgnoredSignals(): void {
  for (const s of IGNORED_SIGNALS) if (!process.listeners(s).includes(ignore)) process.on(s, ignore);
}

/**
 * Logs each of {@link IGNORED_SIGNALS} that `signals` emits, at info level
 * (`info signal ignored signal=SIGHUP`), or only those in `which`. Returns a function that removes
 * these listeners.
 */
export function logIgnoredSignals(signals: Pick<NodeJS.EventEmitter, 'on' | 'off'>, logger: () => Logger, which: readonly NodeJS.Signals[] = IGNORED_SIGNALS): () => void {
  const onSignal = (signal: NodeJS.Signals): void => logger().info('signal ignored', { signal });
  for (const s of which) signals.on(s, onSignal);
  return () => {
    for (const s of which) signals.off(s, onSignal);
  };
}
