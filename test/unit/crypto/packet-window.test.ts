import t from 'tap';
import { PACKET_WINDOW_SIZE, PacketWindow } from '../../../lib/crypto/packet-window.js';

t.test('accepts each id once, in any order inside the window', async (t) => {
  const w = new PacketWindow();
  for (const id of [0, 2, 1, 5, 3]) {
    t.ok(w.check(id), `${id} is new`);
    w.accept(id);
    t.notOk(w.check(id), `${id} is now a duplicate`);
  }
  t.ok(w.check(4));
});

t.test('refuses ids older than the window and unsafe ids', async (t) => {
  const w = new PacketWindow();
  w.accept(100_000);
  t.notOk(w.check(100_000 - PACKET_WINDOW_SIZE), 'just outside');
  t.ok(w.check(100_000 - PACKET_WINDOW_SIZE + 1), 'just inside');
  t.notOk(w.check(2 ** 53), 'above 2^53');
  t.notOk(w.check(-1));
});

t.test('check alone never moves the window (a forged packet changes nothing)', async (t) => {
  const w = new PacketWindow();
  w.accept(10);
  t.ok(w.check(1_000_000));
  t.ok(w.check(11));
  w.accept(11);
  t.notOk(w.check(11));
});

t.test('a large jump clears the old bits, and ids passed by stay refused only if seen', async (t) => {
  const w = new PacketWindow();
  for (let i = 0; i < 5000; i++) w.accept(i);
  w.accept(5000 + 10 * PACKET_WINDOW_SIZE);
  t.ok(w.check(5000 + 10 * PACKET_WINDOW_SIZE - 1), 'a fresh id just below the new top');
  t.notOk(w.check(4999), 'far below: out of the window');
  const v = new PacketWindow();
  for (let i = 0; i < 3 * PACKET_WINDOW_SIZE; i += 3) {
    if (!v.check(i)) t.fail(`fresh ${i}`);
    v.accept(i);
    if (i > 0 && v.check(i - 3)) t.fail(`replay ${i - 3}`);
  }
});
