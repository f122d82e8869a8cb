import t from 'tap';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MIN_BURST_BYTES, TokenBucket } from '../../../lib/stream/token-bucket.js';
import { RateLimitTransform } from '../../../lib/stream/rate-limit-transform.js';

function fakeClock(): { now: () => number; advance(ms: number): void } {
  let ms = 0;
  return { now: () => ms, advance: (d) => void (ms += d) };
}

t.test('a bucket lets its burst through, then asks to wait for the debt at its rate', async (t) => {
  const clock = fakeClock();
  const bucket = new TokenBucket(1000, 500, clock.now);
  t.equal(bucket.take(500), 0, 'the burst passes at once');
  t.equal(bucket.take(250), 250, '250 bytes over at 1000 B/s: wait 250 ms');
  clock.advance(250);
  t.equal(bucket.take(100), 100, 'the debt is paid; 100 more bytes wait 100 ms');
  clock.advance(10_000);
  t.equal(bucket.take(400), 0, 'an idle spell refills to the burst, no more');
  t.equal(bucket.take(200), 100);
  t.equal(bucket.waits, 3);
  t.equal(bucket.waitedMs, 450);
});

t.test('2 MB at 1 MB/s asks for about 2 s of waiting in all, minus the burst', async (t) => {
  const clock = fakeClock();
  const rate = 1_000_000;
  const bucket = new TokenBucket(rate, undefined, clock.now);
  t.equal(bucket.burst, 100_000, 'the default burst is a tenth of a second');
  t.equal(new TokenBucket(1000).burst, MIN_BURST_BYTES, 'and at least one read');
  let elapsed = 0;
  for (let sent = 0; sent < 2_000_000; sent += 16_384) {
    const wait = bucket.take(16_384);
    clock.advance(wait);
    elapsed += wait;
  }
  t.ok(elapsed > 1_850 && elapsed < 2_000, `about 1.9 s (${elapsed.toFixed(0)} ms)`);
  t.throws(() => new TokenBucket(0), TypeError);
});

t.test('a rate-limit transform passes every byte in order and waits when the bucket is in debt', async (t) => {
  const bucket = new TokenBucket(1_000_000, 16_384);
  const chunks = Array.from({ length: 8 }, (_, i) => Buffer.alloc(8192, i));
  const out: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => out.push(d));
  await pipeline(Readable.from(chunks), new RateLimitTransform(bucket), sink);
  t.same(Buffer.concat(out), Buffer.concat(chunks), 'intact');
  t.ok(bucket.waits > 0, 'it waited');
});

t.test('a destroyed rate-limit transform forgets its pending wait', async (t) => {
  const bucket = new TokenBucket(1, 1);
  const limiter = new RateLimitTransform(bucket);
  limiter.resume();
  limiter.write(Buffer.alloc(100)); // 100 s of debt
  limiter.destroy();
  await new Promise((r) => limiter.once('close', r));
  t.equal(bucket.waits, 1);
});
