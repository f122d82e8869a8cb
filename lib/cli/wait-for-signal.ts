/**
 * Waiting for the signal that stops a command: SIGINT or SIGTERM closes what
 * runs, gracefully; a second one kills it and exits at once.
 *
 *   running ─▶ SIGINT/SIGTERM ─▶ close() ─▶ 'stopped' ─▶ 0
 *           ─▶ failed ─────────▶ close() ─▶ 1
 *           ─▶ second signal ──▶ kill(), exit(128 + n)
 */
import { constants as osConstants } from 'node:os';
import type { Logger } from '../logger.js';

/** The signals that stop the command. */
export const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Where signals arrive, where failures are written, and how to exit at once. */
export interface SignalIo {
  stderr: NodeJS.WritableStream;
  signals: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  exit(code: number): void;
}

/** What runs until a signal: the servers of this process, or a cluster of workers. */
export interface Running {
  /** Graceful stop; resolves once everything has closed. */
  close(): Promise<void>;
  /** Extra log fields for 'shutting down'. */
  describe(): Record<string, unknown>;
  /** Called on a second signal, before exiting. */
  kill(): void;
  /** Resolves if the service fails on its own (a worker keeps dying). */
  failed: Promise<Error>;
}

/**
 * Runs until SIGINT or SIGTERM, then closes `running`. Resolves with the exit
 * status: 0 after a graceful stop on a signal, 1 if the service failed on its
 * own; a second signal kills and exits at once (128 + the signal number).
 */
export function waitForSignal(name: string, running: Running, logger: Logger, io: SignalIo): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (code: number): void => {
      stopping = true;
      void running.close().then(() => {
        for (const s of SIGNALS) io.signals.off(s, onSignal);
        logger.info('stopped');
        resolve(code);
      });
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn('second signal: exiting now', { signal });
        running.kill();
        io.exit(128 + osConstants.signals[signal]);
        return;
      }
      logger.info('shutting down', { signal, ...running.describe() });
      stop(0);
    };
    void running.failed.then((err) => {
      if (stopping) return;
      io.stderr.write(`${name}: ${err.message}\n`);
      stop(1);
    });
    for (const s of SIGNALS) io.signals.on(s, onSignal);
  });
}

