import t from 'tap';
import { closestName, didYouMean, editDistance } from '../../../lib/config/closest-name.js';

t.test('edit distance counts insertions, deletions and substitutions', async (t) => {
  t.equal(editDistance('', ''), 0);
  t.equal(editDistance('abc', ''), 3);
  t.equal(editDistance('kitten', 'sitting'), 3);
  t.equal(editDistance('server_port', 'sever_port'), 1);
});

t.test('suggests the nearest known name, treating - and _ alike', async (t) => {
  const keys = ['server', 'server_port', 'password', 'method', 'local_port'];
  t.equal(closestName('sever_port', keys), 'server_port');
  t.equal(closestName('server-port', keys), 'server_port');
  t.equal(closestName('pasword', keys), 'password');
  t.equal(closestName('Method', keys), 'method');
});

t.test('suggests nothing when no name is near', async (t) => {
  t.equal(closestName('xyz', ['server', 'method']), undefined);
  t.equal(closestName('ab', ['cd']), undefined, 'a short name allows one edit only');
  t.equal(closestName('anything', []), undefined);
  t.equal(didYouMean('zzzzzzzz', ['server']), '');
  t.equal(didYouMean('sever', ['server'], (n) => `--${n}`), ' (did you mean --server?)');
});
