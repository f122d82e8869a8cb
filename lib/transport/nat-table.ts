/**
 * The UDP association table: one entry per client address (`ip:port`), each
 * with the outbound socket(s) that carry its datagrams, so that replies can
 * find their way back.
 *
 *   client 1.2.3.4:5000 ──▶ entry ──▶ udp4 socket (created on the first IPv4 target)
 *                                └──▶ udp6 socket (created on the first IPv6 target)
 *
 * Bounded: at most `capacity` entries (so at most 2 x capacity sockets); when
 * full, the least recently used entry is evicted. An entry unused for
 * `timeoutMs` expires (RFC 4787 REQ-5: at least 2 min; 5 min is the usual
 * default, as in Outline). Entries are kept in a Map in least-recently-used
 * order (a touch moves an entry to the end), so expiry needs a single timer
 * aimed at the oldest entry, and every operation is O(1).
 */
import type { Socket } from 'node:dgram';
import type { NatCloseReason } from '../observer.js';
import { DEFAULT_NAT_CAPACITY, DEFAULT_NAT_TIMEOUT_MS } from '../constants.js';

export { DEFAULT_NAT_CAPACITY, DEFAULT_NAT_TIMEOUT_MS };

/**
 * The share of the process's open files that UDP associations may hold, so
 * that a flood of sources leaves room for TCP (each association owns up to
 * two sockets, udp4 and udp6).
 */
export const NAT_OPEN_FILES_SHARE = 0.25;

/**
 * The association cap that fits the descriptor budget: `configured`, or
 * fewer when a quarter of `openFilesLimit` cannot hold two sockets for each
 * (at least 1). With no known limit (`undefined`), `configured`.
 */
export function natCapacityWithin(configured: number, openFilesLimit: number | undefined): number {
  if (openFilesLimit === undefined || !Number.isFinite(openFilesLimit)) return configured;
  const budget = Math.max(1, Math.floor((openFilesLimit * NAT_OPEN_FILES_SHARE) / 2));
  return configured > budget ? budget : configured; // a bad `configured` stays as is, for the table to refuse
}

/** The outbound socket families. */
export type UdpSocketType = 'udp4' | 'udp6';

/** Why an entry went away. */
export type NatDisposeReason = NatCloseReason;

/** Time and timers, injectable for tests. Default: `Date.now` and unref'd real timers. */
export interface NatClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. Its timers are unref'd: an idle table keeps no process alive. */
export const SYSTEM_CLOCK: NatClock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
});

/** Options of {@link NatTable}. */
export interface NatTableOptions<T> {
  /**
   * Makes an outbound socket for `entry`. It is called at most once per
   * family per entry; the caller wires its `'message'` and `'error'`
   * listeners here. Required.
   */
  createSocket: (type: UdpSocketType, entry: NatEntry<T>) => Socket;
  /** Idle time before an entry expires, ms. Default {@link DEFAULT_NAT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Maximum number of entries. Default {@link DEFAULT_NAT_CAPACITY}. */
  capacity?: number;
  /** Called after an entry is created. */
  onOpen?: (entry: NatEntry<T>) => void;
  /** Called after an entry is disposed (its sockets are closed by then). */
  onDispose?: (entry: NatEntry<T>, reason: NatDisposeReason) => void;
  /** Time source. Default {@link SYSTEM_CLOCK}. */
  clock?: NatClock;
}

/** One association. `context` is whatever the owner attached at creation. */
export class NatEntry<T> {
  /** The table key, the client's `ip:port`. */
  readonly key: string;
  /** Owner data, such as the client's address and the socket to reply on. */
  readonly context: T;
  readonly #create: (type: UdpSocketType, entry: NatEntry<T>) => Socket;
  readonly #sockets: Partial<Record<UdpSocketType, Socket>> = {};
  #closed = false;
  /** @internal last use, in clock ms */
  lastActiveMs: number;

  /** @internal entries are made by {@link NatTable.acquire} */
  constructor(key: string, context: T, create: (type: UdpSocketType, entry: NatEntry<T>) => Socket, now: number) {
    this.key = key;
    this.context = context;
    this.#create = create;
    this.lastActiveMs = now;
  }

  /** True once disposed: its sockets are closed and it is out of the table. */
  get closed(): boolean {
    return this.#closed;
  }

  /** How many sockets it holds (0 to 2). */
  get socketCount(): number {
    return (this.#sockets.udp4 ? 1 : 0) + (this.#sockets.udp6 ? 1 : 0);
  }

  /**
   * The outbound socket of `type`, created on first use.
   * @throws Error if the entry is closed
   */
  socket(type: UdpSocketType): Socket {
    if (this.#closed) throw new Error(`NAT entry ${this.key} is closed`);
    return (this.#sockets[type] ??= this.#create(type, this));
  }

  /** @internal closes every socket; called by the table */
  dispose(): void {
    this.#closed = true;
    for (const s of Object.values(this.#sockets)) {
      try {
        s.close();
      } catch {
        // already closed (ERR_SOCKET_DGRAM_NOT_RUNNING)
      }
    }
  }
}

/** Associations by client address, with idle expiry and an LRU cap. */
export class NatTable<T> {
  readonly #entries = new Map<string, NatEntry<T>>();
  readonly #create: NatTableOptions<T>['createSocket'];
  readonly #onDispose: NatTableOptions<T>['onDispose'];
  readonly #onOpen: NatTableOptions<T>['onOpen'];
  readonly #clock: NatClock;
  readonly #timeoutMs: number;
  readonly #capacity: number;
  #timer: unknown;
  #expired = 0;
  #evicted = 0;

  /** @throws TypeError for a bad `timeoutMs` or `capacity` */
  constructor(options: NatTableOptions<T>) {
    this.#create = options.createSocket;
    this.#onDispose = options.onDispose;
    this.#onOpen = options.onOpen;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_NAT_TIMEOUT_MS;
    this.#capacity = options.capacity ?? DEFAULT_NAT_CAPACITY;
    if (!Number.isInteger(this.#timeoutMs) || this.#timeoutMs < 1 || this.#timeoutMs > 2 ** 31 - 1) throw new TypeError(`timeoutMs must be an integer from 1 to 2^31-1, got ${this.#timeoutMs}`);
    if (!Number.isInteger(this.#capacity) || this.#capacity < 1) throw new TypeError(`capacity must be a positive integer, got ${this.#capacity}`);
  }

  /** Entries now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Entries dropped so far for being idle. */
  get expired(): number {
    return this.#expired;
  }

  /** Entries dropped so far to make room (LRU). */
  get evicted(): number {
    return this.#evicted;
  }

  /** The entry for `key`, without touching it. */
  get(key: string): NatEntry<T> | undefined {
    return this.#entries.get(key);
  }

  /**
   * The entry for `key`, touched; created with `init()` as its context if
   * absent, after evicting the least recently used entry when full.
   */
  acquire(key: string, init: () => T): NatEntry<T> {
    const found = this.#entries.get(key);
    if (found !== undefined) {
      this.touch(found);
      return found;
    }
    while (this.#entries.size >= this.#capacity) {
      this.#dispose(this.#entries.values().next().value!, 'evicted');
      this.#evicted++;
    }
    const entry = new NatEntry(key, init(), this.#create, this.#clock.now());
    this.#entries.set(key, entry);
    this.#schedule();
    this.#onOpen?.(entry);
    return entry;
  }

  /** Marks `entry` as just used (traffic in either direction). No-op if disposed. */
  touch(entry: NatEntry<T>): void {
    if (entry.closed) return;
    entry.lastActiveMs = this.#clock.now();
    this.#entries.delete(entry.key);
    this.#entries.set(entry.key, entry);
  }

  /** Disposes the entry for `key`, if any (reason `'closed'`). */
  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#dispose(entry, 'closed');
    return true;
  }

  /** Disposes every entry and stops the timer. The table stays usable. */
  clear(): void {
    for (const entry of [...this.#entries.values()]) this.#dispose(entry, 'closed');
    this.#cancel();
  }

  #dispose(entry: NatEntry<T>, reason: NatDisposeReason): void {
    this.#entries.delete(entry.key);
    entry.dispose();
    if (this.#entries.size === 0) this.#cancel();
    this.#onDispose?.(entry, reason);
  }

  // One timer, aimed at the oldest entry. It may fire early (that entry was
  // touched since), never late; each firing expires what is due and re-aims.
  #schedule(): void {
    if (this.#timer !== undefined) return;
    const oldest = this.#entries.values().next().value;
    if (oldest === undefined) return;
    const delay = Math.max(0, oldest.lastActiveMs + this.#timeoutMs - this.#clock.now());
    this.#timer = this.#clock.setTimeout(this.#onTimer, delay);
  }

  #cancel(): void {
    if (this.#timer === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    const now = this.#clock.now();
    for (const entry of this.#entries.values()) {
      if (entry.lastActiveMs + this.#timeoutMs > now) break;
      this.#dispose(entry, 'idle');
      this.#expired++;
    }
    this.#schedule();
  };
}
