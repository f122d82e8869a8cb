import { createSocket, type Socket } from 'node:dgram';
import t, { type Test } from 'tap';
import { NatTable, natCapacityWithin, type NatDisposeReason, type UdpSocketType } from '../../../lib/transport/nat-table.js';
import { FakeClock } from '../../fixtures/fake-clock.js';

function makeTable(t: Test, o: { timeoutMs?: number; capacity?: number } = {}) {
  const clock = new FakeClock();
  const sockets: Socket[] = [];
  const closed = new Set<Socket>();
  const disposed: [string, NatDisposeReason][] = [];
  const table = new NatTable<{ n: number }>({
    ...o,
    clock,
    createSocket: (type: UdpSocketType) => {
      const s = createSocket(type);
      s.on('close', () => closed.add(s));
      sockets.push(s);
      return s;
    },
    onDispose: (e, reason) => disposed.push([e.key, reason]),
  });
  t.teardown(() => table.clear());
  return { clock, table, sockets, closed, disposed };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

t.test('acquire creates an entry once and returns it after', async (t) => {
  const { table } = makeTable(t);
  let made = 0;
  const a = table.acquire('1.2.3.4:5', () => ({ n: ++made }));
  const b = table.acquire('1.2.3.4:5', () => ({ n: ++made }));
  t.equal(a, b);
  t.equal(made, 1);
  t.same(a.context, { n: 1 });
  t.equal(table.size, 1);
  t.equal(table.get('1.2.3.4:5'), a);
  t.equal(table.get('nope'), undefined);
});

t.test('creates at most one socket per family, lazily', async (t) => {
  const { table, sockets } = makeTable(t);
  const e = table.acquire('c:1', () => ({ n: 0 }));
  t.equal(e.socketCount, 0);
  t.equal(e.socket('udp4'), e.socket('udp4'));
  t.equal(e.socketCount, 1);
  e.socket('udp6');
  t.equal(e.socketCount, 2);
  t.equal(sockets.length, 2);
});

t.test('an idle entry expires after timeoutMs, and traffic keeps it alive', async (t) => {
  const { table, clock, disposed } = makeTable(t, { timeoutMs: 60_000 });
  const a = table.acquire('a:1', () => ({ n: 1 }));
  clock.advance(30_000);
  const b = table.acquire('b:1', () => ({ n: 2 }));
  clock.advance(29_999);
  t.equal(table.size, 2, 'nothing is due yet');
  table.touch(a);
  clock.advance(1);
  t.equal(table.size, 2, 'a was touched at 59 999');
  clock.advance(30_000);
  t.same(disposed, [['b:1', 'idle']], 'b expires 60 s after its creation');
  t.ok(b.closed);
  t.notOk(a.closed);
  clock.advance(29_998);
  t.equal(table.size, 1);
  clock.advance(1);
  t.same(disposed, [['b:1', 'idle'], ['a:1', 'idle']]);
  t.equal(table.size, 0);
  t.equal(table.expired, 2);
  t.equal(clock.pending, 0, 'no timer is left when the table is empty');
});

t.test('keeps a single timer however many entries there are', async (t) => {
  const { table, clock } = makeTable(t, { timeoutMs: 1000 });
  for (let i = 0; i < 100; i++) table.acquire(`c:${i}`, () => ({ n: i }));
  t.equal(clock.pending, 1);
  clock.advance(1000);
  t.equal(table.size, 0);
  t.equal(clock.pending, 0);
});

t.test('evicts the least recently used entry when full', async (t) => {
  const { table, disposed } = makeTable(t, { capacity: 3 });
  const a = table.acquire('a:1', () => ({ n: 1 }));
  table.acquire('b:1', () => ({ n: 2 }));
  table.acquire('c:1', () => ({ n: 3 }));
  table.touch(a);
  table.acquire('d:1', () => ({ n: 4 }));
  t.same(disposed, [['b:1', 'evicted']], 'b is the least recently used');
  table.acquire('c:1', () => ({ n: 0 })); // a hit touches c
  table.acquire('e:1', () => ({ n: 5 }));
  t.same(disposed, [['b:1', 'evicted'], ['a:1', 'evicted']]);
  t.same([...['a:1', 'b:1', 'c:1', 'd:1', 'e:1'].filter((k) => table.get(k))], ['c:1', 'd:1', 'e:1']);
  t.equal(table.evicted, 2);
});

t.test('a flood of sources stays within the cap of entries and sockets', async (t) => {
  const { table, sockets, closed } = makeTable(t, { capacity: 16 });
  for (let i = 0; i < 500; i++) table.acquire(`10.0.${i >> 8}.${i & 255}:1`, () => ({ n: i })).socket('udp4');
  t.equal(table.size, 16);
  t.equal(table.evicted, 484);
  await tick();
  t.equal(sockets.length - closed.size, 16, 'only the live entries hold open sockets');
});

t.test('disposing an entry closes its sockets', async (t) => {
  const { table, sockets, closed, disposed } = makeTable(t);
  const e = table.acquire('x:1', () => ({ n: 1 }));
  e.socket('udp4');
  e.socket('udp6');
  t.ok(table.delete('x:1'));
  t.notOk(table.delete('x:1'));
  await tick();
  t.equal(closed.size, 2);
  t.ok(sockets.every((s) => closed.has(s)));
  t.same(disposed, [['x:1', 'closed']]);
  t.throws(() => e.socket('udp4'), /closed/, 'a disposed entry makes no new sockets');
  table.touch(e);
  t.equal(table.size, 0, 'touching a disposed entry does not bring it back');
});

t.test('clear disposes everything and the table stays usable', async (t) => {
  const { table, clock, closed } = makeTable(t, { timeoutMs: 1000 });
  for (let i = 0; i < 5; i++) table.acquire(`c:${i}`, () => ({ n: i })).socket('udp4');
  table.clear();
  await tick();
  t.equal(table.size, 0);
  t.equal(closed.size, 5);
  t.equal(clock.pending, 0);
  table.acquire('again:1', () => ({ n: 9 }));
  clock.advance(1000);
  t.equal(table.size, 0, 'expiry works after clear');
});

t.test('validates timeoutMs and capacity', async (t) => {
  const createSocket = (): Socket => { throw new Error('unused'); };
  t.throws(() => new NatTable({ createSocket, timeoutMs: 0 }), TypeError);
  t.throws(() => new NatTable({ createSocket, timeoutMs: 1.5 }), TypeError);
  t.throws(() => new NatTable({ createSocket, capacity: 0 }), TypeError);
  t.doesNotThrow(() => new NatTable({ createSocket }));
});

t.test('natCapacityWithin keeps a quarter of the open files for associations, two sockets each', async (t) => {
  t.equal(natCapacityWithin(1024, 20_000), 1024, 'a high limit leaves the configured cap');
  t.equal(natCapacityWithin(1024, 1024), 128, 'ulimit -n 1024: 128 associations, 256 sockets');
  t.equal(natCapacityWithin(1024, 64), 8);
  t.equal(natCapacityWithin(1024, 4), 1, 'never below one');
  t.equal(natCapacityWithin(1024, undefined), 1024, 'an unknown limit leaves the configured cap');
  t.equal(natCapacityWithin(1024, Infinity), 1024);
  t.equal(natCapacityWithin(0, 64), 0, 'a bad configured cap is left for the table to refuse');
});
