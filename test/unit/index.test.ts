import { readFileSync } from 'node:fs';
import t from 'tap';

import { propertiesOf, publicApi, unexportedTypes } from '../fixtures/api-types.js';

const api = publicApi();

t.test('every package type that an exported signature names is exported from lib/index.ts', async (t) => {
  const missing = unexportedTypes(api);
  t.same([...missing].map(([type, path]) => `${type}, reached from ${path}`), []);
});

// The option names in the first column of the `| option | default | meaning |`
// table that follows `heading` (after `section`), e.g. `onConnectionClose(stats)`.
function readmeOptions(section: string, heading: string): string[] {
  const lines = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').split('\n');
  let i = lines.indexOf(section);
  i = lines.indexOf(heading, i);
  while (i >= 0 && i < lines.length && !lines[i]!.startsWith('| option |')) i++;
  const cells: string[] = [];
  for (i += 2; i > 1 && i < lines.length && lines[i]!.startsWith('|'); i++) cells.push(lines[i]!.split('|')[1]!);
  return cells.flatMap((cell) => [...cell.matchAll(/`([A-Za-z][A-Za-z0-9]*)(?:\([^`]*\))?`/g)].map((m) => m[1]!));
}

for (const [type, section, heading] of [
  ['ServerOptions', '## Server API', '## Server API'],
  ['LocalOptions', '## The client side: `ss-stream-local` and `createLocal()`', '### API'],
] as const) {
  t.test(`the README's ${type} table lists every option of the type, and only those`, async (t) => {
    const documented = readmeOptions(section, heading);
    t.ok(documented.length > 10, 'the table was found');
    const typed = propertiesOf(api, type);
    t.same(typed.filter((o) => !documented.includes(o)), [], `options of ${type} missing from the README table`);
    t.same(documented.filter((o) => !typed.includes(o)), [], `README rows that are not options of ${type}`);
  });
}
