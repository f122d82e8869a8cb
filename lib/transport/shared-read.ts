/**
 * SHARED_READ: the `onread` option for relayed outbound sockets, so that a
 * socket stops reading the moment its reader is paused.
 *
 *   kernel ──read──▶ one module-wide 64 KiB buffer ──copy (nread bytes)──▶ socket.push()
 *                                                    paused after push ⇒ readStop now
 *
 * A plain socket keeps reading after `pause()` until its readable buffer
 * passes the high-water mark: with 64 KiB reads, a reader that stalls leaves
 * one more 64 KiB chunk parked in every such socket. With `onread`, the
 * callback's `false` stops reading at once (libuv `readStop`), and
 * `resume()` starts it again; `'data'`, `'end'`, `bytesRead` and timeouts are
 * as before. Reads are as large as before (64 KiB, what libuv asks for by
 * default); each is copied into a buffer of its exact size, where Node would
 * allocate 64 KiB and shrink it. One buffer serves every socket: a read is
 * consumed (copied) before the next one can start.
 *
 * Dial with `readableHighWaterMark: 0` as well (net.Socket hands its options
 * to the Duplex constructor): with the default 16 KiB, a paused socket whose
 * buffer is empty still reads ahead, and that read is parked.
 */
import type { OnReadOpts, Socket } from 'node:net';

const READ_SIZE = 64 * 1024;
const buffer = Buffer.allocUnsafeSlow(READ_SIZE);

// Called by Node as a method of the socket (no per-socket closure).
function onRead(this: Socket, nread: number, buf: Uint8Array): boolean {
  const chunk = Buffer.allocUnsafe(nread);
  chunk.set(nread === buf.length ? buf : buf.subarray(0, nread));
  return this.push(chunk) && !this.isPaused();
}

/** Pass as `onread` to `net.connect()`: reads into a shared buffer, stops as soon as the socket is paused. */
export const SHARED_READ: OnReadOpts = Object.freeze({ buffer, callback: onRead });
