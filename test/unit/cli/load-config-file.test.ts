import { join } from 'node:path';
import t from 'tap';
import { loadConfigFile, readJsonFile } from '../../../lib/cli/load-config-file.js';

t.test('a file that is not JSON is refused without quoting its text', async (t) => {
  const dir = t.testdir({
    'bare.json': '{"server": "127.0.0.1", "password": hunter2}',
    'trailing.json': '{"password": "hunter2" x}',
  });
  for (const file of ['bare.json', 'trailing.json']) {
    const err = await readJsonFile(join(dir, file), `config file '${file}'`).then(() => null, (e: Error) => e);
    t.match(err, { code: 'ERR_SS_CONFIG', message: new RegExp(`config file '${file}'.*is not valid JSON`) }, file);
    t.notMatch(err?.message ?? '', /hunter2|server/, `${file}: the file's text is not echoed`);
  }
});

t.test('a parse error keeps the position, and a leading BOM is allowed', async (t) => {
  const dir = t.testdir({ 'cut.json': '{"server": "127.0.0.1",', 'bom.json': '\uFEFF{"server": "127.0.0.1"}' });
  await t.rejects(readJsonFile(join(dir, 'cut.json'), 'x'), { message: /is not valid JSON \(at position \d+\)/ });
  t.match(await loadConfigFile(join(dir, 'bom.json')), { servers: [{ host: '127.0.0.1' }] });
});

t.test('an unreadable file is named with the reason', async (t) => {
  await t.rejects(readJsonFile('/nonexistent/ss.json', "config file 'ss.json'"), { code: 'ERR_SS_CONFIG', message: /config file 'ss\.json': cannot be read: ENOENT/ });
});
