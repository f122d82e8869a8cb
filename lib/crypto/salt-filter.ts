/**
 * What a connection's decrypt side needs of a replay filter: record a salt
 * and say whether it was new. The AEAD {@link ReplayFilter} (bounded
 * generations) and the 2022 {@link SaltPool} (exact, 60 s) both are one.
 */

/** A set of salts seen. */
export interface SaltFilter {
  /** Records `salt`. @returns false if it was seen before (a replay) */
  add(salt: Buffer): boolean;
}
