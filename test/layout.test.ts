/**
 * The layout of lib/ (README "Layout") holds: dependency-cruiser finds no
 * broken rule in lib/ and bin/, each rule does fire on a tree that breaks it,
 * and no lib/ file outgrows the size limit.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const MAX_LINES = 300;

function depcruise(cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(DEPCRUISE, ['lib', '--config', CONFIG, '--output-type', 'err'], { cwd }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? 1), out: stdout + stderr });
    });
  });
}

function libFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? libFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

t.test('lib/ breaks no layout rule', async (t) => {
  const { code, out } = await depcruise(ROOT);
  t.equal(code, 0, out);
});

t.test('every layout rule fails a tree that breaks it', async (t) => {
  const { code, out } = await depcruise(join(ROOT, 'test/fixtures/layout'));
  t.not(code, 0, 'depcruise exits non-zero');
  for (const rule of ['no-circular', 'server-not-local', 'local-not-server', 'pure-layers-import-only-pure', 'pure-layers-touch-no-socket', 'config-imports-no-side', 'only-cli-imports-cli']) {
    t.match(out, `error ${rule}:`, rule);
  }
});

t.test(`no lib/ file is longer than ${MAX_LINES} lines`, async (t) => {
  for (const file of libFiles(join(ROOT, 'lib'))) {
    const lines = readFileSync(file, 'utf8').split('\n').length - 1;
    t.ok(lines <= MAX_LINES, `${file.slice(ROOT.length)}: ${lines} lines`);
  }
});
