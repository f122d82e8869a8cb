/**
 * What one `ss-stream-server --workers N` worker receives: the primary's
 * messages and its own SIGINT/SIGTERM, each through one listener installed
 * at construction and dispatched by type.
 *
 *   {start}                  ─▶ `start` resolves with it (the first one)
 *   {stop}, SIGINT, SIGTERM  ─▶ `stopped` resolves with the reason ('stop' or
 *                               the signal); `start` resolves undefined if
 *                               it has not come. A later signal calls
 *                               `onSecondSignal`; a later {stop} is ignored.
 *   {salts}                  ─▶ the sink given to onSalts(), or kept until
 *                               one is given
 *
 * One persistent listener, never `await once(channel, 'message')` in a loop:
 * messages that arrive in the same read of the channel are emitted one
 * after the other in the same tick, and a message emitted between a `once`
 * that fired and the next `once` has no listener and is lost. The primary
 * forwards other workers' salts to a new worker while it starts, so a
 * {start} right behind {salts} was lost, and the worker never listened.
 */
import type { ReloadMessage, SaltsMessage, StartMessage } from './cluster-messages.js';
import { isMessage } from './cluster-messages.js';
import { DEFAULT_REPLAY_CAPACITY } from '../constants.js';

/** Salts kept while no sink is set (before {start}); the oldest go first beyond this. */
export const MAX_PENDING_SALTS = DEFAULT_REPLAY_CAPACITY;

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** A worker's incoming messages and stop signals; see the module comment. */
export class WorkerInbox {
  /** The first {start}, or undefined if a stop request came first. */
  readonly start: Promise<StartMessage | undefined>;
  /** The first stop request: 'stop' (from the primary) or the signal's name. */
  readonly stopped: Promise<string>;
  readonly #channel: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  readonly #onSecondSignal: (signal: NodeJS.Signals) => void;
  #resolveStart!: (message: StartMessage | undefined) => void;
  #resolveStopped!: (reason: string) => void;
  #stopping = false;
  #pendingSalts: string[] = [];
  #saltSink: ((salts: string[]) => void) | undefined;
  #reloadSink: ((message: ReloadMessage) => void) | undefined;

  /**
   * Starts listening on `channel` (the process: its 'message' events and
   * signals). `onSecondSignal` is called for a signal after a stop request.
   */
  constructor(channel: Pick<NodeJS.EventEmitter, 'on' | 'off'>, onSecondSignal: (signal: NodeJS.Signals) => void) {
    this.#channel = channel;
    this.#onSecondSignal = onSecondSignal;
    this.start = new Promise((resolve) => { this.#resolveStart = resolve; });
    this.stopped = new Promise((resolve) => { this.#resolveStopped = resolve; });
    channel.on('message', this.#onMessage);
    for (const s of STOP_SIGNALS) channel.on(s, this.#onSignal);
  }

  /** Passes every {salts} received so far, then each one as it arrives, to `sink`. */
  onSalts(sink: (salts: string[]) => void): void {
    this.#saltSink = sink;
    const pending = this.#pendingSalts;
    this.#pendingSalts = [];
    if (pending.length > 0) sink(pending);
  }

  /** Passes each {reload} to `sink` (one that comes before this is dropped: the primary sends it only after {listening}). */
  onReload(sink: (message: ReloadMessage) => void): void {
    this.#reloadSink = sink;
  }

  /** Removes the listeners. */
  close(): void {
    this.#channel.off('message', this.#onMessage);
    for (const s of STOP_SIGNALS) this.#channel.off(s, this.#onSignal);
  }

  readonly #onMessage = (m: unknown): void => {
    if (isMessage<StartMessage>(m, 'start')) this.#resolveStart(m);
    else if (isMessage(m, 'stop')) this.#stop('stop');
    else if (isMessage<SaltsMessage>(m, 'salts')) this.#receiveSalts(m.salts);
    else if (isMessage<ReloadMessage>(m, 'reload')) this.#reloadSink?.(m);
  };

  readonly #onSignal = (signal: NodeJS.Signals): void => {
    if (this.#stopping) this.#onSecondSignal(signal);
    else this.#stop(signal);
  };

  #stop(reason: string): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#resolveStart(undefined);
    this.#resolveStopped(reason);
  }

  #receiveSalts(salts: string[]): void {
    if (this.#saltSink !== undefined) return this.#saltSink(salts);
    for (const s of salts) this.#pendingSalts.push(s);
    const excess = this.#pendingSalts.length - MAX_PENDING_SALTS;
    if (excess > 0) this.#pendingSalts.splice(0, excess);
  }
}
