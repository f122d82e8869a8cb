/**
 * What the local side reports about each accepted connection, through
 * `onConnectionOpen` / `onConnectionClose` and the `connectionOpen` /
 * `connectionClose` events of `SsLocal`.
 */
import type { SsErrorCode } from '../errors.js';
import type { Observer } from '../observer.js';
import type { Address } from '../protocol/address.js';

/** Which front end a connection spoke. */
export type LocalFrontEnd = 'socks5' | 'http' | 'tunnel';

/** What is known about a local connection while it is open. */
export interface LocalConnectionInfo {
  /** The application's address and port. */
  remoteAddress: string;
  remotePort: number;
  /** Unset until the first byte decides. */
  frontEnd?: LocalFrontEnd;
  /** The target asked for (for HTTP forwarding, the latest request's). */
  target?: Address;
}

/** What is reported when a local connection closes. */
export interface LocalConnectionStats extends LocalConnectionInfo {
  /** `'OK'`, or the `ERR_SS_*` code of what ended the connection. */
  status: 'OK' | SsErrorCode;
  /** Bytes from the application sent on through the server (after the handshake). */
  bytesUp: number;
  /** Bytes from the server passed to the application. */
  bytesDown: number;
  /** Milliseconds from accept to close. */
  durationMs: number;
  /** Requests served: 1 for a tunnel, the number of requests for HTTP forwarding. */
  requests: number;
}

/** The client side's observer: connection events carry {@link LocalConnectionInfo} and {@link LocalConnectionStats}. */
export type LocalObserver = Observer<LocalConnectionInfo, LocalConnectionStats>;
