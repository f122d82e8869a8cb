import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { isSsError } from '../../../../lib/errors.js';
import { DNS_MAX_TTL_S, DNS_MIN_TTL_S, DNS_NEGATIVE_TTL_S, DnsResolver, type DnsResolverOptions } from '../../../../lib/server/egress/dns-resolver.js';
import { HOSTS_CHECK_INTERVAL_MS } from '../../../../lib/server/egress/hosts-file.js';
import { FakeClock } from '../../../fixtures/fake-clock.js';
import { FakeDnsServer, type FakeRecord } from '../../../fixtures/fake-dns-server.js';

const NO_HOSTS = '/nonexistent/hosts';

async function setup(t: Test, records: Record<string, FakeRecord>, options: DnsResolverOptions = {}): Promise<{ dns: FakeDnsServer; resolver: DnsResolver; clock: FakeClock }> {
  const dns = await FakeDnsServer.start(records);
  t.teardown(() => dns.close());
  const clock = new FakeClock();
  const resolver = new DnsResolver({ servers: [dns.address], hostsPath: NO_HOSTS, now: () => clock.now(), ...options });
  t.teardown(() => resolver.cancel());
  return { dns, resolver, clock };
}

const addresses = (list: { address: string }[]): string[] => list.map((a) => a.address);

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code;
  }
}

t.test('asks for A and AAAA and puts IPv4 first by default', async (t) => {
  const { dns, resolver } = await setup(t, { 'both.test': { a: ['192.0.2.1', '192.0.2.2'], aaaa: ['2001:db8::1'] } });
  t.same(await resolver.resolve('both.test'), [
    { address: '192.0.2.1', family: 4 }, { address: '192.0.2.2', family: 4 }, { address: '2001:db8::1', family: 6 },
  ]);
  t.same([...dns.questions].sort(), ['A both.test', 'AAAA both.test']);
});

t.test('puts IPv6 first with ipv6First', async (t) => {
  const { resolver } = await setup(t, { 'both.test': { a: ['192.0.2.1'], aaaa: ['2001:db8::1'] } }, { ipv6First: true });
  t.same(addresses(await resolver.resolve('both.test')), ['2001:db8::1', '192.0.2.1']);
});

t.test('answers a name that has only one family', async (t) => {
  const { resolver } = await setup(t, { 'six.test': { aaaa: ['2001:db8::6'] }, 'four.test': { a: ['192.0.2.4'] } });
  t.same(addresses(await resolver.resolve('six.test')), ['2001:db8::6']);
  t.same(addresses(await resolver.resolve('four.test')), ['192.0.2.4']);
});

t.test('is a LookupFunction, reporting failures through the callback', async (t) => {
  const { resolver } = await setup(t, { 'cb.test': { a: ['192.0.2.9'] } });
  const ok = await new Promise((resolve) => resolver.lookup('cb.test', { all: true }, (err, list) => resolve({ err, list })));
  t.same(ok, { err: null, list: [{ address: '192.0.2.9', family: 4 }] });
  const bad = await new Promise<NodeJS.ErrnoException | null>((resolve) => resolver.lookup('nope.test', { all: true }, (err) => resolve(err)));
  t.equal(bad?.code, 'ENOTFOUND');
});

t.test('returns an IP literal as it is, without a query', async (t) => {
  const { dns, resolver } = await setup(t, {});
  t.same(await resolver.resolve('192.0.2.7'), [{ address: '192.0.2.7', family: 4 }]);
  t.same(await resolver.resolve('::1'), [{ address: '::1', family: 6 }]);
  t.equal(dns.questions.length, 0);
});

t.test('sends one query for concurrent lookups of one name', async (t) => {
  const { dns, resolver } = await setup(t, { 'busy.test': { a: ['192.0.2.3'] } });
  dns.delayMs = 100;
  const all = await Promise.all(Array.from({ length: 20 }, () => resolver.resolve('BUSY.test')));
  for (const list of all) t.same(addresses(list), ['192.0.2.3']);
  t.same([...dns.questions].sort(), ['A busy.test', 'AAAA busy.test'], 'one A and one AAAA');
  t.equal(resolver.queries, 1);
});

t.test('keeps an answer for its TTL, then asks again', async (t) => {
  const { dns, resolver, clock } = await setup(t, { 'ttl.test': { a: ['192.0.2.1'], ttl: 60 } });
  await resolver.resolve('ttl.test');
  clock.advance(59_000);
  t.same(addresses(await resolver.resolve('ttl.test')), ['192.0.2.1'], 'from the cache');
  t.equal(dns.namesAsked, 1);
  t.equal(resolver.queries, 1);
  dns.records.set('ttl.test', { a: ['192.0.2.99'], ttl: 60 });
  clock.advance(1_000);
  t.same(addresses(await resolver.resolve('ttl.test')), ['192.0.2.99'], 'asked again once the TTL ran out');
  t.equal(resolver.queries, 2);
});

t.test('keeps answers at least DNS_MIN_TTL_S and at most DNS_MAX_TTL_S', async (t) => {
  const { resolver, clock } = await setup(t, { 'zero.test': { a: ['192.0.2.1'], ttl: 0 }, 'day.test': { a: ['192.0.2.2'], ttl: 86_400 } });
  await resolver.resolve('zero.test');
  await resolver.resolve('day.test');
  clock.advance(DNS_MIN_TTL_S * 1000 - 1);
  await resolver.resolve('zero.test');
  t.equal(resolver.queries, 2, 'a TTL of 0 is kept for the floor');
  clock.advance(1);
  await resolver.resolve('zero.test');
  t.equal(resolver.queries, 3, 'and asked again after it');
  clock.advance(DNS_MAX_TTL_S * 1000);
  await resolver.resolve('day.test');
  t.equal(resolver.queries, 4, 'a TTL of a day is cut to the ceiling');
});

t.test('remembers a name that does not exist for DNS_NEGATIVE_TTL_S', async (t) => {
  const { dns, resolver, clock } = await setup(t, {});
  t.equal(await codeOf(resolver.resolve('missing.test')), 'ENOTFOUND');
  t.equal(await codeOf(resolver.resolve('missing.test')), 'ENOTFOUND', 'again, from the cache');
  t.equal(resolver.queries, 1);
  dns.records.set('missing.test', { a: ['192.0.2.5'] });
  clock.advance(DNS_NEGATIVE_TTL_S * 1000);
  t.same(addresses(await resolver.resolve('missing.test')), ['192.0.2.5'], 'asked again after the negative TTL');
});

t.test('answers ENODATA for a name with no A and no AAAA', async (t) => {
  const { resolver } = await setup(t, { 'empty.test': {} });
  t.equal(await codeOf(resolver.resolve('empty.test')), 'ENODATA');
});

t.test('evicts the least recently used name beyond cacheSize', async (t) => {
  const records = Object.fromEntries(['a', 'b', 'c', 'd'].map((n, i) => [`${n}.test`, { a: [`192.0.2.${i + 1}`] }]));
  const { resolver } = await setup(t, records, { cacheSize: 3 });
  for (const n of ['a', 'b', 'c']) await resolver.resolve(`${n}.test`);
  await resolver.resolve('a.test');
  t.equal(resolver.queries, 3, 'a.test was cached');
  await resolver.resolve('d.test');
  t.equal(resolver.cacheSize, 3, 'the cache stays at its cap');
  await resolver.resolve('a.test');
  await resolver.resolve('c.test');
  t.equal(resolver.queries, 4, 'a.test (used recently) and c.test stayed');
  await resolver.resolve('b.test');
  t.equal(resolver.queries, 5, 'b.test, the least recently used, was evicted');
});

t.test('fails with ETIMEOUT when the name server does not answer, and caches nothing', async (t) => {
  const { dns, resolver } = await setup(t, { 'slow.test': { a: ['192.0.2.1'] } }, { timeoutMs: 200, tries: 1 });
  dns.silent = true;
  t.equal(await codeOf(resolver.resolve('slow.test')), 'ETIMEOUT');
  dns.silent = false;
  t.same(addresses(await resolver.resolve('slow.test')), ['192.0.2.1'], 'asked again');
});

t.test('answers localhost and *.localhost with loopback, without a query', async (t) => {
  const { dns, resolver } = await setup(t, {});
  t.same(addresses(await resolver.resolve('localhost')), ['127.0.0.1', '::1']);
  t.same(addresses(await resolver.resolve('Web.LocalHost.')), ['127.0.0.1', '::1']);
  t.equal(dns.questions.length, 0);
});

t.test('consults the hosts file first, and reads it again when it changes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ss-hosts-'));
  t.teardown(() => rm(dir, { recursive: true }));
  const hostsPath = join(dir, 'hosts');
  await writeFile(hostsPath, '# test\n192.0.2.10 pinned.test Alias.test\n2001:db8::10 pinned.test\n127.0.0.5 localhost\n');
  const { dns, resolver, clock } = await setup(t, { 'pinned.test': { a: ['192.0.2.200'] }, 'later.test': { a: ['192.0.2.201'] } }, { hostsPath });
  t.same(addresses(await resolver.resolve('pinned.test')), ['192.0.2.10', '2001:db8::10']);
  t.same(addresses(await resolver.resolve('alias.TEST')), ['192.0.2.10']);
  t.same(addresses(await resolver.resolve('localhost')), ['127.0.0.5'], 'the file wins over the built-in localhost');
  t.same(addresses(await resolver.resolve('later.test')), ['192.0.2.201'], 'other names go to DNS');
  t.equal(dns.namesAsked, 1);
  await writeFile(hostsPath, '192.0.2.11 later.test\n');
  await utimes(hostsPath, new Date(), new Date(Date.now() + 10_000));
  clock.advance(HOSTS_CHECK_INTERVAL_MS);
  t.same(addresses(await resolver.resolve('later.test')), ['192.0.2.11'], 'the new file is read');
  t.same(addresses(await resolver.resolve('pinned.test')), ['192.0.2.200'], 'a name gone from the file goes to DNS');
});

t.test('refuses a name server that is not ADDR[:PORT]', async (t) => {
  try {
    new DnsResolver({ servers: ['not an address'] });
    t.fail('accepted');
  } catch (err) {
    t.ok(isSsError(err, 'ERR_SS_CONFIG'), 'coded');
    t.match((err as Error).message, /^nameservers: /, 'names the option');
  }
});
