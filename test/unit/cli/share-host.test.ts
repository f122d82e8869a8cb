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

t.test('uses the first concrete listening host', async (t) => {
  t.equal(shareHost(['0.0.0.0', '192.0.2.7'], machine), '192.0.2.7');
  t.equal(shareHost(['[2001:db8::1]'], machine), '2001:db8::1', 'without brackets');
  t.equal(shareHost(['::1'], machine), '::1');
});

t.test('falls back to the first non-internal IPv4 address, then 127.0.0.1', async (t) => {
  t.equal(shareHost([undefined], machine), '192.0.2.10');
  t.equal(shareHost(['::', '[::]', '0.0.0.0', ''], machine), '192.0.2.10');
  t.equal(shareHost([undefined], { lo: machine.lo, none: undefined }), '127.0.0.1');
  t.equal(typeof shareHost([undefined]), 'string', 'reads the real interfaces by default');
});
