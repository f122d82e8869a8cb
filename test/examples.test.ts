import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';

const run = promisify(execFile);

// The examples are compiled by `npm run build` (pretest) into dist/examples.
t.test('the custom-transform example runs and its transforms see the traffic', async (t) => {
  const { stdout } = await run(process.execPath, ['dist/examples/custom-transform.js'], { timeout: 30_000 });
  t.match(stdout, /echoed 100000 bytes/);
  t.match(stdout, /upstream counter saw 100000 bytes/);
  t.match(stdout, /connection closed: OK, up 100000 B, down 100000 B/);
});

t.test('the minimal-server example refuses to start without a password', async (t) => {
  const err = await run(process.execPath, ['dist/examples/minimal-server.js'], { timeout: 10_000, env: { ...process.env, SS_PASSWORD: '' } }).catch((e: { code: number; stderr: string }) => e);
  t.match(err, { code: 2, stderr: /SS_PASSWORD/ });
});
