/**
 * The console logger: one structure (time, level, message, fields) written
 * as key=value text or as one JSON object a line, filtered by level.
 */
import { PassThrough } from 'node:stream';
import t from 'tap';
import { createConsoleLogger, formatLogLine } from '../../lib/logger.js';

function capture() {
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (d: string) => (text += d));
  return { out, text: () => text };
}

t.test('text lines carry time, level, message and key=value fields, quoting what needs it', async (t) => {
  const line = formatLogLine('text', new Date(0), 'warn', 'handshake failed', { client: '::1', kind: 'auth', hint: 'wrong password', error: new Error('bad tag') });
  t.equal(line, '1970-01-01T00:00:00.000Z warn handshake failed client=::1 kind=auth hint="wrong password" error="bad tag"\n');
});

t.test('json lines are one object with the same structure; undefined fields are left out, errors are their message', async (t) => {
  const line = formatLogLine('json', new Date(0), 'warn', 'handshake failed', { client: '::1', user: undefined, error: new Error('bad tag'), bytes: 80 });
  t.same(JSON.parse(line), { time: '1970-01-01T00:00:00.000Z', level: 'warn', msg: 'handshake failed', client: '::1', error: 'bad tag', bytes: 80 });
  t.notOk(line.slice(0, -1).includes('\n'), 'one line');
});

t.test('the console logger filters by level and writes the chosen format', async (t) => {
  const c = capture();
  const logger = createConsoleLogger('warn', c.out, 'json');
  logger.info('hidden');
  logger.warn('shown', { a: 1 });
  t.match(JSON.parse(c.text()), { level: 'warn', msg: 'shown', a: 1 });
});
