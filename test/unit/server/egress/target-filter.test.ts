import t from 'tap';
import type { Test } from 'tap';
import { BlockList, isIPv4 } from 'node:net';
import { parseIPv6 } from '../../../../lib/protocol/address.js';
import { isSsError } from '../../../../lib/errors.js';
import { DEFAULT_FORBIDDEN_RANGES, TargetFilter } from '../../../../lib/server/egress/target-filter.js';

// Only strings are checked here: nothing is dialed.
const FORBIDDEN = [
  '127.0.0.1', '127.255.255.254', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.1.1',
  '100.64.0.1', '0.0.0.0', '255.255.255.255', '224.0.0.1', '240.0.0.1', '192.0.2.1',
  '::1', '::', 'fe80::1', 'fe80::1%eth0', 'fc00::1', 'fd12::1', 'ff02::1', '2001:db8::1',
  '::ffff:127.0.0.1', '::ffff:7f00:1', '::FFFF:7F00:1', '0:0:0:0:0:ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:a00:1',
  '0:0:0:0:0:0:0:1',
];
const ALLOWED = ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8'];

t.test('the default list forbids loopback, private, link-local and special ranges', async (t) => {
  const filter = new TargetFilter();
  for (const ip of FORBIDDEN) t.equal(filter.isForbidden(ip), true, ip);
});

t.test('the default list allows public addresses', async (t) => {
  const filter = new TargetFilter();
  for (const ip of ALLOWED) t.equal(filter.isForbidden(ip), false, ip);
});

t.test('a string that is not an IP literal is forbidden', async (t) => {
  const filter = new TargetFilter([]);
  for (const s of ['localhost', 'example.com', '', '1.2.3', '1.2.3.4.5', '256.0.0.1', '::ffff:1.2.3', 'fe80::1::2']) {
    t.equal(filter.isForbidden(s), true, JSON.stringify(s));
  }
});

t.test('a custom list replaces the default', async (t) => {
  const filter = new TargetFilter(['10.0.0.0/8', '2001:db8::/32', '8.8.8.8']);
  t.same(filter.ranges, ['10.0.0.0/8', '2001:db8::/32', '8.8.8.8']);
  t.equal(filter.isForbidden('127.0.0.1'), false, 'loopback is no longer in the list');
  t.equal(filter.isForbidden('::1'), false);
  t.equal(filter.isForbidden('10.200.1.1'), true);
  t.equal(filter.isForbidden('::ffff:10.0.0.1'), true, 'mapped IPv4 is judged as IPv4');
  t.equal(filter.isForbidden('2001:db8:1::5'), true);
  t.equal(filter.isForbidden('8.8.8.8'), true, 'a bare IP means that address');
  t.equal(filter.isForbidden('8.8.8.9'), false);
  const none = new TargetFilter([]);
  t.equal(none.isForbidden('127.0.0.1'), false, 'an empty list allows every IP');
});

t.test('the default list is exposed and unchanged by a filter', async (t) => {
  t.same(new TargetFilter().ranges, DEFAULT_FORBIDDEN_RANGES);
  t.ok(Object.isFrozen(DEFAULT_FORBIDDEN_RANGES));
});

t.test('bad entries throw ERR_SS_CONFIG naming the entry', async (t) => {
  for (const bad of ['10.0.0.0/33', 'nonsense', '1.2.3.4/x', '::/129', '1.2.3.4/', '1.2.3.4/8/8', '', '/8', '1.2.3.4/-1']) {
    try {
      new TargetFilter(['127.0.0.0/8', bad]);
      t.fail(`'${bad}' was accepted`);
    } catch (err) {
      t.ok(isSsError(err, 'ERR_SS_CONFIG'), `'${bad}': coded`);
      t.match((err as Error).message, `'${bad}'`, `'${bad}': named in the message`);
    }
  }
  t.throws(() => new TargetFilter(['nonsense'], 'forbidden_ip'), { message: /^forbidden_ip: / }, 'names the config key');
});

t.test('judges IPv6 forms that carry an IPv4 address by that address', async (t) => {
  const filter = new TargetFilter();
  for (const ip of ['64:ff9b::7f00:1', '64:ff9b::10.0.0.1', '2002:7f00:1::1', '2002:c0a8:101::', '::ffff:192.168.0.1']) {
    t.ok(filter.isForbidden(ip), `${ip} is forbidden`);
  }
  for (const ip of ['64:ff9b::808:808', '2002:808:808::1']) t.notOk(filter.isForbidden(ip), `${ip} is allowed`);
  t.notOk(new TargetFilter(['192.168.0.0/16']).isForbidden('64:ff9b::7f00:1'), 'a custom list is applied to the embedded address');
});

// What the filter answered before it was rebuilt on IpRangeSet: node's
// BlockList (rule by rule, IPv4 and IPv4-mapped IPv6 matched across
// families) plus the embedded-IPv4 check.
function blockListFilter(entries: readonly string[]): (ip: string) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [ip, bits] = entry.split('/') as [string, string | undefined];
    const family = isIPv4(ip) ? 'ipv4' : 'ipv6';
    list.addSubnet(ip, bits === undefined ? (family === 'ipv4' ? 32 : 128) : Number(bits), family);
  }
  return (ip) => {
    if (isIPv4(ip)) return list.check(ip, 'ipv4');
    const carried = embedded(parseIPv6(ip));
    if (carried !== undefined && list.check(v4(carried), 'ipv4')) return true;
    return list.check(ip, 'ipv6');
  };
}

// The same rules as a plain scan of every entry, fast enough to run against
// 100,000 entries: an IPv4 entry also holds ::ffff:<its addresses>, an IPv6
// entry also holds the IPv4 addresses whose mapped form it holds.
function scanFilter(entries: readonly string[]): (ip: string) => boolean {
  const four: [number, number][] = [];
  const six: [bigint, bigint][] = [];
  for (const entry of entries) {
    const [ip, bits] = entry.split('/') as [string, string | undefined];
    if (isIPv4(ip)) {
      const size = 2 ** (32 - Number(bits ?? 32));
      const first = Math.floor(ip.split('.').reduce((n, x) => n * 256 + Number(x), 0) / size) * size;
      four.push([first, first + size - 1]);
    } else {
      const size = 1n << BigInt(128 - Number(bits ?? 128));
      const first = (bigOf(parseIPv6(ip)) / size) * size;
      six.push([first, first + size - 1n]);
    }
  }
  // The IPv6 entries' share of ::ffff:0:0/96, as IPv4 ranges.
  for (const [a, b] of six) {
    if (b >= MAPPED && a <= MAPPED + 0xffffffffn) four.push([Number((a > MAPPED ? a : MAPPED) - MAPPED), Number((b < MAPPED + 0xffffffffn ? b : MAPPED + 0xffffffffn) - MAPPED)]);
  }
  const firsts = Float64Array.from(four, (x) => x[0]);
  const lasts = Float64Array.from(four, (x) => x[1]);
  const inFour = (n: number): boolean => {
    for (let i = 0; i < firsts.length; i++) if (n >= firsts[i]! && n <= lasts[i]!) return true;
    return false;
  };
  return (ip) => {
    if (isIPv4(ip)) return inFour(ip.split('.').reduce((n, x) => n * 256 + Number(x), 0));
    const b = parseIPv6(ip);
    const carried = embedded(b);
    if (carried !== undefined && inFour(carried)) return true;
    const n = bigOf(b);
    if (n >= MAPPED && n <= MAPPED + 0xffffffffn) return inFour(Number(n - MAPPED));
    for (const [a, c] of six) if (n >= a && n <= c) return true;
    return false;
  };
}

const MAPPED = 0xffff00000000n;
const bigOf = (b: Buffer): bigint => BigInt(`0x${b.toString('hex')}`);

function embedded(b: Buffer): number | undefined {
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b.readUInt16BE(10) === 0xffff;
  const nat64 = b.readUInt32BE(0) === 0x0064ff9b && b.subarray(4, 12).every((x) => x === 0);
  if (mapped || nat64) return b.readUInt32BE(12);
  return b.readUInt16BE(0) === 0x2002 ? b.readUInt32BE(2) : undefined;
}

/** A deterministic generator (xorshift32), so a failure can be replayed. */
function random(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

function v4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function v6(n: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

/**
 * `count` entries (three IPv4 to one IPv6, some IPv6 ones inside
 * ::ffff:0:0/96), and addresses to probe: around the edges of every
 * `edgeEvery`th entry (first - 1, first, last, last + 1, in each IPv4 disguise)
 * and `randoms` random ones.
 */
function makeList(seed: number, count: number, edgeEvery: number, randoms: number): { entries: string[]; probes: string[] } {
  const r = random(seed);
  const entries: string[] = [];
  const probes: string[] = [];
  for (let i = 0; i < count; i++) {
    const edges = i % edgeEvery === 0;
    if (i % 4 !== 3) {
      const len = i % 1000 === 0 ? 12 + r(9) : i % 7 === 0 ? 32 : 20 + r(13);
      const size = 2 ** (32 - len);
      const first = Math.floor((r(2 ** 31) * 2 + r(2)) / size) * size;
      entries.push(len === 32 && i % 14 === 0 ? v4(first) : `${v4(first)}/${len}`);
      if (!edges) continue;
      for (const n of [first - 1, first, first + size - 1, first + size]) {
        if (n < 0 || n > 0xffff_ffff) continue;
        const hi = (n >>> 16).toString(16);
        const lo = (n & 0xffff).toString(16);
        probes.push(v4(n), `::ffff:${v4(n)}`, `::ffff:${hi}:${lo}`, `64:ff9b::${v4(n)}`, `2002:${hi}:${lo}::1`);
      }
    } else {
      const mappedBlock = i % 40 === 3;
      const len = mappedBlock ? 112 + r(17) : 32 + r(97);
      const size = 1n << BigInt(128 - len);
      const raw = mappedBlock ? MAPPED | BigInt(r(2 ** 31) * 2) : (0x2000n << 112n) | (BigInt(r(2 ** 30)) << 90n) | (BigInt(r(2 ** 30)) << 60n) | BigInt(r(2 ** 30));
      const first = raw & ~(size - 1n);
      entries.push(`${v6(first)}/${len}`);
      if (edges) for (const n of [first - 1n, first, first + size - 1n, first + size]) probes.push(v6(n));
    }
  }
  for (let i = 0; i < randoms; i++) {
    const n = r(2 ** 31) * 2 + r(2);
    probes.push(v4(n));
    if (i % 3 === 0) probes.push(`::ffff:${v4(n)}`, `64:ff9b::${v4(n)}`);
    if (i % 3 === 1) probes.push(v6((0x2000n << 112n) | (BigInt(r(2 ** 30)) << 90n) | BigInt(r(2 ** 30))));
  }
  return { entries, probes };
}

function compare(t: Test, filter: TargetFilter, reference: (ip: string) => boolean, probes: string[]): void {
  let mismatches = 0;
  let forbidden = 0;
  for (const ip of probes) {
    const got = filter.isForbidden(ip);
    if (got) forbidden++;
    if (got !== reference(ip) && mismatches++ < 10) t.fail(`${ip}: ${got}, the reference says ${!got}`);
  }
  t.equal(mismatches, 0, `${probes.length} addresses agree`);
  t.ok(forbidden > probes.length / 10 && forbidden < probes.length * 0.9, `both answers occur (${forbidden} forbidden)`);
}

t.test('a 100,000-entry list answers as a plain scan of the entries does, at the edges and at random', async (t) => {
  const { entries, probes } = makeList(0x5eed1234, 100_000, 1000, 1000);
  compare(t, new TargetFilter(entries), scanFilter(entries), probes);
});

t.test('a 2,000-entry list answers as the BlockList filter it replaces did', async (t) => {
  const { entries, probes } = makeList(0x0dd5eed, 2000, 4, 3000);
  compare(t, new TargetFilter(entries), blockListFilter(entries), probes);
});

t.test('an IPv6 entry covering IPv4-mapped addresses covers those IPv4 addresses, as BlockList did', async (t) => {
  const filter = new TargetFilter(['::ffff:10.0.0.0/104', '::/80']);
  t.ok(filter.isForbidden('10.1.2.3'));
  t.ok(filter.isForbidden('11.1.2.3'), '::/80 holds all of ::ffff:0:0/96');
  t.notOk(new TargetFilter(['::/96']).isForbidden('1.2.3.4'), '::/96 (IPv4-compatible) does not hold mapped addresses');
  t.notOk(new TargetFilter(['0.0.0.0/0']).isForbidden('2001:db8::1'), 'an IPv4 range holds no other IPv6 address');
});
