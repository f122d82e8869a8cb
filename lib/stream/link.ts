/**
 * A lean `Readable.pipe()`: one readable feeds one writable.
 *
 *   src ──'data'──▶ dst.write(chunk)      false ⇒ src.pause()
 *   src ◀─'drain'── dst                  ⇒ src.resume()
 *   src ──'end'───▶ dst.end()
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
import type { Readable, Writable } from 'node:stream';

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
  if (!dst.write(chunk)) this.pause();
}

function onDrain(this: Sink): void {
  const src = this[kFrom] as Source | undefined;
  if (src !== undefined && src[kTo] === this) src.resume();
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
  s[kTo] = undefined;
  if (d[kFrom] === s) d[kFrom] = undefined;
  s.pause();
}
