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

t.test('a client IP tries the users that recently matched from it first, then the most recently matched', async (t) => {
  const users = new UserTable(['a', 'b', 'c', 'd'].map((name, i) => ({ name, key: key(i + 1) })));
  const u = (name: string) => users.get(name)!;
  users.matched(u('c'), '10.0.0.1');
  users.matched(u('b'), '10.0.0.2');
  t.same(users.names(), ['b', 'c', 'a', 'd'], 'the global order is most recently matched first');
  t.same(users.candidates('10.0.0.1').map((x) => x.name), ['c', 'b', 'a', 'd'], "10.0.0.1's user comes first");
  t.same(users.candidates('10.0.0.2').map((x) => x.name), ['b', 'c', 'a', 'd']);
  t.same(users.candidates('10.0.0.9').map((x) => x.name), ['b', 'c', 'a', 'd'], 'an unknown client gets the global order');
  t.same(users.candidates().map((x) => x.name), ['b', 'c', 'a', 'd'], 'no address: the global order');
  users.matched(u('d'), '10.0.0.1');
  t.same(users.candidates('10.0.0.1').map((x) => x.name), ['d', 'c', 'b', 'a'], "both of 10.0.0.1's users, latest first");
});

t.test('a client whose last user leads the order gets the shared array, with no copy', async (t) => {
  const users = new UserTable([{ name: 'a', key: key(1) }, { name: 'b', key: key(2) }]);
  users.matched(users.get('b')!, '10.0.0.1');
  const first = users.candidates('10.0.0.1');
  t.equal(users.candidates('10.0.0.1'), first, 'the same array every time');
  t.equal(users.candidates(), first, 'and it is the global order');
  users.matched(users.get('b')!, '10.0.0.1');
  t.equal(users.candidates('10.0.0.1'), first, 'matching the same user again changes nothing');
});

t.test('deleted and re-keyed users are not offered from a client IP memory', async (t) => {
  const users = new UserTable(['a', 'b', 'c'].map((name, i) => ({ name, key: key(i + 1) })));
  users.matched(users.get('c')!, '10.0.0.1');
  users.matched(users.get('a')!, '10.0.0.2');
  users.delete('c');
  t.same(users.candidates('10.0.0.1').map((x) => x.name), ['a', 'b']);
  users.set({ name: 'c', key: key(9) });
  users.matched(users.get('c')!, '10.0.0.1');
  users.matched(users.get('a')!, '10.0.0.2');
  users.set({ name: 'c', key: key(8) });
  const list = users.candidates('10.0.0.1');
  t.same(list.map((x) => x.name), ['a', 'c', 'b'], 'the global order only');
  t.same(list[1]!.key, key(8), 'the re-keyed user is offered with its new key only');
});

t.test('the client IP memory is bounded: the least recently seen IP is forgotten', async (t) => {
  const users = new UserTable(['a', 'b', 'c'].map((name, i) => ({ name, key: key(i + 1) })), { clientIpCapacity: 2 });
  users.matched(users.get('c')!, '10.0.0.1');
  users.matched(users.get('b')!, '10.0.0.2');
  users.matched(users.get('b')!, '10.0.0.3');
  users.matched(users.get('a')!, '10.0.0.4');
  t.same(users.candidates('10.0.0.1').map((x) => x.name), ['a', 'b', 'c'], '10.0.0.1 was forgotten');
  t.same(users.candidates('10.0.0.3').map((x) => x.name), ['b', 'a', 'c'], '10.0.0.3 is remembered');
  t.throws(() => new UserTable([], { clientIpCapacity: 0 }), TypeError);
});

t.test('users carry their limits, and set replaces them', async (t) => {
  const users = new UserTable([{ name: 'a', key: key(1), maxConnections: 2, rateLimit: 1000 }]);
  t.equal(users.get('a')?.maxConnections, 2);
  t.equal(users.get('a')?.rateLimit, 1000);
  users.set({ name: 'a', key: key(1) });
  t.equal(users.get('a')?.maxConnections, undefined);
  t.ok(Object.isFrozen(users.get('a')));
});

t.test('replacing all users keeps the unchanged ones and applies new keys and limits', async (t) => {
  const users = new UserTable([{ name: 'a', key: key(1) }, { name: 'b', key: key(2), maxConnections: 2 }, { name: 'c', key: key(3) }]);
  const a = users.get('a')!;
  users.replaceAll([{ name: 'a', key: key(1) }, { name: 'b', key: key(2), maxConnections: 5 }, { name: 'd', key: key(4) }]);
  t.equal(users.get('a'), a, 'an unchanged user keeps its entry');
  t.equal(users.get('b')?.maxConnections, 5, 'a new limit applies');
  t.equal(users.has('c'), false, 'a user left out is removed');
  t.same(users.get('d')?.key, key(4), 'a new user is added');
  users.replaceAll([{ name: 'a', key: key(9) }]);
  t.same(users.names(), ['a']);
  t.same(users.get('a')?.key, key(9), 'a new key applies');
});
