/**
 * What one connection's decrypt side learned, for its encrypt side to use:
 * the user whose key opened the first chunk (a multi-user server answers
 * with that key) and the peer's salt (SIP022's response header carries the
 * request salt). One per connection; filled in once, when the first chunk
 * authenticates.
 */
import type { CipherUser } from '../crypto/key-ring.js';

/** The shared state of one connection's two cipher directions. */
export interface CipherContext {
  /** The user identified by the decrypt side; unset until the first chunk authenticates. */
  user: CipherUser | undefined;
  /** The salt the peer's stream started with; unset until then too. */
  peerSalt: Buffer | undefined;
  /** The salt our own stream starts with, set by the encrypt side (a 2022 client checks the response echoes it). */
  ownSalt: Buffer | undefined;
}

/** A fresh, empty context for one connection. */
export function createCipherContext(): CipherContext {
  return { user: undefined, peerSalt: undefined, ownSalt: undefined };
}
