import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { packageVersion } from '../../../lib/cli/package-version.js';

const ours = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

t.test('finds the version of this package, walking up', async (t) => {
  t.equal(packageVersion(), ours.version);
});

t.test('skips other packages and unreadable files, and says "unknown" at the root', async (t) => {
  // Outside this repository, so that the walk does not reach our own package.json.
  const dir = mkdtempSync(join(tmpdir(), 'package-version-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'other', version: '9.9.9' }));
  t.equal(packageVersion(join(dir, 'file.js')), 'unknown', 'another package');
  writeFileSync(join(dir, 'package.json'), '{');
  t.equal(packageVersion(join(dir, 'file.js')), 'unknown', 'malformed package.json');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'ss-stream-server', version: '1.2.3' }));
  t.equal(packageVersion(join(dir, 'file.js')), '1.2.3');
});
