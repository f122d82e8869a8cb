import t from 'tap';
import { randomSalt } from '../../../lib/crypto/random-salt.js';

t.test('hands out fresh, distinct salts of the asked length across pool refills', async (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const s = randomSalt(32);
    t.equal(s.length, 32);
    seen.add(s.toString('hex'));
  }
  t.equal(seen.size, 1000, 'no salt repeats');
  const a = randomSalt(16);
  const copy = Buffer.from(a);
  randomSalt(4096 - 16); // forces a refill of the pool
  randomSalt(16);
  t.ok(a.equals(copy), 'a salt is a copy, not a view that a refill overwrites');
  t.equal(randomSalt(5000).length, 5000, 'larger than the pool');
});
