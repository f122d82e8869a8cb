/**
 * What the server loads at start (issue 18, idle RSS): a plain
 * `ss-stream-server` with one AEAD port loads none of the packages that only
 * some configurations need. Runs the built CLI (pretest builds dist/) under
 * bench/list-modules.ts, which lists every module the process loaded.
 */
import { spawn } from 'node:child_process';
import t from 'tap';

const LAZY = ['qrcode', 'socks', 'ip-address', 'jsonc-parser', '@noble/hashes', '@noble/ciphers', 'prom-client'];

t.test('a plain AEAD server starts without the packages only some configurations need', async (t) => {
  const child = spawn(process.execPath, ['--import', './dist/bench/list-modules.js', 'dist/bin/ss-stream-server.js', '-s', '127.0.0.1', '-p', '0', '-m', 'aes-256-gcm', '-k', 'footprint-test'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes('listening on')) child.kill('SIGTERM');
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await new Promise((resolve) => child.once('close', resolve));
  clearTimeout(deadline);
  t.match(stdout, /listening on 127\.0\.0\.1:\d+ \(aes-256-gcm\)/);
  const modules = stderr.split('\n').filter((l) => l.startsWith('MODULE '));
  t.ok(modules.some((l) => l.includes('/dist/bin/ss-stream-server.js')), 'the module list is complete enough to include the command');
  t.ok(modules.some((l) => l.includes('/node_modules/')), 'and packages loaded from node_modules');
  for (const name of LAZY) t.same(modules.filter((l) => l.includes(`/node_modules/${name}/`)), [], `${name} is not loaded`);
});
