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

t.test('a duplex in two chains, first of one and last of the other, settles each chain on its own', async (t) => {
  // A relay's client socket: the source of the upload chain and the sink of the download chain.
  const socket = new PassThrough();
  const upOut = sink();
  const downIn = new PassThrough();
  const up = settle([socket, upOut]);
  const down = settle([downIn, socket]);
  downIn.end('reply');
  t.equal(await down, null, 'the download chain succeeds when the socket finishes');
  t.equal(Buffer.concat(upOut.data).toString(), 'reply', 'and the upload chain moved the bytes');
  t.equal(await up, null, 'the upload chain succeeds when its sink finishes');
});

t.test('an error in a stream shared by two chains fails both', async (t) => {
  const socket = new PassThrough();
  const up = settle([socket, sink()]);
  const down = settle([new PassThrough(), socket]);
  socket.destroy(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
  t.match(await up, { code: 'ECONNRESET' });
  t.match(await down, { code: 'ECONNRESET' });
});

t.test('a stream can be in two pipelines, not three', async (t) => {
  const shared = new PassThrough();
  pipeline([shared, new PassThrough()], () => {});
  pipeline([new PassThrough(), shared], () => {});
  t.throws(() => pipeline([new PassThrough(), shared], () => {}), TypeError);
});
