import { randomBytes } from 'node:crypto';
import t from 'tap';
import { ChunkQueue } from '../../../lib/protocol/chunk-queue.js';

const queueOf = (...parts: string[]): ChunkQueue => {
  const q = new ChunkQueue();
  for (const p of parts) q.push(Buffer.from(p));
  return q;
};

t.test('length counts every pushed byte; empty pushes are ignored', async (t) => {
  const q = queueOf('abc', '', 'de');
  t.equal(q.length, 5);
  q.read(4);
  t.equal(q.length, 1);
});

t.test('read returns bytes in order across buffer boundaries', async (t) => {
  const q = queueOf('ab', 'cde', 'f', 'ghij');
  t.equal(q.read(1).toString(), 'a');
  t.equal(q.read(3).toString(), 'bcd');
  t.equal(q.read(5).toString(), 'efghi');
  t.equal(q.read(1).toString(), 'j');
  t.equal(q.length, 0);
  t.equal(q.read(0).length, 0, 'read(0) on an empty queue is empty');
});

t.test('read is a view of the pushed buffer when the bytes lie in one buffer', async (t) => {
  const src = Buffer.from('0123456789');
  const q = new ChunkQueue();
  q.push(src);
  const view = q.read(4);
  t.equal(view.buffer, src.buffer);
  t.equal(view.byteOffset, src.byteOffset);
  const next = q.read(3);
  t.equal(next.byteOffset, src.byteOffset + 4, 'the next read continues in the same buffer');
  t.equal(next.toString(), '456');
});

t.test('read copies when the bytes span buffers', async (t) => {
  const a = Buffer.from('abc');
  const q = new ChunkQueue();
  q.push(a);
  q.push(Buffer.from('def'));
  const out = q.read(5);
  t.equal(out.toString(), 'abcde');
  a[0] = 0x7a;
  t.equal(out.toString(), 'abcde', 'not aliased to the pushed buffers');
});

t.test('peek returns the next bytes without consuming them, at most what is queued', async (t) => {
  const q = queueOf('ab', 'cd');
  t.equal(q.peek(3).toString(), 'abc');
  t.equal(q.length, 4);
  t.equal(q.peek(100).toString(), 'abcd');
  t.equal(q.read(2).toString(), 'ab');
  t.equal(q.peek(1).toString(), 'c');
  t.equal(new ChunkQueue().peek(5).length, 0);
});

t.test('readAll empties the queue', async (t) => {
  const q = queueOf('ab', 'cd', 'e');
  q.read(1);
  t.equal(q.readAll().toString(), 'bcde');
  t.equal(q.length, 0);
  t.equal(q.readAll().length, 0);
});

t.test('reading more than is queued throws a RangeError and consumes nothing', async (t) => {
  const q = queueOf('abc');
  t.throws(() => q.read(4), RangeError);
  t.equal(q.length, 3);
  t.equal(q.read(3).toString(), 'abc');
});

t.test('many small pushes and random reads reproduce the input', async (t) => {
  const input = randomBytes(20_000);
  const q = new ChunkQueue();
  const out: Buffer[] = [];
  let pushed = 0;
  let read = 0;
  let lengthWrong = 0;
  while (read < input.length) {
    const n = Math.min(1 + Math.floor(Math.random() * 7), input.length - pushed);
    q.push(input.subarray(pushed, pushed + n));
    pushed += n;
    if (q.length !== pushed - read) lengthWrong++;
    const want = Math.floor(Math.random() * (q.length + 1));
    if (want > 0 || pushed === input.length) {
      out.push(Buffer.from(q.read(pushed === input.length ? q.length : want)));
      read += out[out.length - 1]!.length;
    }
  }
  t.equal(lengthWrong, 0, 'length was right after every push');
  t.ok(Buffer.concat(out).equals(input), 'same bytes out');
});
