/**
 * `online_config.update_interval`: ss-stream-local fetches its SIP008 document
 * again every N seconds and, when the server it uses changed (address, port,
 * method or password), points new connections at the new one
 * ({@link SsLocal.switchServer}); open connections finish where they are.
 * A fetch that fails, or a server the local cannot switch to (another plugin),
 * is logged at warn and the local keeps the server it has.
 *
 *   listen ── N s ──▶ fetch ─▶ pick (--server-tag) ─▶ unchanged: debug
 *                                                  └▶ switchServer ─▶ info "switched to server 'x'"
 */
import type { Logger } from '../logger.js';
import type { SsLocal } from '../local/local.js';
import type { FetchOnlineConfigOptions } from '../local/fetch-online-config.js';
import { fetchChosenServer, type OnlineConfigSource } from './online-config-options.js';

/** The longest delay a Node timer takes, ms (about 24.8 days); a longer interval is cut to it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Refreshes the local's server from its online config on a timer. */
export class OnlineConfigRefresh {
  readonly #source: OnlineConfigSource & { updateIntervalS: number };
  readonly #local: SsLocal;
  readonly #logger: Logger;
  readonly #limits: Omit<FetchOnlineConfigOptions, 'warn'>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  /** @param limits the fetch's time and size limits (defaults of fetch-online-config.ts) */
  constructor(source: OnlineConfigSource & { updateIntervalS: number }, local: SsLocal, logger: Logger, limits: Omit<FetchOnlineConfigOptions, 'warn'> = {}) {
    this.#source = source;
    this.#local = local;
    this.#logger = logger;
    this.#limits = limits;
  }

  /** Starts the timer (it does not keep the process alive). */
  start(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setInterval(() => void this.refresh(), Math.min(this.#source.updateIntervalS * 1000, MAX_TIMER_MS));
    this.#timer.unref();
    this.#logger.info('online config: refreshed every interval', { seconds: this.#source.updateIntervalS });
  }

  /** Stops the timer; resolves once a refresh in progress has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Fetches the document now and switches if the server changed; one at a time (a tick during one is skipped). Never rejects. */
  refresh(): Promise<void> {
    this.#running ??= this.#refresh().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #refresh(): Promise<void> {
    try {
      const chosen = await fetchChosenServer(this.#source, { ...this.#limits, warn: (message) => this.#logger.debug(message) });
      if (this.#stopped) return; // stopped meanwhile: the local may be closing
      if (await this.#local.switchServer(chosen.options)) this.#logger.info(`online config: switched to server '${chosen.name}' for new connections`);
      else this.#logger.debug('online config: unchanged');
    } catch (err) {
      this.#logger.warn('online config: refresh failed, keeping the current server', { error: (err as Error).message });
    }
  }
}
