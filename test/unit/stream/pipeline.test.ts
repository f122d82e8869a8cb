import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import t from 'tap';
import { pipeline, PrematureCloseError } from '../../../lib/stream/pipeline.js';

function sink(): Writable & { data: Buffer[] } {
  const data: Buffer[] = [];
  const w = new Writable({ write(chunk: Buffer, _e, cb) { data.push(chunk); cb(); } }) as Writable & { data: Buffer[] };
  w.data = data;
  return w;
}

function settle(streams: Parameters<typeof pipeline>[0]): Promise<Error | null> {
  return new Promise((resolve) => pipeline(streams, resolve));
}

t.test('moves every byte and succeeds when the last stream finishes', async (t) => {
  const out = sink();
  const err = await settle([Readable.from([Buffer.from('a'), Buffer.from('bc')]), new PassThrough(), out]);
  t.equal(err, null);
  t.equal(Buffer.concat(out.data).toString(), 'abc');
});

t.test('the first error destroys every stream and is reported once', async (t) => {
  let calls = 0;
  const src = new PassThrough();
  const failing = new Transform({ transform(_c, _e, cb) { cb(Object.assign(new Error('bad'), { code: 'X' })); } });
  const out = sink();
  const settled = new Promise<Error | null>((resolve) => pipeline([src, failing, out], (e) => { calls++; resolve(e); }));
  src.write('x');
  const result = await settled;
  t.match(result, { code: 'X' });
  await new Promise((r) => setImmediate(r));
  t.equal(calls, 1);
  t.ok(src.destroyed && failing.destroyed && out.destroyed, 'all destroyed');
});

t.test('a stream destroyed before it ends is a premature close', async (t) => {
  const src = new PassThrough();
  const out = sink();
  const p = settle([src, out]);
  src.destroy();
  const err = await p;
  t.ok(err instanceof PrematureCloseError);
  t.equal((err as PrematureCloseError).code, 'ERR_STREAM_PREMATURE_CLOSE');
  t.ok(out.destroyed);
});

t.test('a late error on a shared stream after success does not go unhandled', async (t) => {
  const src = new PassThrough();
  const out = new PassThrough();
  const p = settle([src, out]);
  src.end('done');
  out.resume();
  t.equal(await p, null);
  out.destroy(new Error('late'));
  await new Promise((r) => setImmediate(r));
  t.pass('no uncaught error');
});

t.test('needs at least two streams', async (t) => {
  t.throws(() => pipeline([new PassThrough()], () => {}), TypeError);
});
