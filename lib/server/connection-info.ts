/**
 * What the server reports about one TCP connection: while it is open
 * ({@link ConnectionInfo}) and when it closes ({@link ConnectionStats}),
 * to the observer, the hooks and the events alike.
 */
import type { Duplex } from 'node:stream';
import type { SsErrorCode } from '../errors.js';
import type { Observer } from '../observer.js';
import type { Address } from '../protocol/address.js';

/** What is known about a connection while it is open. */
export interface ConnectionInfo {
  /** The client's address and port as seen by the server. */
  remoteAddress: string;
  remotePort: number;
  /** The user whose key opened the connection (unset before the first chunk authenticates). */
  user?: string;
  /** Microseconds the decrypt side spent finding the user (trial decryption; AEAD methods). */
  identifyMicros?: number;
  /** The target from the address header (unset before the header is read). */
  target?: Address;
  /** The IP actually dialed (after name resolution). */
  targetAddress?: string;
}

/** What is reported when a connection closes. */
export interface ConnectionStats extends ConnectionInfo {
  /** `'OK'`, or the `ERR_SS_*` code of what ended the connection. */
  status: 'OK' | SsErrorCode;
  /** Payload bytes delivered to the target (client to target). */
  bytesUp: number;
  /** Payload bytes received from the target (target to client). */
  bytesDown: number;
  /** Milliseconds from accept to close. */
  durationMs: number;
}

/** Extra streams a user may insert into each direction of a connection. */
export interface RelayTransforms {
  /** Between HeaderParser and the target: sees the client's plaintext. */
  upstream?: Duplex[];
  /** Between the target and EncryptTransform: sees the target's plaintext. */
  downstream?: Duplex[];
}

/** The server's observer: connection events carry {@link ConnectionInfo} and {@link ConnectionStats}. */
export type ServerObserver = Observer<ConnectionInfo, ConnectionStats>;
