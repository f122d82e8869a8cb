import t from 'tap';
import type { NetworkInterfaceInfo } from 'node:os';
import { shareHost } from '../../../lib/cli/share-host.js';

const iface = (address: string, family: 'IPv4' | 'IPv6', internal: boolean): NetworkInterfaceInfo =>
  ({ address, family, internal, netmask: '', mac: '', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as NetworkInterfaceInfo;

const machine = {
  lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
  eth0: [iface('fe80::1', 'IPv6', false), iface('192.0.2.10', 'IPv4', false)],
  eth1: undefined,
};

t.test('--public-host wins over everything, without a warning', async (t) => {
  t.same(shareHost('ss.example.test', ['192.0.2.7'], machine), { host: 'ss.example.test' });
  t.same(shareHost('[2001:db8::5]', [undefined], machine), { host: '2001:db8::5' }, 'without brackets');
});

t.test('uses the first concrete listening host, warning when it is loopback or private', async (t) => {
  t.same(shareHost(undefined, ['0.0.0.0', '8.8.4.4'], machine), { host: '8.8.4.4' });
  t.same(shareHost(undefined, ['vpn.example.test'], machine), { host: 'vpn.example.test' }, 'a name is taken as public');
  const v6 = shareHost(undefined, ['[2001:db8::1]'], machine);
  t.equal(v6.host, '2001:db8::1', 'without brackets');
  t.match(v6.warning, /not reachable from other networks; set --public-host/);
  t.match(shareHost(undefined, ['::1'], machine), { host: '::1', warning: /not reachable/ });
  t.match(shareHost(undefined, ['10.1.2.3'], machine), { host: '10.1.2.3', warning: /not reachable/ });
});

t.test('falls back to the first non-internal IPv4 address with a NAT warning, then 127.0.0.1', async (t) => {
  t.match(shareHost(undefined, [undefined], machine), { host: '192.0.2.10', warning: /behind NAT may be a private one; set --public-host \(JSON public_host\)/ });
  t.equal(shareHost(undefined, ['::', '[::]', '0.0.0.0', ''], machine).host, '192.0.2.10');
  t.equal(shareHost(undefined, [undefined], { eth0: [iface('fe80::1', 'IPv6', false), iface('2a00:1450::1', 'IPv6', false)] }).host, '2a00:1450::1', 'a global IPv6 address, not link-local');
  t.match(shareHost(undefined, [undefined], { lo: machine.lo, none: undefined }), { host: '127.0.0.1', warning: /no network address/ });
  t.equal(typeof shareHost(undefined, [undefined]).host, 'string', 'reads the real interfaces by default');
});
