/**
 * The cipher-family seam: the one factory that turns a method and a user's
 * key into a connection's decrypt and encrypt Transforms and the UDP packet
 * codec. Nothing else constructs them, so a new family (SIP022's
 * `aead-2022`, the legacy `stream` ciphers) is one more entry here.
 *
 *   spec.kind ──▶ CipherFamily ─┬─ createDecrypt({keys, context})  client bytes ──▶ plaintext, learns the user
 *                               ├─ createEncrypt({key, context})   plaintext ──▶ bytes for the peer
 *                               ├─ createUdpServer({keys})         a server's datagrams: opens each, routes it to a session, seals replies
 *                               └─ createUdpClient(key)            one client association: seals requests, opens replies
 *
 * SIP023 identity headers (AES 2022) add the server's identity PSK to the
 * decrypt side and the UDP server, and the client's identity PSKs to the
 * encrypt side and the UDP client.
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
  /** A server's identity PSK (SIP023, AES 2022 only): the user is found by the identity header. */
  identityKey?: Buffer;
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
  /** A client's identity PSKs (SIP023, AES 2022 only), outermost first. */
  identityKeys?: readonly Buffer[];
}

/** A decrypting Transform that can tell whether (and as whom) the peer authenticated. */
export interface DecryptStream extends Transform {
  /** True once the first chunk has authenticated. */
  readonly authenticated: boolean;
  /** Microseconds spent finding the user among the keys (trial decryption), where the family measures it. */
  readonly identifyMicros?: number | undefined;
}

/** A client's datagram, opened by a server's {@link UdpServerCodec}. */
export interface OpenedClientPacket {
  /** The decrypted plaintext (`address header || payload`). */
  plaintext: Buffer;
  /** The user whose key opened it. */
  user: CipherUser;
  /**
   * The association the datagram belongs to: the client's session id
   * (2022, so a client that changes address keeps its session), or
   * `undefined` to key it by the source address (AEAD).
   */
  session: string | undefined;
  /** Seals one reply (`address header || payload`) to this client; keep the latest one with the association. */
  sealReply(plaintext: Buffer): Buffer;
}

/** The UDP side of a server for one family: may keep per-session state. */
export interface UdpServerCodec {
  /**
   * Opens one datagram: authenticates it (finding the user), checks replays,
   * and strips the family's headers.
   * @throws SsError `ERR_SS_PACKET_TOO_SHORT`, `ERR_SS_DECRYPT`, `ERR_SS_REPLAY`, `ERR_SS_BAD_HEADER`, `ERR_SS_BAD_TIMESTAMP`
   */
  open(packet: Buffer, clientAddress: string): OpenedClientPacket;
  /** Forgets the state of a session whose association went away. */
  forget(session: string): void;
}

/** One client association's UDP codec (a 2022 session has an id, counters and windows). */
export interface UdpClientCodec {
  /**
   * Seals one datagram's plaintext (`address header || payload`).
   * @throws SsError `ERR_SS_PACKET_TOO_LARGE` if it would not fit in a datagram
   */
  seal(plaintext: Buffer): Buffer;
  /**
   * Opens a reply from the server.
   * @returns `address header || payload`
   * @throws SsError `ERR_SS_PACKET_TOO_SHORT`, `ERR_SS_DECRYPT`, `ERR_SS_REPLAY`, `ERR_SS_BAD_HEADER`, `ERR_SS_BAD_TIMESTAMP`
   */
  open(packet: Buffer): Buffer;
}

/** Options of {@link CipherFamily.createUdpServer}. */
export interface UdpServerOptions {
  /** The users whose keys may open a datagram. */
  keys: KeyRing;
  /** Salts seen (AEAD): replayed datagrams and reflected replies are refused. */
  replayFilter?: SaltFilter;
  /** Most sessions whose state is kept (2022); the least recently used goes beyond. */
  capacity?: number;
  /** The server's identity PSK (SIP023, AES 2022 only): each datagram's user is found by its identity header. */
  identityKey?: Buffer;
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
   * A warning to log when a server or client starts with this method
   * (the stream family says what is lost); `undefined` for none.
   */
  readonly startWarning?: string;
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
  /** The UDP codec of a server listener (one per relay). */
  createUdpServer(options: UdpServerOptions): UdpServerCodec;
  /**
   * The UDP codec of one client association, keyed with the client's key
   * (the user PSK) and, for SIP023, its identity PSKs outermost first.
   */
  createUdpClient(key: Buffer, identityKeys?: readonly Buffer[]): UdpClientCodec;
}
