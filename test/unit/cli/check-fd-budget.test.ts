import { join } from 'node:path';
import t from 'tap';
import { checkFdBudget, countListeningSockets, FD_RESERVE, nofileWarning, readFdUsage } from '../../../lib/cli/check-fd-budget.js';

t.test('counts a TCP listener and a UDP socket per host, as mode says', async (t) => {
  t.equal(countListeningSockets([{}]), 2, 'default: tcp_and_udp on all interfaces');
  t.equal(countListeningSockets([{ host: ['127.0.0.1', '::1'], mode: 'tcp_only' }, { host: '127.0.0.1', mode: 'udp_only' }]), 3);
  t.equal(countListeningSockets(Array.from({ length: 10_000 }, (_, i) => ({ port: i + 1 }))), 20_000);
});

t.test('refuses servers the limit cannot hold with the reserve to spare, naming the count and the limit', async (t) => {
  const servers = Array.from({ length: 100 }, (_, i) => ({ port: 8000 + i }));
  const fits = { open: 20, limit: 200 + 20 + FD_RESERVE };
  t.doesNotThrow(() => checkFdBudget(servers, fits));
  t.throws(() => checkFdBudget(servers, { ...fits, limit: fits.limit - 1 }), {
    code: 'ERR_SS_CONFIG',
    message: `ulimit -n: a limit of ${fits.limit - 1} open files cannot serve every port: 200 listening sockets + 20 open now + ${FD_RESERVE} kept for connections = ${fits.limit} needed; raise the limit or serve fewer ports`,
  });
  t.doesNotThrow(() => checkFdBudget(servers, undefined), 'no check without /proc');
});

t.test('reads the open descriptors and the soft limit from /proc', async (t) => {
  const dir = t.testdir({
    limited: { limits: 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n', fd: { 0: '', 1: '', 2: '' } },
    unlimited: { limits: 'Max open files            unlimited            unlimited            files\n', fd: {} },
  });
  t.same(readFdUsage(join(dir, 'limited')), { open: 3, limit: 1024 });
  t.equal(readFdUsage(join(dir, 'unlimited')), undefined, 'no limit: nothing to check');
  t.equal(readFdUsage(join(dir, 'missing')), undefined, 'no /proc: nothing to check');
  const own = readFdUsage();
  if (process.platform === 'linux') t.ok(own !== undefined && own.open > 2 && own.open <= own.limit, 'this process');
});

t.test('nofile: nothing said when the limit reaches it; else the ulimit -n and LimitNOFILE to set', async (t) => {
  t.equal(nofileWarning(4096, 4096), undefined);
  t.equal(nofileWarning(1024, 20000), undefined);
  t.equal(nofileWarning(65536, Infinity), undefined, 'unlimited: nothing to say');
  t.equal(nofileWarning(65536, 20000),
    'nofile: 65536 open files wanted, but the limit is 20000 and a Node process cannot raise it; start it with a higher one: `ulimit -n 65536` in the shell, LimitNOFILE=65536 in its systemd unit, or --ulimit nofile=65536 for docker run');
});
