/**
 * The keys a decrypt side may match, and the user each belongs to. The
 * server's user table is one; the client side and one-key callers use
 * {@link singleKeyRing}.
 *
 *   first bytes of a connection or datagram ──▶ try candidates() in order ──▶ first key that opens it
 *                                                                              └─▶ matched(user): tried first next time
 */

/** A user as the cipher layer sees one: a name and a master key. */
export interface CipherUser {
  /** The user's name: in connection info, stats and every hook. Never a secret. */
  readonly name: string;
  /** The master key (`spec.keyLength` bytes). */
  readonly key: Buffer;
}

/** An ordered set of users to try when a connection or datagram arrives. */
export interface KeyRing<U extends CipherUser = CipherUser> {
  /**
   * The users to try, most likely first, for a client at `clientAddress`.
   * The array is read synchronously and must not be kept.
   */
  candidates(clientAddress?: string): readonly U[];
  /** Records that `user`'s key opened data from `clientAddress`. */
  matched(user: U, clientAddress?: string): void;
  /**
   * The user whose key hashes to `hash` (`pskHash`, SIP023 identity
   * headers), in constant time per lookup; absent on rings that cannot.
   */
  findByPskHash?(hash: Buffer): U | undefined;
}

/** The name of the single user of a one-key server or of the client side. */
export const DEFAULT_USER_NAME = 'default';

/** A key ring of exactly one user, for the client side and one-key callers. */
export function singleKeyRing(key: Buffer, name = DEFAULT_USER_NAME): KeyRing {
  const users = Object.freeze([Object.freeze({ name, key })]);
  return { candidates: () => users, matched: () => {} };
}
