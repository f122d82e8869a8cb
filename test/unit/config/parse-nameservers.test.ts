import t from 'tap';
import { isSsError } from '../../../lib/errors.js';
import { parseNameservers } from '../../../lib/config/parse-nameservers.js';

t.test('reads a comma-separated list of ADDR[:PORT], [v6]:port and bare IPv6', async (t) => {
  t.same(parseNameservers(' 1.1.1.1, 127.0.0.1:5353,[::1]:53,2001:db8::53 ,[fe80::1]', '--nameserver'), ['1.1.1.1', '127.0.0.1:5353', '[::1]:53', '2001:db8::53', 'fe80::1']);
});

t.test('reads an array, and treats an empty string or array as "the system\'s servers"', async (t) => {
  t.same(parseNameservers(['127.0.0.1:53', '::1'], 'nameservers'), ['127.0.0.1:53', '::1']);
  t.same(parseNameservers('', 'nameserver'), []);
  t.same(parseNameservers([], 'nameservers'), []);
});

t.test('refuses anything else with ERR_SS_CONFIG naming the key and the entry', async (t) => {
  for (const bad of ['dns.google', '1.2.3.4:0', '1.2.3.4:65536', '1.2.3.4:', '::1:53x', '[1.2.3.4]:53', '[::1]:', '1.2.3.4:53:53', '[nope]:53', '256.1.1.1']) {
    try {
      parseNameservers(`127.0.0.1,${bad}`, '--nameserver');
      t.fail(`'${bad}' was accepted`);
    } catch (err) {
      t.ok(isSsError(err, 'ERR_SS_CONFIG'), `'${bad}': coded`);
      t.match((err as Error).message, `--nameserver: '${bad}'`, `'${bad}': key and entry named`);
    }
  }
  t.throws(() => parseNameservers(53, 'nameserver'), { message: /^nameserver: must be a comma-separated string or an array/ });
  t.throws(() => parseNameservers(['1.1.1.1', 53], 'nameservers'), { message: /^nameservers\[1\]: must be a string/ });
});
