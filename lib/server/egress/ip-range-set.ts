/**
 * A set of IP ranges, answered by binary search: a membership test costs
 * O(log n) in the number of merged ranges, so 100 000 entries cost about
 * as much as 100 (issue 10, item 7: `BlockList` checks rule by rule).
 *
 * One 128-bit space holds both families, with IPv4 at its IPv4-mapped
 * place (`::ffff:a.b.c.d`, RFC 4291 2.5.5.2). That is how `net.BlockList`,
 * which the filter used before, matches across families: an IPv4 rule
 * covers the mapped IPv6 form of its addresses, and an IPv6 rule that
 * covers mapped addresses covers those IPv4 addresses.
 *
 *   entries ──sort, merge──▶ [start0,end0] < [start1,end1] < ...   (bigint, disjoint, not adjacent)
 *                      └──▶ the same cut to ::ffff:0:0/96, as uint32 (the IPv4 fast path)
 */

/** Where IPv4 lives in the 128-bit space: `::ffff:0:0/96`. */
export const IPV4_MAPPED_BASE = 0xffff_0000_0000n;

const IPV4_MAPPED_END = IPV4_MAPPED_BASE + 0xffff_ffffn;

/** Sorted, merged ranges over 128-bit addresses. Immutable once built. */
export class IpRangeSet {
  readonly #starts: bigint[] = [];
  readonly #ends: bigint[] = [];
  readonly #starts4: Float64Array;
  readonly #ends4: Float64Array;

  /** @param ranges inclusive `[first, last]` pairs, in any order, overlapping or not */
  constructor(ranges: Iterable<readonly [bigint, bigint]>) {
    const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [start, end] of sorted) {
      const last = this.#ends.length - 1;
      // Overlapping or touching the previous range: extend it.
      if (last >= 0 && start <= this.#ends[last]! + 1n) {
        if (end > this.#ends[last]!) this.#ends[last] = end;
      } else {
        this.#starts.push(start);
        this.#ends.push(end);
      }
    }
    const v4: [number, number][] = [];
    for (let i = 0; i < this.#starts.length; i++) {
      const start = this.#starts[i]! < IPV4_MAPPED_BASE ? IPV4_MAPPED_BASE : this.#starts[i]!;
      const end = this.#ends[i]! > IPV4_MAPPED_END ? IPV4_MAPPED_END : this.#ends[i]!;
      if (start <= end) v4.push([Number(start - IPV4_MAPPED_BASE), Number(end - IPV4_MAPPED_BASE)]);
    }
    this.#starts4 = Float64Array.from(v4, (r) => r[0]);
    this.#ends4 = Float64Array.from(v4, (r) => r[1]);
  }

  /** The number of ranges after merging. */
  get size(): number {
    return this.#starts.length;
  }

  /** True if the 128-bit address `n` is in a range. */
  has(n: bigint): boolean {
    const i = lastAtMost(this.#starts, n);
    return i >= 0 && n <= this.#ends[i]!;
  }

  /** True if the IPv4 address `n` (0 to 2^32 - 1), seen as `::ffff:n`, is in a range. */
  hasIPv4(n: number): boolean {
    const i = lastAtMost(this.#starts4, n);
    return i >= 0 && n <= this.#ends4[i]!;
  }
}

/** The index of the last element `<= x` in a sorted array, or -1. */
function lastAtMost<T extends number | bigint>(sorted: ArrayLike<T>, x: T): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi;
}
