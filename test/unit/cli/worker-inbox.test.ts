import { EventEmitter } from 'node:events';
import t from 'tap';
import { MAX_PENDING_SALTS, WorkerInbox } from '../../../lib/cli/worker-inbox.js';

const START = { type: 'start', worker: 1, servers: [], logLevel: 'info' } as const;

t.test('keeps every message emitted in one tick, whatever their order', async (t) => {
  const channel = new EventEmitter();
  const inbox = new WorkerInbox(channel, () => t.fail('no second signal'));
  const received: string[][] = [];
  channel.emit('message', { type: 'salts', salts: ['a'] });
  channel.emit('message', START);
  channel.emit('message', { type: 'salts', salts: ['b', 'c'] });
  channel.emit('message', { type: 'start', worker: 9, servers: [], logLevel: 'debug' });
  t.same(await inbox.start, START, 'the first {start}');
  inbox.onSalts((salts) => received.push(salts));
  channel.emit('message', { type: 'salts', salts: ['d'] });
  t.same(received, [['a', 'b', 'c'], ['d']], 'salts kept until a sink is set, then passed on');
  inbox.close();
  t.equal(channel.listenerCount('message') + channel.listenerCount('SIGINT') + channel.listenerCount('SIGTERM'), 0);
});

t.test('keeps at most MAX_PENDING_SALTS salts before a sink is set, dropping the oldest', async (t) => {
  const channel = new EventEmitter();
  const bounded = new WorkerInbox(channel, () => {});
  channel.emit('message', { type: 'salts', salts: Array.from({ length: MAX_PENDING_SALTS }, (_, i) => String(i)) });
  channel.emit('message', { type: 'salts', salts: ['last'] });
  let kept: string[] = [];
  bounded.onSalts((salts) => { kept = salts; });
  t.equal(kept.length, MAX_PENDING_SALTS);
  t.equal(kept[0], '1');
  t.equal(kept.at(-1), 'last');
  bounded.close();
});

t.test('a stop request before {start} resolves start with undefined; later stops are ignored, later signals go to onSecondSignal', async (t) => {
  const channel = new EventEmitter();
  const second: string[] = [];
  const inbox = new WorkerInbox(channel, (s) => second.push(s));
  channel.emit('SIGTERM', 'SIGTERM');
  channel.emit('message', { type: 'stop' });
  channel.emit('message', START);
  t.equal(await inbox.start, undefined);
  t.equal(await inbox.stopped, 'SIGTERM');
  t.same(second, []);
  channel.emit('SIGINT', 'SIGINT');
  t.same(second, ['SIGINT']);
  inbox.close();
});

t.test('ignores messages that are not the primary\'s', async (t) => {
  const channel = new EventEmitter();
  const inbox = new WorkerInbox(channel, () => {});
  for (const m of [null, 'start', 42, { type: 'nope' }, { cmd: 'NODE_CLUSTER' }]) channel.emit('message', m);
  channel.emit('message', START);
  t.same(await inbox.start, START);
  inbox.close();
});

t.test('passes each {reload} to the reload sink, in order', async (t) => {
  const channel = new EventEmitter();
  const inbox = new WorkerInbox(channel, () => {});
  const ids: number[] = [];
  channel.emit('message', { type: 'reload', id: 1, servers: [] });
  inbox.onReload((m) => ids.push(m.id));
  channel.emit('message', { type: 'reload', id: 2, servers: [] });
  channel.emit('message', { type: 'reload', id: 3, servers: [] });
  t.same(ids, [2, 3], 'one before the sink is dropped (the primary sends none before {listening})');
  inbox.close();
});
