import t from 'tap';
import { lineColumn, locateJsonError } from '../../../lib/config/locate-json-error.js';

t.test('counts lines and columns from 1, with \\n, \\r\\n and \\r line ends', async (t) => {
  t.same(lineColumn('abc', 0), { line: 1, column: 1 });
  t.same(lineColumn('abc', 2), { line: 1, column: 3 });
  t.same(lineColumn('a\nbc', 3), { line: 2, column: 2 });
  t.same(lineColumn('a\r\nbc', 4), { line: 2, column: 2 });
  t.same(lineColumn('a\rb\nc', 4), { line: 3, column: 1 });
  t.same(lineColumn('ab', 99), { line: 1, column: 3 }, 'an offset past the end is the end');
});

t.test('finds the first error of texts JSON.parse gives no position for', async (t) => {
  t.same(locateJsonError('{"a": }'), { line: 1, column: 7, problem: 'a value expected' });
  t.same(locateJsonError('[1,,2]'), { line: 1, column: 4, problem: 'a value expected' });
  t.same(locateJsonError('{"a": tru}'), { line: 1, column: 7, problem: 'an unexpected character' });
  t.same(locateJsonError('{"a": 1}\n x'), { line: 2, column: 2, problem: 'an unexpected character' });
  t.same(locateJsonError('{"a": "x\\q"}'), { line: 1, column: 7, problem: 'a bad escape after \\' });
});

t.test('valid JSON has no error, unless JSON.parse named one (then its position is used)', async (t) => {
  t.equal(locateJsonError('{"a": [1, 2]}'), undefined);
  t.same(locateJsonError('{"a": 1}', 3), { line: 1, column: 4, problem: 'not valid JSON' });
});
