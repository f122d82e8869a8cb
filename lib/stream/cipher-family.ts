/**
 * The cipher-family seam: the one factory that turns a method and a user's
 * key into a connection's decrypt and encrypt Transforms and the UDP packet
 * codec. Nothing else constructs them, so a new family (SIP022's
 * `aead-2022`, the legacy `stream` ciphers) is one more entry here.
 *
 *   spec.kind ──▶ CipherFamily ─┬─ createDecrypt({keys, context})  client bytes ──▶ plaintext, learns the user
 *                               ├─ createEncrypt({key, context})   plaintext ──▶ bytes for the peer
 *                               └─ sealPacket / openPacket         one datagram each way
 *
 * The two directions of a connection share a {@link CipherContext}: what the
 * decrypt side learned (the user, the peer's salt) is there for the encrypt
 * side.
 */
import type { Transform } from 'node:stream';
import type { CipherUser, KeyRing } from '../crypto/key-ring.js';
import type { CipherKind, CipherSpec } from '../crypto/methods.js';
import type { ReplayFilter } from '../crypto/replay-filter.js';
import type { SaltFilter } from '../crypto/salt-filter.js';
import type { CipherContext } from './cipher-context.js';

/**
 * Which end of a connection a stream belongs to: the server opens requests
 * and seals responses, the client the other way round. AEAD streams are the
 * same both ways; 2022 headers are not.
 */
export type StreamSide = 'server' | 'client';

/** Options of {@link CipherFamily.createDecrypt}. */
export interface DecryptOptions {
  /** Which end we are. */
  side: StreamSide;
  /** The users whose keys may open the stream (a one-key ring on the client side). */
  keys: KeyRing;
  /** Receives the identified user and the peer's salt. */
  context: CipherContext;
  /** The peer's address, for the ring's per-client order. */
  clientAddress?: string;
  /** Salts already seen; a repeat fails with `ERR_SS_REPLAY`. */
  replayFilter?: SaltFilter;
}

/** Options of {@link CipherFamily.createEncrypt}. */
export interface EncryptOptions {
  /** Which end we are. */
  side: StreamSide;
  /** The key to encrypt with: the identified user's on the server, the configured one on the client. */
  key: Buffer;
  /** The connection's shared context (what the decrypt side learned). */
  context: CipherContext;
  /** Where our own salt is recorded, so that a reflection of it is caught as a replay. */
  replayFilter?: SaltFilter;
}

/** A decrypting Transform that can tell whether (and as whom) the peer authenticated. */
export interface DecryptStream extends Transform {
  /** True once the first chunk has authenticated. */
  readonly authenticated: boolean;
}

/** One datagram, opened. */
export interface OpenedPacket {
  /** The decrypted plaintext (`address header || payload`). */
  plaintext: Buffer;
  /** The user whose key opened it. */
  user: CipherUser;
  /** What identifies the packet to a replay filter (the AEAD salt). */
  replayId: Buffer;
}

/** One method family, bound to one method. */
export interface CipherFamily {
  readonly kind: CipherKind;
  readonly spec: CipherSpec;
  /**
   * How a server connection that fails before its header is accepted is
   * closed at the end of the probe policy: `'fin'` (a normal close, AEAD) or
   * `'reset'` (an RST every time, SIP022). See docs/PROBES.md.
   */
  readonly probeClose: 'fin' | 'reset';
  /**
   * The replay filter of a server's TCP streams: `shared` (a cluster-wide
   * filter) if the family can use it, else one of its own.
   * @param capacity salts per generation of an AEAD filter
   */
  createReplayFilter(capacity: number, shared?: ReplayFilter): SaltFilter;
  /** The decrypt side of one connection. */
  createDecrypt(options: DecryptOptions): DecryptStream;
  /** The encrypt side of one connection. */
  createEncrypt(options: EncryptOptions): Transform;
  /**
   * Seals one datagram's plaintext (`address header || payload`).
   * @throws SsError `ERR_SS_PACKET_TOO_LARGE` if it would not fit in a datagram
   */
  sealPacket(key: Buffer, plaintext: Buffer): Buffer;
  /**
   * Opens one datagram with the first key of `keys` that authenticates it.
   * @throws SsError `ERR_SS_PACKET_TOO_SHORT` or `ERR_SS_DECRYPT`
   */
  openPacket(packet: Buffer, keys: KeyRing, clientAddress?: string): OpenedPacket;
}
