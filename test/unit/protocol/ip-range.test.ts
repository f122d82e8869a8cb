import t from 'tap';
import { parseIpRange } from '../../../lib/protocol/ip-range.js';
import { DEFAULT_FORBIDDEN_RANGES } from '../../../lib/protocol/special-ip-ranges.js';
import { TargetFilter } from '../../../lib/server/egress/target-filter.js';

t.test('parses IPv4 and IPv6 CIDRs and bare IPs into plain data', async (t) => {
  t.same(parseIpRange(' 10.0.0.0/8 ', 'k'), { text: '10.0.0.0/8', family: 'ipv4', network: '10.0.0.0', prefix: 8 });
  t.same(parseIpRange('8.8.8.8', 'k'), { text: '8.8.8.8', family: 'ipv4', network: '8.8.8.8', prefix: 32 });
  t.same(parseIpRange('fe80::/10', 'k'), { text: 'fe80::/10', family: 'ipv6', network: 'fe80::', prefix: 10 });
  t.same(parseIpRange('::1', 'k'), { text: '::1', family: 'ipv6', network: '::1', prefix: 128 });
  for (const r of DEFAULT_FORBIDDEN_RANGES) t.equal(parseIpRange(r, 'k').text, r, `parses the default ${r}`);
});

t.test('refuses what is not an IP or CIDR, naming the key and the entry', async (t) => {
  const cases: [string, RegExp][] = [
    ['nope', /^--forbidden-ip: 'nope' is not an IP or CIDR$/],
    ['', /is not an IP or CIDR/],
    ['10.0.0.0/8/8', /is not an IP or CIDR/],
    ['10.0.0.0/33', /^--forbidden-ip: '10.0.0.0\/33' has a bad prefix length$/],
    ['::/129', /has a bad prefix length/],
    ['10.0.0.0/x', /has a bad prefix length/],
    ['10.0.0.0/-1', /has a bad prefix length/],
  ];
  for (const [entry, message] of cases) t.throws(() => parseIpRange(entry, '--forbidden-ip'), { code: 'ERR_SS_CONFIG', message }, entry);
});

t.test('a TargetFilter built from parsed ranges decides as one built from their text', async (t) => {
  const text = ['10.0.0.0/8', '2001:db8::/32', '8.8.8.8'];
  const parsed = new TargetFilter(text.map((r) => parseIpRange(r, 'k')));
  const fromText = new TargetFilter(text);
  t.same(parsed.ranges, text);
  for (const ip of ['10.1.2.3', '::ffff:10.0.0.1', '2001:db8::5', '8.8.8.8', '8.8.8.9', '127.0.0.1']) {
    t.equal(parsed.isForbidden(ip), fromText.isForbidden(ip), ip);
  }
});
