import { readFileSync } from 'node:fs';
import t from 'tap';
import { ERROR_CODES, SsError, isSsError, toSsError, configError } from '../../lib/errors.js';

t.test('every error code is documented in the README table, and nothing else is', async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const documented = new Set([...readme.matchAll(/^\| `(ERR_SS_[A-Z_]+)` \|/gm)].map((m) => m[1]));
  for (const code of Object.keys(ERROR_CODES)) t.ok(documented.has(code), `${code} is in the README`);
  for (const code of documented) t.ok(code! in ERROR_CODES, `${code} in the README exists in ERROR_CODES`);
});

t.test('errors carry their code and cause', async (t) => {
  const cause = new Error('boom');
  const err = toSsError(cause, 'ERR_SS_RELAY_REMOTE');
  t.ok(isSsError(err, 'ERR_SS_RELAY_REMOTE'));
  t.equal(err.cause, cause);
  t.equal(toSsError(err), err, 'coded errors pass through');
  t.ok(toSsError('text') instanceof SsError);
  t.equal(toSsError('text').code, 'ERR_SS_INTERNAL');
  t.match(configError('server_port', 'must be an integer').message, /^server_port: /);
  t.notOk(isSsError(new Error('x')));
});
