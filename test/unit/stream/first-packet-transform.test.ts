import t from 'tap';
import { FirstPacketTransform } from '../../../lib/stream/first-packet-transform.js';

const header = Buffer.from('HDR');

t.test('puts the header in front of the first chunk only', async (t) => {
  const f = new FirstPacketTransform({ header, delayMs: 1000 });
  const out: Buffer[] = [];
  f.on('data', (d: Buffer) => out.push(d));
  f.write(Buffer.from('one'));
  f.write(Buffer.from('two'));
  f.end();
  await new Promise((r) => f.on('end', r));
  t.same(out.map(String), ['HDRone', 'two']);
  t.equal(f.bytes, 6);
});

t.test('sends the header alone when no data comes within the delay', async (t) => {
  const f = new FirstPacketTransform({ header, delayMs: 20 });
  const out: Buffer[] = [];
  f.on('data', (d: Buffer) => out.push(d));
  await new Promise((r) => setTimeout(r, 60));
  t.same(out.map(String), ['HDR']);
  f.end(Buffer.from('later'));
  await new Promise((r) => f.on('end', r));
  t.same(out.map(String), ['HDR', 'later']);
});

t.test('sends the header at once with a zero delay, and at EOF with no data', async (t) => {
  const now = new FirstPacketTransform({ header, delayMs: 0 });
  t.same(now.read(), header);
  const eof = new FirstPacketTransform({ header, delayMs: 10_000 });
  eof.end();
  t.same(Buffer.concat(await eof.toArray()), header);
});

t.test('clears its timer when destroyed', async (t) => {
  // Counted through the live timers, not through output: a pending timer
  // would push nothing after destroy, but it would still hold the event loop
  // (and the transform) until it fired.
  const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  const f = new FirstPacketTransform({ header, delayMs: 60_000 });
  f.on('data', () => t.fail('no data after destroy'));
  t.equal(timers(), before + 1, 'the delay timer is running');
  f.destroy();
  await new Promise((r) => setImmediate(r));
  t.equal(timers(), before, 'destroy cleared it');
});
