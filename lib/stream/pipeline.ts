/**
 * A lean `stream.pipeline()` for long-lived relays.
 *
 *   streams[0] ──pipe──▶ streams[1] ──pipe──▶ ... ──pipe──▶ streams[n-1]
 *
 * Same contract as Node's callback `pipeline(streams, callback)` for the
 * stream kinds a relay uses (sockets and Transforms): data moves through
 * {@link link} (`pipe()`'s contract, without its per-link closures), so
 * backpressure is the streams' own; EOF propagates
 * (`end()` is called on each next stream, which is what half-close needs);
 * the first error, or a stream closing before it has done its part (a
 * premature close), destroys every stream of the chain and is passed to
 * `callback`; success is the last stream's `'finish'`.
 *
 * Why not Node's: per chain, Node's pipeline sets up an AbortController and
 * an end-of-stream watcher for every stream and two more for every link,
 * each a set of closures; measured here, that is about 24 KiB of heap per
 * relayed connection, more than everything else a connection holds. This
 * one adds two listeners per stream, and a link costs no closure.
 */
import type { Duplex, Readable, Writable } from 'node:stream';
import { link } from './link.js';

type Stream = Readable | Writable | Duplex;

/** A stream closed before it ended (readable) or finished (writable). */
export class PrematureCloseError extends Error {
  readonly code = 'ERR_STREAM_PREMATURE_CLOSE';
  constructor() {
    super('Premature close');
  }
}

/**
 * Pipes `streams` into each other and calls `callback` once: with `null`
 * when the last stream has finished, or with the first error (every stream
 * is then destroyed). Error listeners stay attached afterwards, so a late
 * error on a stream shared with another chain never goes unhandled.
 * @param streams at least two: a readable first, a writable last, duplexes between
 */
export function pipeline(streams: readonly Stream[], callback: (err: Error | null) => void): void {
  if (streams.length < 2) throw new TypeError('pipeline needs at least two streams');
  const last = streams[streams.length - 1] as Writable;
  let done = false;
  const finish = (err: Error | null): void => {
    if (done) return;
    done = true;
    if (err) for (const s of streams) if (!s.destroyed) s.destroy();
    callback(err);
  };
  // Two closures per chain, shared by every stream (no per-stream closures:
  // this is per-connection memory); `finish` itself is the error listener.
  const onFinish = (): void => finish(null);
  // A stream that closes before doing its part in this chain cuts it short:
  // sources and middles must have ended reading; the last must have finished writing.
  function onClose(this: Stream): void {
    const ok = this === last ? last.writableFinished : (this as Readable).readableEnded;
    if (!ok) finish(new PrematureCloseError());
  }
  for (let i = 0; i < streams.length; i++) {
    const stream = streams[i]!;
    stream.on('error', finish);
    stream.on('close', onClose);
    if (i > 0) link(streams[i - 1] as Readable, stream as Writable);
  }
  last.on('finish', onFinish);
}
