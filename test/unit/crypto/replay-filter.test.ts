import t from 'tap';
import { ReplayFilter } from '../../../lib/crypto/replay-filter.js';

const salt = (n: number): Buffer => {
  const b = Buffer.alloc(32);
  b.writeUInt32BE(n, 28);
  return b;
};

t.test('add records a salt that has then reports, by content', async (t) => {
  const f = new ReplayFilter(4);
  t.notOk(f.has(salt(1)));
  t.equal(f.add(salt(1)), true);
  t.ok(f.has(salt(1)));
  t.ok(f.has(Buffer.from(salt(1))), 'a copy of the salt is the same salt');
  t.notOk(f.has(salt(2)));
  t.equal(f.size, 1);
});

t.test('adding a salt again returns false and changes nothing', async (t) => {
  const f = new ReplayFilter(4);
  f.add(salt(1));
  t.equal(f.add(salt(1)), false);
  t.equal(f.size, 1);
});

t.test('salts that differ only in length are different', async (t) => {
  const f = new ReplayFilter(4);
  f.add(Buffer.alloc(16));
  t.notOk(f.has(Buffer.alloc(32)));
});

t.test('a salt is still caught once it has moved to the archive generation', async (t) => {
  const f = new ReplayFilter(4);
  f.add(salt(0));
  for (let i = 1; i <= 4; i++) f.add(salt(i)); // salt 4 rotates 0..3 into the archive
  t.ok(f.has(salt(0)));
  t.equal(f.add(salt(0)), false);
});

t.test('after 2 * capacity new salts the oldest are forgotten', async (t) => {
  const capacity = 4;
  const f = new ReplayFilter(capacity);
  f.add(salt(0));
  for (let i = 1; i < 2 * capacity; i++) f.add(salt(i));
  t.ok(f.has(salt(0)), 'remembered after 2 * capacity - 1 more');
  f.add(salt(2 * capacity));
  t.notOk(f.has(salt(0)), 'forgotten after 2 * capacity more');
  t.equal(f.add(salt(0)), true, 'and may be added again');
  t.ok(f.has(salt(2 * capacity)), 'the newest is remembered');
});

t.test('size never exceeds 2 * capacity', async (t) => {
  for (const capacity of [1, 3, 16]) {
    const f = new ReplayFilter(capacity);
    let max = 0;
    for (let i = 0; i < capacity * 10; i++) {
      f.add(salt(i));
      max = Math.max(max, f.size);
    }
    t.equal(max, 2 * capacity, `capacity ${capacity}`);
    // The last `capacity` salts are always remembered.
    for (let i = capacity * 9; i < capacity * 10; i++) t.ok(f.has(salt(i)), `capacity ${capacity}: salt ${i}`);
  }
});

t.test('the capacity must be a positive integer', async (t) => {
  for (const bad of [0, -1, 1.5, Number.NaN, Infinity]) {
    t.throws(() => new ReplayFilter(bad), TypeError, String(bad));
  }
});

t.test('reports new salts to onAdd, and import() adds without reporting', async (t) => {
  const seen: string[] = [];
  const filter = new ReplayFilter(8, (salt) => seen.push(salt.toString('hex')));
  t.ok(filter.add(Buffer.from('aa', 'hex')));
  t.notOk(filter.add(Buffer.from('aa', 'hex')), 'a repeat is refused');
  filter.import(Buffer.from('bb', 'hex'));
  t.notOk(filter.add(Buffer.from('bb', 'hex')), 'an imported salt counts as seen');
  t.same(seen, ['aa'], 'only the local new salt was reported');
});
