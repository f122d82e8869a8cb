import t from 'tap';
import { RESTART_BACKOFF_DEFAULTS, RestartBackoff } from '../../../lib/transport/restart-backoff.js';

t.test('doubles the delay per failure, up to the cap', async (t) => {
  let now = 0;
  const b = new RestartBackoff({ initialDelayMs: 100, maxDelayMs: 500, maxRestarts: 10 }, () => now);
  t.same([b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 500, 500]);
  t.equal(b.recentFailures, 5);
});

t.test('gives up after maxRestarts failures within the window', async (t) => {
  let now = 0;
  const b = new RestartBackoff({ maxRestarts: 2, windowMs: 1000 }, () => now);
  t.equal(b.next(), 100);
  now += 10;
  t.equal(b.next(), 200);
  now += 10;
  t.equal(b.next(), undefined, 'a third failure in the window');
});

t.test('forgets failures older than the window, so the delay starts over', async (t) => {
  let now = 0;
  const b = new RestartBackoff({ maxRestarts: 2, windowMs: 1000 }, () => now);
  b.next();
  b.next();
  now += 1000;
  t.equal(b.recentFailures, 0);
  t.equal(b.next(), 100, 'back to the first delay');
});

t.test('defaults: 100 ms doubling to 10 s, 5 restarts per minute', async (t) => {
  t.same(RESTART_BACKOFF_DEFAULTS, { initialDelayMs: 100, maxDelayMs: 10_000, maxRestarts: 5, windowMs: 60_000 });
  let now = 0;
  const b = new RestartBackoff({}, () => now);
  const delays = Array.from({ length: 6 }, () => b.next());
  t.same(delays, [100, 200, 400, 800, 1600, undefined]);
});
