import t from 'tap';
import { HostsFile, parseHosts } from '../../../../lib/server/egress/hosts-file.js';

t.test('maps every name on a line to its address, in file order, without case', async (t) => {
  const table = parseHosts('127.0.0.1\tlocalhost  Loop\n# 10.0.0.1 commented.test\n::1 localhost ip6-localhost # trailing comment\n\n192.0.2.1 two.test\n192.0.2.2 two.test\n192.0.2.1 two.test\n');
  t.same(table.get('localhost'), [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]);
  t.same(table.get('loop'), [{ address: '127.0.0.1', family: 4 }]);
  t.same(table.get('ip6-localhost'), [{ address: '::1', family: 6 }]);
  t.same(table.get('two.test'), [{ address: '192.0.2.1', family: 4 }, { address: '192.0.2.2', family: 4 }], 'a repeated address once');
  t.equal(table.get('commented.test'), undefined);
});

t.test('skips lines whose first field is not an IP address', async (t) => {
  const table = parseHosts('not-an-ip name.test\n300.1.1.1 bad.test\n   \nonlyname\n192.0.2.3 ok.test\r\n');
  t.same([...table.keys()], ['ok.test']);
});

t.test('a missing hosts file is an empty one', async (t) => {
  t.equal(await new HostsFile('/nonexistent/hosts').lookup('localhost'), undefined);
});
