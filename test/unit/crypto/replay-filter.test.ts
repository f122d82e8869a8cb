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

t.test('remembers a full default-sized generation of random salts, with no false alarms', async (t) => {
  const { randomBytes } = await import('node:crypto');
  const capacity = 65_536;
  const f = new ReplayFilter(capacity);
  const salts = Array.from({ length: capacity }, () => randomBytes(32));
  let refused = 0;
  for (const s of salts) if (!f.add(s)) refused++;
  t.equal(refused, 0, 'every new salt is accepted');
  let missing = 0;
  for (const s of salts) if (!f.has(s)) missing++;
  t.equal(missing, 0, 'every salt is remembered');
  let falseAlarms = 0;
  for (let i = 0; i < capacity; i++) if (f.has(randomBytes(32))) falseAlarms++;
  t.equal(falseAlarms, 0, 'no unseen salt is reported as seen');
});

t.test('uses the same memory however many salts pass through', async (t) => {
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const capacity = 16_384;
  const f = new ReplayFilter(capacity);
  f.add(salt(0));
  gc();
  const before = process.memoryUsage();
  for (let i = 1; i < 100_000; i++) f.add(salt(i));
  gc();
  const after = process.memoryUsage();
  const grown = after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers;
  // A Set of 32 768 salt strings would hold about 4 MiB here.
  t.ok(grown < 512 * 1024, `heap and array buffers grew by ${grown} bytes over 100 000 salts`);
  t.equal(f.size, capacity + (100_000 % capacity), 'a full archive and the active generation');
});
