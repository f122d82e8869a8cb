import { execFileSync } from 'node:child_process';
import { open } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { readBoundedFile } from '../../../lib/cli/read-bounded-file.js';

const LIMITS = { maxBytes: 100, timeoutMs: 5000 };

t.test('reads a regular file of up to maxBytes whole', async (t) => {
  const dir = t.testdir({ 'full.json': 'x'.repeat(100), 'empty.json': '' });
  t.equal((await readBoundedFile(join(dir, 'full.json'), 'f', LIMITS)).toString(), 'x'.repeat(100));
  t.equal((await readBoundedFile(join(dir, 'empty.json'), 'f', LIMITS)).length, 0);
});

t.test('refuses a larger regular file, naming the file and the limit', async (t) => {
  const dir = t.testdir({ 'big.json': 'x'.repeat(101) });
  await t.rejects(readBoundedFile(join(dir, 'big.json'), "config file 'big.json'", LIMITS), { code: 'ERR_SS_CONFIG', message: "config file 'big.json': is larger than the limit of 100 bytes" });
});

t.test('refuses /dev/urandom and /dev/zero after maxBytes + 1 bytes, without reading on', async (t) => {
  for (const device of ['/dev/urandom', '/dev/zero']) {
    await t.rejects(readBoundedFile(device, device, { maxBytes: 4096, timeoutMs: 5000 }), { code: 'ERR_SS_CONFIG', message: `${device}: is larger than the limit of 4096 bytes` });
  }
});

t.test('names the file and the reason when it cannot be opened or read', async (t) => {
  const dir = t.testdir({});
  await t.rejects(readBoundedFile(join(dir, 'missing.json'), 'm', LIMITS), { message: /^m: cannot be read: ENOENT/ });
  await t.rejects(readBoundedFile(dir, 'd', LIMITS), { message: /^d: cannot be read: EISDIR/ });
});

t.test('a FIFO', async (t) => {
  const dir = t.testdir({});
  const fifo = join(dir, 'config.fifo');
  execFileSync('mkfifo', [fifo]);

  t.test('with no writer reads as empty at once, instead of waiting for one', async (t) => {
    t.equal((await readBoundedFile(fifo, 'f', LIMITS)).length, 0);
  });

  t.test('is read whole from a writer that sends in pieces, up to its end', async (t) => {
    // O_RDWR opens a FIFO without waiting for the other side; the writer stays open until it closes.
    const writer = await open(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    const reading = readBoundedFile(fifo, 'f', LIMITS);
    await writer.write('{"server":');
    await new Promise((r) => setTimeout(r, 50));
    await writer.write(' "127.0.0.1"}');
    await writer.close();
    t.equal((await reading).toString(), '{"server": "127.0.0.1"}');
  });

  t.test('is given up at the deadline when its writer sends nothing', async (t) => {
    const writer = await open(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    t.teardown(() => writer.close());
    await t.rejects(readBoundedFile(fifo, 'f', { maxBytes: 100, timeoutMs: 100 }), { code: 'ERR_SS_CONFIG', message: 'f: did not reach its end within 0.1 s' });
  });

  t.test('is refused past maxBytes even while its writer goes on', async (t) => {
    const writer = await open(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    t.teardown(() => writer.close());
    await writer.write('x'.repeat(1000));
    await t.rejects(readBoundedFile(fifo, 'f', LIMITS), { message: 'f: is larger than the limit of 100 bytes' });
  });
});
