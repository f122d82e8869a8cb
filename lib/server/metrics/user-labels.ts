/**
 * The `user` label of the metrics, with a bounded number of values: each
 * Prometheus series costs memory on both ends, so a table of users that
 * keeps growing (a reload adding names, an API caller making them up) must
 * not grow the series without bound.
 */

/** The label value of users past the cap. */
export const OTHER_USER_LABEL = 'other';
/** The label value where the user is not known (a connection that never authenticated). */
export const UNKNOWN_USER_LABEL = 'unknown';

/** Maps user names to label values: the first `max` distinct names as themselves, the rest to `other`. */
export class UserLabels {
  readonly #max: number;
  readonly #seen = new Set<string>();

  /** @throws TypeError for a `max` that is not a positive integer */
  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new TypeError(`maxUserLabels must be a positive integer, got ${max}`);
    this.#max = max;
  }

  /** The label value for `user` (`unknown` when undefined). */
  of(user: string | undefined): string {
    if (user === undefined) return UNKNOWN_USER_LABEL;
    if (this.#seen.has(user)) return user;
    if (this.#seen.size >= this.#max) return OTHER_USER_LABEL;
    this.#seen.add(user);
    return user;
  }
}
