import t from 'tap';
import type { CommandSpec } from '../../../lib/cli/parse-flags.js';
import { renderHelp } from '../../../lib/cli/render-help.js';

const SPEC: CommandSpec = {
  name: 'demo',
  usage: ['-s <server> [options]', '--url URL [options]'],
  description: 'A demo command.',
  flags: [
    { name: 'server', alias: 's', type: 'string', repeatable: true, description: 'Server (repeatable)' },
    { name: 'server-port', type: 'string', description: 'Port [default: 8388]' },
    { name: 'verbose', alias: 'v', type: 'boolean', description: 'Log more' },
    { name: 'fast-open', type: 'boolean', description: 'libev', hidden: true },
  ],
  conflicts: [],
};

t.test('prints the usage lines, the description, then one aligned line per flag with its type', async (t) => {
  t.equal(renderHelp(SPEC), [
    'Usage: demo -s <server> [options]',
    '       demo --url URL [options]',
    '',
    'A demo command.',
    '',
    'Options:',
    '  -s, --server       Server (repeatable)  [string, repeatable]',
    '      --server-port  Port [default: 8388]  [string]',
    '  -v, --verbose      Log more  [boolean]',
  ].join('\n'));
});

t.test('leaves hidden flags out', async (t) => {
  t.notMatch(renderHelp(SPEC), /fast-open/);
});
