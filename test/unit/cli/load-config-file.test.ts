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

t.test('a parse error names its line and column and what was expected, and a leading BOM is allowed', async (t) => {
  const dir = t.testdir({
    'cut.json': '{"server": "127.0.0.1",',
    'bom.json': '\uFEFF{"server": "127.0.0.1"}',
    // JSON.parse says "Unexpected token '}', ...hunter2... is not valid JSON": no position, and the text quoted.
    'missing-value.json': '{\n  "server_port": 8388,\n  "password": "hunter2",\n  "method": }\n',
    'trailing-comma.json': '{\r\n  "password": "hunter2",\r\n}',
    'comment.json': '{\n  // the port\n  "server_port": 8388\n}',
  });
  await t.rejects(readJsonFile(join(dir, 'cut.json'), 'x'), { message: 'x: is not valid JSON: line 1, column 24: a property name (in double quotes) expected' });
  await t.rejects(readJsonFile(join(dir, 'missing-value.json'), 'x'), { message: 'x: is not valid JSON: line 4, column 13: a value expected' });
  await t.rejects(readJsonFile(join(dir, 'trailing-comma.json'), 'x'), { message: 'x: is not valid JSON: line 3, column 1: a property name (in double quotes) expected' });
  await t.rejects(readJsonFile(join(dir, 'comment.json'), 'x'), { message: 'x: is not valid JSON: line 2, column 3: a comment (JSON has none)' });
  t.match(await loadConfigFile(join(dir, 'bom.json')), { servers: [{ host: '127.0.0.1' }] });
});

t.test('an unreadable file is named with the reason', async (t) => {
  await t.rejects(readJsonFile('/nonexistent/ss.json', "config file 'ss.json'"), { code: 'ERR_SS_CONFIG', message: /config file 'ss\.json': cannot be read: ENOENT/ });
});

t.test('a file larger than 1 MiB is refused, naming the file and the limit', async (t) => {
  const big = `{"server": "127.0.0.1",${' '.repeat(1024 * 1024)}"password": "x"}`;
  const dir = t.testdir({ 'big.json': big, 'fits.json': big.replace(' '.repeat(big.length - 1024 * 1024), '') });
  await t.rejects(loadConfigFile(join(dir, 'big.json')), { code: 'ERR_SS_CONFIG', message: /^config file '.*big\.json': is larger than the limit of 1048576 bytes$/ });
  t.match(await loadConfigFile(join(dir, 'fits.json')), { servers: [{ host: '127.0.0.1' }] }, 'exactly 1 MiB is read');
});

t.test('-c /dev/urandom is refused after 1 MiB, and an empty file is named as such', async (t) => {
  await t.rejects(loadConfigFile('/dev/urandom'), { code: 'ERR_SS_CONFIG', message: "config file '/dev/urandom': is larger than the limit of 1048576 bytes" });
  const dir = t.testdir({ 'empty.json': '', 'bom.json': '\uFEFF' });
  await t.rejects(loadConfigFile(join(dir, 'empty.json')), { message: /empty\.json': is empty$/ });
  await t.rejects(loadConfigFile(join(dir, 'bom.json')), { message: /bom\.json': is empty$/ });
});

t.test('a password that is not UTF-8 is refused, naming its key, never decoded to U+FFFD', async (t) => {
  const file = (tail: number[]): Buffer => Buffer.concat([Buffer.from('{"server": "127.0.0.1", "password": "s3cret'), Buffer.from(tail), Buffer.from('"}')]);
  // Decoded lossily, both would be "s3cret\uFFFD": two passwords, one key.
  const dir = t.testdir({ 'ff.json': file([0xff]), 'fe.json': file([0xfe]), 'latin1.json': file([0xe9]) });
  for (const name of ['ff.json', 'fe.json', 'latin1.json']) {
    const err = await loadConfigFile(join(dir, name)).then(() => null, (e: Error) => e);
    t.match(err, { code: 'ERR_SS_CONFIG', message: new RegExp(`^config file '.*${name}': password: is not valid UTF-8 text, and a secret is never altered: .*give its key \\(base64\\) instead$`) }, name);
    t.notMatch(err?.message ?? '', /s3cret/, 'the password is not quoted');
  }
});

t.test('bytes that are not UTF-8 elsewhere are refused too', async (t) => {
  const dir = t.testdir({
    'port.json': Buffer.concat([Buffer.from('{"port_password": {"8381": "a", "8382": "b'), Buffer.of(0xc3, 0x28), Buffer.from('"}}')]),
    'outside.json': Buffer.concat([Buffer.from('{"password": "x"}'), Buffer.of(0xff)]),
  });
  await t.rejects(loadConfigFile(join(dir, 'port.json')), { message: /port\.json': port_password\.8382: is not valid UTF-8 text/ });
  await t.rejects(loadConfigFile(join(dir, 'outside.json')), { message: /outside\.json': is not valid UTF-8 text \(JSON must be UTF-8\)$/ });
});
