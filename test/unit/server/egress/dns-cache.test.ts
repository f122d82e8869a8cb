import t from 'tap';
import { DnsCache } from '../../../../lib/server/egress/dns-cache.js';

const entry = (address: string) => ({ addresses: [{ address, family: 4 }] });

t.test('returns an entry until it expires', async (t) => {
  const cache = new DnsCache(10);
  cache.set('a', entry('192.0.2.1'), 1000);
  t.same(cache.get('a', 999), entry('192.0.2.1'));
  t.equal(cache.get('a', 1000), undefined);
  t.equal(cache.size, 0, 'an expired entry is dropped when read');
});

t.test('evicts the least recently used entry when full', async (t) => {
  const cache = new DnsCache(2);
  cache.set('a', entry('192.0.2.1'), 1000);
  cache.set('b', entry('192.0.2.2'), 1000);
  cache.get('a', 0);
  cache.set('c', entry('192.0.2.3'), 1000);
  t.equal(cache.size, 2);
  t.ok(cache.get('a', 0));
  t.equal(cache.get('b', 0), undefined, 'b was least recently used');
  cache.set('c', { error: { code: 'ENOTFOUND', message: 'x' } }, 1000);
  t.equal(cache.size, 2, 'replacing an entry does not evict');
  t.same(cache.get('c', 0), { error: { code: 'ENOTFOUND', message: 'x' } });
});
