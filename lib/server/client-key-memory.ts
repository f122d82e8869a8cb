/**
 * Which users' keys recently opened connections from each client IP: the
 * per-client half of the Outline key order (outline-ss-server
 * `CipherList.SnapshotForClientIP`). Bounded: at most `capacity` IPs, the
 * least recently seen forgotten first, and at most {@link KEYS_PER_IP} users
 * per IP, the most recent first.
 *
 *   remember(ip, u) ──▶ ip's list: [u, ...others] (u moved to the front)
 *   recall(ip)      ──▶ that list, or undefined
 */

/** How many recent users are kept per client IP. */
export const KEYS_PER_IP = 4;

/** Default number of client IPs remembered. */
export const DEFAULT_CLIENT_IP_CAPACITY = 4096;

/** An LRU map from client IP to the users that recently matched from it. */
export class ClientKeyMemory<U> {
  readonly #capacity: number;
  // Map iteration order is insertion order: the first key is the least recently seen.
  readonly #byIp = new Map<string, readonly U[]>();

  /** @param capacity how many client IPs to remember (≥ 1) */
  constructor(capacity = DEFAULT_CLIENT_IP_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError('capacity must be a positive integer');
    this.#capacity = capacity;
  }

  /** How many client IPs are remembered. */
  get size(): number {
    return this.#byIp.size;
  }

  /** The users that recently matched from `ip`, most recent first; the array must not be changed. */
  recall(ip: string): readonly U[] | undefined {
    return this.#byIp.get(ip);
  }

  /** Records that `user` matched from `ip`; allocates nothing when it was already `ip`'s most recent. */
  remember(ip: string, user: U): void {
    const list = this.#byIp.get(ip);
    if (list !== undefined) {
      this.#byIp.delete(ip); // re-inserted below: now the most recently seen
      this.#byIp.set(ip, list[0] === user ? list : withFront(list, user));
      return;
    }
    if (this.#byIp.size >= this.#capacity) this.#byIp.delete(this.#byIp.keys().next().value!);
    this.#byIp.set(ip, [user]);
  }
}

function withFront<U>(list: readonly U[], user: U): U[] {
  const next = [user];
  for (const u of list) if (u !== user && next.length < KEYS_PER_IP) next.push(u);
  return next;
}
