import { once } from 'node:events';
import { Duplex, PassThrough, Readable, Writable } from 'node:stream';
import t from 'tap';
import { link, unlink } from '../../../lib/stream/link.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function sink(options: { highWaterMark?: number; hold?: boolean } = {}): Writable & { data: Buffer[]; release: () => void } {
  const data: Buffer[] = [];
  const held: (() => void)[] = [];
  let holding = options.hold ?? false;
  const w = new Writable({
    highWaterMark: options.highWaterMark ?? 16384,
    write(chunk: Buffer, _e, cb) {
      data.push(chunk);
      if (holding) held.push(cb);
      else cb();
    },
  }) as Writable & { data: Buffer[]; release: () => void };
  w.data = data;
  w.release = () => {
    holding = false;
    for (const cb of held.splice(0)) cb();
  };
  return w;
}

t.test('moves every chunk in order and ends the destination when the source ends', async (t) => {
  const out = sink();
  link(Readable.from([Buffer.from('a'), Buffer.from('bc'), Buffer.from('def')]), out);
  await once(out, 'finish');
  t.equal(Buffer.concat(out.data).toString(), 'abcdef');
});

t.test('pauses the source while the destination is full and resumes it on drain', async (t) => {
  const src = new PassThrough({ highWaterMark: 4 });
  const out = sink({ highWaterMark: 4, hold: true });
  link(src, out);
  src.write('12345');
  await tick();
  t.equal(src.readableFlowing, false, 'paused after write() returned false');
  src.write('678');
  await tick();
  t.equal(out.data.length, 1, 'nothing more reaches a full destination');
  out.release();
  await tick();
  t.equal(src.readableFlowing, true, 'flowing again after drain');
  t.equal(Buffer.concat(out.data).toString(), '12345678');
});

t.test('a Transform whose output is paused takes nothing more from its source, and resumes it with its output', async (t) => {
  const src = new PassThrough();
  const mid = new PassThrough(); // a Transform
  const out = sink({ highWaterMark: 4, hold: true });
  link(src, mid);
  link(mid, out);
  src.write('12345');
  await tick();
  t.equal(mid.readableFlowing, false, 'the full destination paused the Transform');
  t.equal(src.readableFlowing, false, 'which paused its source, though write() said true');
  src.write('678');
  src.write('9');
  await tick();
  t.equal(mid.writableLength + mid.readableLength, 0, 'the Transform holds nothing');
  t.equal(src.readableLength, 4, 'what came later waits in the source');
  out.release();
  await tick();
  await tick();
  t.equal(src.readableFlowing, true, 'flowing again once the Transform resumed');
  src.end();
  await once(out, 'finish');
  t.equal(Buffer.concat(out.data).toString(), '123456789');
});

t.test('a socket-like destination paused in its other direction does not hold the source back', async (t) => {
  const src = new PassThrough();
  const out = new Duplex({ read() {}, write(_c, _e, cb) { cb(); } });
  out.pause(); // its readable side: another direction of traffic
  link(src, out);
  src.write('a');
  await tick();
  t.equal(src.readableFlowing, true);
});

t.test('bounds what a slow destination buffers when the source has far more', async (t) => {
  let produced = 0;
  const src = new Readable({
    highWaterMark: 1024,
    read() {
      produced += 1024;
      this.push(produced <= 1024 * 1024 ? Buffer.alloc(1024) : null);
    },
  });
  const out = sink({ highWaterMark: 1024, hold: true });
  link(src, out);
  await new Promise((r) => setTimeout(r, 50));
  t.ok(produced < 16 * 1024, `the source produced only ${produced} bytes of 1 MiB`);
  t.ok(out.writableLength <= 2048, 'the destination holds about one highWaterMark');
  out.release();
  await once(out, 'finish');
  t.equal(Buffer.concat(out.data).length, 1024 * 1024, 'everything arrives once released');
});

t.test('a destination that needs a drain at link time holds the source back', async (t) => {
  const out = sink({ highWaterMark: 2, hold: true });
  out.write('xyz');
  t.equal(out.writableNeedDrain, true);
  const src = new PassThrough();
  src.write('a');
  link(src, out);
  await tick();
  t.equal(out.data.length, 1, 'only the earlier write');
  out.release();
  await tick();
  t.equal(Buffer.concat(out.data).toString(), 'xyza');
});

t.test('unlink stops the flow and keeps unread data for the next reader', async (t) => {
  const src = new PassThrough();
  const first = sink();
  link(src, first);
  src.write('one');
  await tick();
  unlink(src);
  src.write('two');
  await tick();
  t.equal(Buffer.concat(first.data).toString(), 'one');
  t.equal(src.readableFlowing, false);
  const second = sink();
  link(src, second);
  src.end('three');
  await once(second, 'finish');
  t.equal(Buffer.concat(second.data).toString(), 'twothree');
  t.equal(first.writableEnded, false, 'the first destination is not ended');
  t.equal(src.listenerCount('data'), 1);
  unlink(src);
  unlink(src);
  t.equal(src.listenerCount('data'), 0, 'unlinking twice is harmless');
});

t.test('linking a source that has already ended ends the destination', async (t) => {
  const src = new PassThrough();
  src.end();
  src.resume();
  await once(src, 'end');
  src.pause();
  const out = sink();
  link(src, out);
  await once(out, 'finish');
  t.pass('finished');
});

t.test('a source feeds one destination only', async (t) => {
  const src = new PassThrough();
  link(src, sink());
  t.throws(() => link(src, sink()), TypeError);
});

t.test('a destroyed destination gets no more writes', async (t) => {
  const src = new PassThrough();
  const out = sink();
  out.on('error', () => t.fail('no write-after-destroy error'));
  link(src, out);
  out.destroy();
  src.write('late');
  await tick();
  t.same(out.data, []);
});

t.test('adds no per-link closures: every link shares the same listeners', async (t) => {
  const a = new PassThrough();
  const b = new PassThrough();
  const outA = sink();
  const outB = sink();
  link(a, outA);
  link(b, outB);
  t.equal(a.listeners('data')[0], b.listeners('data')[0]);
  t.equal(outA.listeners('drain')[0], outB.listeners('drain')[0]);
});

t.test('a burst of chunks in one tick reaches a socket-like destination as one writev', async (t) => {
  const calls: number[] = [];
  const out = new Writable({
    write(_chunk, _e, cb) { calls.push(1); cb(); },
    writev(chunks, cb) { calls.push(chunks.length); cb(); },
  });
  const src = new PassThrough();
  link(src, out);
  src.resume();
  await tick();
  src.write('a');
  src.write('b');
  src.write('c');
  await tick();
  t.same(calls, [3], 'one writev of three chunks');
  t.equal(out.writableCorked, 0, 'uncorked again');
  src.write('d');
  await tick();
  t.same(calls, [3, 1], 'a lone chunk is a plain write');
});

t.test('a destination without writev is never corked', async (t) => {
  const out = sink();
  const src = new PassThrough();
  link(src, out);
  src.write('a');
  t.equal(out.writableCorked, 0);
  await tick();
  t.equal(Buffer.concat(out.data).toString(), 'a');
});
