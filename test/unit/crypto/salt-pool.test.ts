import t from 'tap';
import { SALT_POOL_TTL_MS, SaltPool } from '../../../lib/crypto/salt-pool.js';

t.test('refuses a salt seen in the last 60 s and forgets it after', async (t) => {
  let now = 1_000_000;
  const pool = new SaltPool(() => now);
  const salt = Buffer.alloc(16, 1);
  t.equal(pool.add(salt), true);
  t.equal(pool.add(Buffer.from(salt)), false, 'the same bytes in another buffer');
  now += SALT_POOL_TTL_MS - 1;
  t.equal(pool.add(salt), false, 'just before 60 s');
  now += 1;
  t.equal(pool.add(salt), true, 'at 60 s it is forgotten and accepted again');
});

t.test('is exact: salts differing in one bit are distinct', async (t) => {
  const pool = new SaltPool(() => 0);
  for (let i = 0; i < 32 * 8; i++) {
    const s = Buffer.alloc(32);
    s[i >> 3] = 1 << (i & 7);
    if (!pool.add(s)) t.fail(`bit ${i}`);
  }
  t.equal(pool.size, 256);
});

t.test('memory holds only the last 60 s', async (t) => {
  let now = 0;
  const pool = new SaltPool(() => now);
  for (let i = 0; i < 1000; i++) {
    now = i * 1000;
    pool.add(Buffer.from(String(i)));
  }
  t.equal(pool.size, 60);
});
