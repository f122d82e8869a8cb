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
 * one makes one small object per chain; the listeners (two per stream, and
 * `'finish'` on the last) are module functions shared by every chain, which
 * find their chains through two symbol properties: a stream is in at most
 * two chains (a relay's socket is the first of one direction and the last of
 * the other).
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

const kFirst = Symbol('ss.pipelineFirst');
const kSecond = Symbol('ss.pipelineSecond');

type Member = Stream & { [kFirst]?: Chain; [kSecond]?: Chain };

/** One pipeline: its streams, and its callback until it settles. */
class Chain {
  readonly streams: readonly Stream[];
  readonly last: Writable;
  #callback: ((err: Error | null) => void) | undefined;

  constructor(streams: readonly Stream[], callback: (err: Error | null) => void) {
    this.streams = streams;
    this.last = streams[streams.length - 1] as Writable;
    this.#callback = callback;
  }

  finish(err: Error | null): void {
    const callback = this.#callback;
    if (callback === undefined) return;
    this.#callback = undefined;
    if (err) for (const s of this.streams) if (!s.destroyed) s.destroy();
    callback(err);
  }

  // A stream of this chain closed: premature unless it had done its part.
  closed(stream: Stream): void {
    const ok = stream === this.last ? this.last.writableFinished : (stream as Readable).readableEnded;
    if (!ok) this.finish(new PrematureCloseError());
  }
}

function onError(this: Member, err: Error): void {
  this[kFirst]?.finish(err);
  this[kSecond]?.finish(err);
}

function onClose(this: Member): void {
  this[kFirst]?.closed(this);
  this[kSecond]?.closed(this);
}

function onFinish(this: Member): void {
  (this[kFirst]?.last === this ? this[kFirst] : this[kSecond])?.finish(null);
}

/**
 * Pipes `streams` into each other and calls `callback` once: with `null`
 * when the last stream has finished, or with the first error (every stream
 * is then destroyed). Error listeners stay attached afterwards, so a late
 * error on a stream shared with another chain never goes unhandled.
 * @param streams at least two: a readable first, a writable last, duplexes between
 * @throws TypeError for fewer than two streams, or a stream already in two pipelines
 */
export function pipeline(streams: readonly Stream[], callback: (err: Error | null) => void): void {
  if (streams.length < 2) throw new TypeError('pipeline needs at least two streams');
  if (streams.some((s) => (s as Member)[kSecond] !== undefined)) throw new TypeError('a stream is in two pipelines at most');
  const chain = new Chain(streams, callback);
  for (let i = 0; i < streams.length; i++) {
    const stream = streams[i] as Member;
    if (stream[kFirst] === undefined) {
      stream[kFirst] = chain;
      stream.on('error', onError);
      stream.on('close', onClose);
    } else {
      stream[kSecond] = chain;
    }
    if (i > 0) link(streams[i - 1] as Readable, stream as Writable);
  }
  chain.last.on('finish', onFinish);
}
