import t from 'tap';
import { UserTable } from '../../../lib/server/user-table.js';

const key = (n: number): Buffer => Buffer.alloc(16, n);

t.test('a new table lists its users in the order given', async (t) => {
  const users = new UserTable([{ name: 'a', key: key(1) }, { name: 'b', key: key(2) }]);
  t.equal(users.size, 2);
  t.same(users.names(), ['a', 'b']);
  t.same(users.get('b')?.key, key(2));
  t.throws(() => new UserTable([{ name: 'a', key: key(1) }, { name: 'a', key: key(2) }]), /listed twice/);
});

t.test('a matched user is tried first next time', async (t) => {
  const users = new UserTable([{ name: 'a', key: key(1) }, { name: 'b', key: key(2) }, { name: 'c', key: key(3) }]);
  users.matched(users.get('c')!);
  t.same(users.candidates().map((u) => u.name), ['c', 'a', 'b']);
  users.matched(users.get('c')!);
  t.same(users.names(), ['c', 'a', 'b'], 'matching the first user again changes nothing');
});

t.test('changes never disturb a list being read, nor a live connection', async (t) => {
  const users = new UserTable([{ name: 'a', key: key(1) }, { name: 'b', key: key(2) }]);
  const reading = users.candidates();
  const liveA = users.get('a')!;
  users.set({ name: 'a', key: key(9) });
  users.set({ name: 'd', key: key(4) });
  users.delete('b');
  t.same(reading.map((u) => u.name), ['a', 'b'], 'the array handed out is unchanged');
  t.same(liveA.key, key(1), 'a connection that matched the old key keeps it');
  t.same(users.get('a')?.key, key(9), 'new connections get the new key');
  t.same(users.names(), ['a', 'd']);
  users.matched(liveA);
  t.same(users.names(), ['a', 'd'], 'a stale user object that matched is not put back');
  t.equal(users.delete('zz'), false);
});

t.test('findByPskHash finds a user by the hash of its key, and follows set and delete', async (t) => {
  const { pskHash } = await import('../../../lib/crypto/kdf-2022.js');
  const [ka, kb, kc] = [1, 2, 3].map((n) => Buffer.alloc(16, n));
  const table = new UserTable([{ name: 'a', key: ka! }, { name: 'b', key: kb! }]);
  t.equal(table.findByPskHash(pskHash(kb!))?.name, 'b');
  t.equal(table.findByPskHash(pskHash(kc!)), undefined, 'an unknown key');
  table.set({ name: 'b', key: kc! });
  t.equal(table.findByPskHash(pskHash(kb!)), undefined, 'the old key of a re-keyed user is gone');
  t.equal(table.findByPskHash(pskHash(kc!))?.name, 'b', 'its new key is found');
  table.delete('a');
  t.equal(table.findByPskHash(pskHash(ka!)), undefined, 'a deleted user is gone');
});
