import t from 'tap';
import { IPV4_MAPPED_BASE, IpRangeSet } from '../../../../lib/server/egress/ip-range-set.js';

t.test('merges overlapping and touching ranges, whatever their order', async (t) => {
  const set = new IpRangeSet([[20n, 30n], [1n, 5n], [6n, 9n], [25n, 40n], [100n, 100n], [3n, 4n]]);
  t.equal(set.size, 3, '[1,9] [20,40] [100,100]');
  for (const n of [1n, 5n, 6n, 9n, 20n, 33n, 40n, 100n]) t.ok(set.has(n), `${n} is in`);
  for (const n of [0n, 10n, 19n, 41n, 99n, 101n]) t.notOk(set.has(n), `${n} is out`);
});

t.test('an empty set holds nothing', async (t) => {
  const set = new IpRangeSet([]);
  t.equal(set.size, 0);
  t.notOk(set.has(0n));
  t.notOk(set.hasIPv4(0));
});

t.test('answers IPv4 at its mapped place, from ranges that cross the mapped block', async (t) => {
  const below = IPV4_MAPPED_BASE - 10n;
  const set = new IpRangeSet([[below, IPV4_MAPPED_BASE + 0x0a00_0000n], [IPV4_MAPPED_BASE + 0xffff_fff0n, (1n << 128n) - 1n]]);
  t.ok(set.hasIPv4(0), '0.0.0.0');
  t.ok(set.hasIPv4(0x0a00_0000), '10.0.0.0, the last of the first range');
  t.notOk(set.hasIPv4(0x0a00_0001), '10.0.0.1');
  t.ok(set.hasIPv4(0xffff_fff0), '255.255.255.240');
  t.ok(set.hasIPv4(0xffff_ffff), '255.255.255.255');
  t.ok(set.has((1n << 128n) - 1n), 'the last 128-bit address');
});
