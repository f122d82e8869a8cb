/**
 * ClientRateLimiter: one line per client per interval, counted; a cap over
 * all clients; bounded memory.
 */
import t from 'tap';
import { ClientRateLimiter } from '../../../lib/transport/client-rate-limiter.js';

t.test('one event per client per minute passes, and the next one learns how many were held back', async (t) => {
  let now = 0;
  const limiter = new ClientRateLimiter({ intervalMs: 60_000, globalIntervalMs: 0, now: () => now });
  t.equal(limiter.take('a'), 0, 'the first passes');
  t.equal(limiter.take('b'), 0, 'another client passes too');
  now = 1000;
  t.equal(limiter.take('a'), undefined, 'held within the minute');
  t.equal(limiter.take('a'), undefined);
  now = 60_000;
  t.equal(limiter.take('a'), 2, 'a minute later: passes, 2 held back');
  t.equal(limiter.take('a'), undefined);
});

t.test('over all clients, one event per global interval passes', async (t) => {
  let now = 0;
  const limiter = new ClientRateLimiter({ intervalMs: 60_000, globalIntervalMs: 100, now: () => now });
  t.equal(limiter.take('a'), 0);
  t.equal(limiter.take('b'), undefined, 'a second client within 100 ms is held');
  now = 100;
  t.equal(limiter.take('b'), 1, 'and passes later with its count');
});

t.test('past maxClients the oldest client is forgotten', async (t) => {
  let now = 0;
  const limiter = new ClientRateLimiter({ intervalMs: 60_000, globalIntervalMs: 0, maxClients: 2, now: () => now });
  limiter.take('a');
  limiter.take('b');
  limiter.take('c');
  now = 1;
  t.equal(limiter.take('a'), 0, 'a was forgotten: it passes again at once');
  t.equal(limiter.take('c'), undefined, 'c is remembered');
});
