import t from 'tap';
import { RateLimiter } from '../../../lib/transport/rate-limiter.js';
import { FakeClock } from '../../fixtures/fake-clock.js';

function makeLimiter(intervalMs?: number): { clock: FakeClock; limiter: RateLimiter } {
  const clock = new FakeClock();
  return { clock, limiter: new RateLimiter({ intervalMs, now: () => clock.now() }) };
}

t.test('lets the first event of a kind through, holding nothing back', async (t) => {
  const { limiter } = makeLimiter();
  t.equal(limiter.take('accept'), 0);
});

t.test('holds back the events of a kind within the interval, then reports how many', async (t) => {
  const { clock, limiter } = makeLimiter(10_000);
  t.equal(limiter.take('accept'), 0);
  for (let i = 0; i < 5; i++) {
    clock.advance(1000);
    t.equal(limiter.take('accept'), undefined, `held back at +${(i + 1) * 1000} ms`);
  }
  clock.advance(4999);
  t.equal(limiter.take('accept'), undefined, 'still held back 1 ms before the interval ends');
  clock.advance(1);
  t.equal(limiter.take('accept'), 6, 'passes at the interval, with the 6 held back');
  t.equal(limiter.take('accept'), undefined, 'a new interval starts from there');
  clock.advance(10_000);
  t.equal(limiter.take('accept'), 1, 'the count starts again from zero');
});

t.test('counts each kind on its own', async (t) => {
  const { clock, limiter } = makeLimiter(10_000);
  t.equal(limiter.take('accept'), 0);
  t.equal(limiter.take('connect'), 0, 'another kind passes at once');
  t.equal(limiter.take('accept'), undefined);
  clock.advance(10_000);
  t.equal(limiter.take('connect'), 0, 'nothing of its kind was held back');
  t.equal(limiter.take('accept'), 1);
});

t.test('an interval of 0 lets everything through', async (t) => {
  const { limiter } = makeLimiter(0);
  t.same([limiter.take('a'), limiter.take('a'), limiter.take('a')], [0, 0, 0]);
});

t.test('validates intervalMs', async (t) => {
  for (const bad of [-1, 1.5, Number.NaN]) t.throws(() => new RateLimiter({ intervalMs: bad }), TypeError, String(bad));
});
