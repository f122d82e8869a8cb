import t from 'tap';
import type { Logger } from '../../../lib/logger.js';
import { FdExhaustionLog, isFdExhaustion } from '../../../lib/transport/fd-exhaustion-log.js';
import { FakeClock } from '../../fixtures/fake-clock.js';

type Line = [level: string, message: string, fields: Record<string, unknown> | undefined];

function recordingLogger(lines: Line[]): Logger {
  const record = (level: string) => (message: string, fields?: Record<string, unknown>): void => {
    lines.push([level, message, fields]);
  };
  return { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

const errno = (code: string, syscall: string): NodeJS.ErrnoException => Object.assign(new Error(`${syscall} ${code}`), { code, syscall });

t.test('isFdExhaustion is true for EMFILE and ENFILE only', async (t) => {
  t.ok(isFdExhaustion(errno('EMFILE', 'connect')));
  t.ok(isFdExhaustion(errno('ENFILE', 'accept')));
  for (const other of [errno('ECONNREFUSED', 'connect'), new Error('EMFILE'), null, undefined, 'EMFILE']) t.notOk(isFdExhaustion(other), String(other));
});

t.test('warns about EMFILE naming the code, the limit and how to raise it', async (t) => {
  const lines: Line[] = [];
  const log = new FdExhaustionLog(recordingLogger(lines), { openFilesLimit: 64 });
  t.equal(log.report('connect', errno('EMFILE', 'connect')), true);
  t.equal(lines.length, 1);
  const [level, message, fields] = lines[0]!;
  t.equal(level, 'warn');
  t.equal(message, 'out of file descriptors');
  t.match(fields, { on: 'connect', code: 'EMFILE', limit: 64, suppressed: 0 });
  t.match(String(fields?.hint), /ulimit -n/);
  t.match(String(fields?.hint), /LimitNOFILE/);
});

t.test('ENFILE gets the system-wide hint', async (t) => {
  const lines: Line[] = [];
  new FdExhaustionLog(recordingLogger(lines)).report('accept', errno('ENFILE', 'accept'));
  t.match(lines[0]?.[2], { on: 'accept', code: 'ENFILE', limit: 'unknown', hint: /fs\.file-max/ });
});

t.test('ignores other errors', async (t) => {
  const lines: Line[] = [];
  t.equal(new FdExhaustionLog(recordingLogger(lines)).report('connect', errno('ECONNREFUSED', 'connect')), false);
  t.same(lines, []);
});

t.test('writes one line per site per 10 s, with the count of those held back', async (t) => {
  const clock = new FakeClock();
  const lines: Line[] = [];
  const log = new FdExhaustionLog(recordingLogger(lines), { now: () => clock.now() });
  for (let i = 0; i < 1000; i++) log.report('accept', errno('EMFILE', 'accept'));
  log.report('connect', errno('EMFILE', 'connect'));
  t.equal(lines.length, 2, 'one line for accept, one for connect');
  clock.advance(9_999);
  log.report('accept', errno('EMFILE', 'accept'));
  t.equal(lines.length, 2, 'still within the interval');
  clock.advance(1);
  log.report('accept', errno('EMFILE', 'accept'));
  t.equal(lines.length, 3);
  t.match(lines[2]?.[2], { on: 'accept', suppressed: 1000 });
});
