/**
 * The per-user limits of one server (issue 12), enforced per process: with
 * `--workers`, each worker counts its own connections and has its own
 * buckets, so a user may have up to `workers × max_connections` open and
 * `workers × rate_limit` bytes per second in all.
 *
 *   target header read ──▶ admit(user) ── over max_connections ──▶ refused: ERR_SS_USER_LIMIT (probe policy)
 *                                     └─ admitted ──▶ rateLimiters(user) ──▶ a RateLimitTransform per direction
 *   connection closed  ──▶ release(user)
 *
 * A user's two buckets (up, down) are shared by all its connections and
 * kept while the name has a rate limit (one small entry per rate-limited
 * name); a changed `rate_limit` (an updated user) makes new buckets at its
 * next connection. Users without a rate limit are forgotten when their last
 * connection closes.
 */
import type { Transform } from 'node:stream';
import { RateLimitTransform } from '../stream/rate-limit-transform.js';
import { TokenBucket } from '../stream/token-bucket.js';
import type { User } from './user-table.js';

interface Entry {
  open: number;
  up: TokenBucket | undefined;
  down: TokenBucket | undefined;
}

/** What {@link UserLimits.stats} reports for one user. */
export interface UserLimitStats {
  /** TCP connections of the user counted as open. */
  open: number;
  /** How many times its rate limit made a stream wait (both directions). */
  waits: number;
  /** The total of those waits, ms. */
  waitedMs: number;
}

/** Connection counts and rate buckets of a server's users, by name. */
export class UserLimits {
  readonly #entries = new Map<string, Entry>();

  /**
   * Counts a new connection of `user`, unless it already has its
   * `maxConnections` open. @returns whether the connection may go on
   */
  admit(user: User): boolean {
    let entry = this.#entries.get(user.name);
    if (entry === undefined) {
      entry = { open: 0, up: undefined, down: undefined };
      this.#entries.set(user.name, entry);
    }
    if (user.maxConnections !== undefined && entry.open >= user.maxConnections) return false;
    entry.open++;
    if (user.rateLimit === undefined) entry.up = entry.down = undefined;
    else if (entry.up?.rate !== user.rateLimit) {
      entry.up = new TokenBucket(user.rateLimit);
      entry.down = new TokenBucket(user.rateLimit);
    }
    return true;
  }

  /** Uncounts a connection that {@link admit} let through. */
  release(user: User): void {
    const entry = this.#entries.get(user.name);
    if (entry === undefined) return;
    entry.open = Math.max(0, entry.open - 1);
    if (entry.open === 0 && entry.up === undefined) this.#entries.delete(user.name);
  }

  /**
   * The Transforms that pace an admitted connection of `user` (upstream:
   * client to target; downstream: target to client), or none when it has no
   * rate limit.
   */
  rateLimiters(user: User): { upstream: Transform; downstream: Transform } | undefined {
    const entry = this.#entries.get(user.name);
    if (entry?.up === undefined || entry.down === undefined) return undefined;
    return { upstream: new RateLimitTransform(entry.up), downstream: new RateLimitTransform(entry.down) };
  }

  /** A user's counters: while it has connections open or a rate limit; undefined otherwise. */
  stats(name: string): UserLimitStats | undefined {
    const e = this.#entries.get(name);
    if (e === undefined) return undefined;
    return { open: e.open, waits: (e.up?.waits ?? 0) + (e.down?.waits ?? 0), waitedMs: (e.up?.waitedMs ?? 0) + (e.down?.waitedMs ?? 0) };
  }
}
