/**
 * A rate limiter keyed by client address, for log lines a client can
 * provoke (a failed handshake): at most one line per client per interval,
 * counting the rest, and at most one line per `globalIntervalMs` over all
 * clients, so that a flood from many addresses cannot fill a disk either.
 *
 *   take('198.51.100.7') -> 0          passes
 *   take('198.51.100.7') -> undefined  held (same client, within the minute)
 *   ... a minute later
 *   take('198.51.100.7') -> 3          passes: 3 held back since
 *
 * Memory is bounded: past `maxClients` the client seen longest ago is
 * forgotten (its held count with it).
 */

/** Options of {@link ClientRateLimiter}. */
export interface ClientRateLimiterOptions {
  /** One line per client per this many ms. Default 60 000. */
  intervalMs?: number;
  /** One line over all clients per this many ms. Default 100 (10 lines a second). */
  globalIntervalMs?: number;
  /** Clients remembered. Default 4096. */
  maxClients?: number;
  /** Time source, ms. Default `Date.now`. */
  now?: () => number;
}

interface ClientState {
  passedAt: number;
  held: number;
}

/** Lets one event per client through per interval, and counts the rest. */
export class ClientRateLimiter {
  readonly #intervalMs: number;
  readonly #globalIntervalMs: number;
  readonly #maxClients: number;
  readonly #now: () => number;
  readonly #clients = new Map<string, ClientState>();
  #lastPassedAt = -Infinity;

  constructor(options: ClientRateLimiterOptions = {}) {
    this.#intervalMs = options.intervalMs ?? 60_000;
    this.#globalIntervalMs = options.globalIntervalMs ?? 100;
    this.#maxClients = options.maxClients ?? 4096;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Records an event from `client`. Returns how many of its events were
   * held back since its last one that passed when this one passes, else
   * `undefined`.
   */
  take(client: string): number | undefined {
    const now = this.#now();
    const state = this.#clients.get(client);
    const due = state === undefined || now - state.passedAt >= this.#intervalMs;
    if (!due || now - this.#lastPassedAt < this.#globalIntervalMs) {
      if (state !== undefined) state.held++;
      else this.#remember(client, { passedAt: -Infinity, held: 1 });
      return undefined;
    }
    this.#lastPassedAt = now;
    const held = state?.held ?? 0;
    this.#clients.delete(client);
    this.#remember(client, { passedAt: now, held: 0 });
    return held;
  }

  #remember(client: string, state: ClientState): void {
    this.#clients.set(client, state);
    if (this.#clients.size > this.#maxClients) this.#clients.delete(this.#clients.keys().next().value!);
  }
}
