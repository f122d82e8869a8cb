/**
 * A lean `Readable.pipe()`: one readable feeds one writable.
 *
 *   src ──'data'──▶ dst.write(chunk)      false ⇒ src.pause()
 *   src ◀─'drain'── dst                  ⇒ src.resume()
 *   src ──'end'───▶ dst.end()
 *
 * When `dst` is a Transform whose own output is paused (its reader is full),
 * `src` pauses too, even though `dst.write()` said true, and resumes on the
 * Transform's `'resume'`. A Transform takes one more write whatever the state
 * of its output and transforms it at once: without this, a stalled reader
 * costs one extra chunk on each side of every Transform in the chain (with
 * 64 KiB socket reads, 128 KiB per Transform). A socket destination's
 * readable side is another direction of traffic and is not looked at.
 *
 * Chunks that arrive in one tick reach a destination with a `_writev` (a
 * socket) as one `writev`: the first chunk corks it, the next tick uncorks.
 * A DecryptTransform fed 64 KiB pushes four 16 KiB frames at once; one
 * system call instead of four cut the server's CPU per uploaded byte by
 * about a tenth here.
 *
 * The backpressure contract is the one `pipe()` has (write()'s return value,
 * then `'drain'`), kept by the streams themselves. What differs is the cost:
 * `pipe()` makes nine closures, two `once` wrappers and a closure context for
 * every link, about 1 KiB of heap; a relayed connection has five links. Here
 * the three listeners are shared module functions that find their partner
 * through a symbol property, so a link costs three listener slots and two
 * properties.
 *
 * What `pipe()` does and this does not: several destinations per source,
 * `'pipe'`/`'unpipe'` events, and unpiping on the destination's own
 * `'close'`/`'finish'`/`'error'`. The chains that use links (`pipeline()` and
 * the relay's handshake) watch errors and closes themselves and destroy the
 * whole chain, so a destroyed destination never gets more writes.
 */
import { Transform, type Readable, type Writable } from 'node:stream';

const kTo = Symbol('ss.linkTo');
const kFrom = Symbol('ss.linkFrom');

type Source = Readable & { [kTo]?: Writable | undefined };
type Sink = Writable & { [kFrom]?: Readable | undefined };

function uncork(dst: Writable): void {
  dst.uncork();
}

function canWritev(dst: Writable): boolean {
  return (dst as Writable & { _writev?: unknown })._writev != null;
}

function onData(this: Source, chunk: unknown): void {
  const dst = this[kTo];
  if (dst === undefined || dst.destroyed) return;
  if (dst.writableCorked === 0 && canWritev(dst)) {
    dst.cork();
    process.nextTick(uncork, dst);
  }
  if (!dst.write(chunk) || outputPaused(dst)) this.pause();
}

// The Transform's output is paused by its own reader (a link or pipe), not merely never read yet (null).
function outputPaused(dst: Writable): boolean {
  return (dst as Writable & { readableFlowing?: boolean | null }).readableFlowing === false && dst instanceof Transform;
}

function onDrain(this: Sink): void {
  const src = this[kFrom] as Source | undefined;
  if (src !== undefined && src[kTo] === this) src.resume();
}

// 'resume' comes a tick after resume(): by then the Transform may be paused again, or full.
function onResume(this: Sink & Readable): void {
  const src = this[kFrom] as Source | undefined;
  if (src !== undefined && src[kTo] === this && src.isPaused() && !this.isPaused() && !this.writableNeedDrain) src.resume();
}

function onEnd(this: Source): void {
  this[kTo]?.end();
}

function endLater(src: Source): void {
  src[kTo]?.end();
}

/**
 * Feeds `src` into `dst` until `src` ends (then `dst.end()`), with
 * `pipe()`'s backpressure. A source feeds at most one destination.
 * @throws TypeError if `src` is already linked
 */
export function link(src: Readable, dst: Writable): void {
  const s = src as Source;
  const d = dst as Sink;
  if (s[kTo] !== undefined) throw new TypeError('the source is already linked');
  s[kTo] = d;
  d[kFrom] = s;
  s.on('data', onData);
  s.on('end', onEnd);
  d.on('drain', onDrain);
  if (d instanceof Transform) d.on('resume', onResume);
  if (s.readableEnded) process.nextTick(endLater, s);
  if (d.writableNeedDrain) s.pause();
  else if (s.readableFlowing !== true) s.resume();
}

/**
 * Undoes {@link link}: `src` stops feeding its destination and is paused, so
 * nothing is lost until it is read again. Does nothing if `src` is not linked.
 */
export function unlink(src: Readable): void {
  const s = src as Source;
  const d = s[kTo] as Sink | undefined;
  if (d === undefined) return;
  s.off('data', onData);
  s.off('end', onEnd);
  d.off('drain', onDrain);
  d.off('resume', onResume);
  s[kTo] = undefined;
  if (d[kFrom] === s) d[kFrom] = undefined;
  s.pause();
}
