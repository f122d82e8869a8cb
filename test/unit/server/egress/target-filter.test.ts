import t from 'tap';
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
