/**
 * The two injectable egress functions, shared by both sides: how a host
 * name becomes addresses, and how an outbound TCP socket is opened. Tests
 * and ACLs replace them instead of monkey-patching `dns` or `net`.
 */
import type { LookupAddress } from 'node:dns';
import type { OnReadOpts, Socket } from 'node:net';

/** A `dns.lookup`-compatible resolver, called with `{ all: true }`. */
export type LookupFunction = (
  hostname: string,
  options: { all: true },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * Opens an outbound TCP socket. It must be created with `allowHalfOpen: true`.
 * Pass the options on to `net.connect()` whole: the server's relay gives
 * `onread: SHARED_READ` (shared-read.ts) and `readableHighWaterMark: 0`, so
 * that a socket paused by a client that reads nothing stops reading at once.
 * A dialer that drops them still works; a stalled connection then holds one
 * more read (up to 64 KiB).
 */
export type ConnectFunction = (options: { host: string; port: number; allowHalfOpen: true; onread?: OnReadOpts; readableHighWaterMark?: number }) => Socket;
