import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { MAX_SECRET_FILE_BYTES, readSecretFile, withSecretFiles } from '../../../lib/cli/read-secret-file.js';

function secretFile(dir: string, name: string, content: string | Buffer, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

t.test('reads the one line of a file, with one trailing line break stripped', async (t) => {
  const dir = t.testdir({});
  t.same(await readSecretFile(secretFile(dir, 'a', 'hunter2\n'), '--password-file'), { secret: 'hunter2' });
  t.same(await readSecretFile(secretFile(dir, 'b', 'hunter2\r\n'), '--password-file'), { secret: 'hunter2' });
  t.same(await readSecretFile(secretFile(dir, 'c', 'hunter2'), '--password-file'), { secret: 'hunter2' });
  t.same(await readSecretFile(secretFile(dir, 'd', ' spaces kept \n'), '--password-file'), { secret: ' spaces kept ' }, 'other whitespace is part of the secret');
});

t.test('warns when the group or others can read the file, and not when only the owner can', async (t) => {
  const dir = t.testdir({});
  const open = secretFile(dir, 'open', 'pw\n', 0o644);
  const read = await readSecretFile(open, '--password-file');
  t.equal(read.secret, 'pw', 'the secret is still used');
  t.equal(read.warning, `--password-file '${open}': can be read by other users (mode 0644); chmod 600 it`);
  t.equal((await readSecretFile(secretFile(dir, 'group', 'pw', 0o640), '--key-file')).warning, `--key-file '${join(dir, 'group')}': can be read by other users (mode 0640); chmod 600 it`);
  t.equal((await readSecretFile(secretFile(dir, 'owner', 'pw', 0o400), '--key-file')).warning, undefined);
});

t.test('refuses an empty, multi-line, non-UTF-8, oversized or missing file, naming the flag and never the secret', async (t) => {
  const dir = t.testdir({});
  const cases: [string | Buffer, RegExp][] = [
    ['', /: is empty$/],
    ['\n', /: is empty$/],
    ['hunter2\nsecond', /: must hold the secret on one line/],
    ['hunter2\n\n', /: must hold the secret on one line/],
    [Buffer.from([0x68, 0xff, 0x0a]), /: is not valid UTF-8 text/],
    ['x'.repeat(MAX_SECRET_FILE_BYTES + 1), /: is larger than the limit of 4096 bytes$/],
  ];
  for (const [i, [content, problem]] of cases.entries()) {
    const path = secretFile(dir, `f${i}`, content);
    const err = await readSecretFile(path, '--password-file').then(() => null, (e: Error) => e);
    t.match(err, { code: 'ERR_SS_CONFIG', message: problem }, String(problem));
    t.ok(err?.message.startsWith(`--password-file '${path}': `), 'names the flag and the file');
    t.notMatch(err?.message ?? '', /hunter2|second/, 'the secret is not echoed');
  }
  await t.rejects(readSecretFile(join(dir, 'missing'), '--key-file'), { code: 'ERR_SS_CONFIG', message: /^--key-file '.*missing': cannot be read: ENOENT/ });
});

t.test('withSecretFiles puts the files\' secrets in place of the flags, and leaves the rest', async (t) => {
  const dir = t.testdir({});
  const pw = secretFile(dir, 'pw', 'from-file\n');
  const key = secretFile(dir, 'key', `${Buffer.alloc(32, 1).toString('base64')}\n`, 0o644);
  t.same(await withSecretFiles({ passwordFile: pw, method: 'x' }), { args: { passwordFile: pw, method: 'x', password: 'from-file' }, warnings: [] });
  const k = await withSecretFiles<{ keyFile?: string; key?: string }>({ keyFile: key });
  t.equal(k.args.key, Buffer.alloc(32, 1).toString('base64'));
  t.equal(k.warnings.length, 1);
  t.same(await withSecretFiles({ password: 'flag' }), { args: { password: 'flag' }, warnings: [] }, 'no file: nothing read');
});
