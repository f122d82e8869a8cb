import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { rereadOptions } from '../../../lib/cli/reload-on-sighup.js';
import { buildServerCliOptions } from '../../../lib/cli/server-cli-options.js';

t.test('a reload re-reads --password-file with the config file, and keeps the environment', async (t) => {
  const dir = t.testdir({ 'config.json': JSON.stringify({ server: '127.0.0.1', server_port: 0, method: 'aes-128-gcm' }) });
  const pw = join(dir, 'pw');
  writeFileSync(pw, 'first\n');
  chmodSync(pw, 0o600);
  const args = { verbose: false, quiet: false, config: join(dir, 'config.json'), passwordFile: pw };
  const first = buildServerCliOptions({ ...args, password: 'first' });
  writeFileSync(pw, 'rotated\n');
  chmodSync(pw, 0o644);
  const next = await rereadOptions(args, first);
  t.equal(next.options.servers[0]!.password, 'rotated', 'the new password');
  t.match(next.warnings, [/--password-file '.*pw': can be read by other users \(mode 0644\)/]);
  const env = await rereadOptions({ verbose: false, quiet: false, config: join(dir, 'config.json') }, first, { SS_SERVER_PASSWORD: 'from-env' });
  t.equal(env.options.servers[0]!.password, 'from-env');
});
