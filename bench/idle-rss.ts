/**
 * Idle RSS of the real CLI (issue 18: at most 45 MiB): starts
 * `dist/bin/ss-stream-server.js -s 127.0.0.1 -p PORT -m aes-256-gcm` (no
 * --metrics), waits until it listens, then samples VmRSS 1 s later (median of
 * 3, 250 ms apart), like the bench's memory part. Several runs, one at a time.
 *
 *   node dist/bench/idle-rss.js [RUNS] [METHOD] [-- extra server args]
 *
 * With SS_LIST_MODULES=1 the server also prints every module it loaded (a
 * loader hook, bench/list-modules.ts), which adds a little RSS of its own.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { sampleRssKb } from './memory.js';
import { isListening } from './wait-listen.js';
import { sleep } from './sleep.js';

const dashes = process.argv.indexOf('--');
const own = dashes < 0 ? process.argv.slice(2) : process.argv.slice(2, dashes);
const extra = dashes < 0 ? [] : process.argv.slice(dashes + 1);
const runs = Number(own[0] ?? 3);
const method = own[1] ?? 'aes-256-gcm';
const bin = fileURLToPath(new URL('../bin/ss-stream-server.js', import.meta.url));
const hook = fileURLToPath(new URL('./list-modules.js', import.meta.url));

/** One server start: its idle VmRSS in KiB. */
async function once(): Promise<number> {
  const port = await freePort();
  const nodeArgs = process.env['SS_LIST_MODULES'] === '1' ? ['--import', hook] : [];
  const args = [...nodeArgs, bin, '-s', '127.0.0.1', '-p', String(port), '-m', method, '-k', 'idle-rss-password', ...extra];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', process.env['SS_LIST_MODULES'] === '1' ? 'inherit' : 'ignore'] });
  try {
    const deadline = Date.now() + 10_000;
    while (!isListening(port)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not listen on ${port}`);
      await sleep(20);
    }
    await sleep(1000);
    return await sampleRssKb(child.pid ?? 0);
  } finally {
    child.kill('SIGTERM');
  }
}

const kb: number[] = [];
for (let i = 0; i < runs; i++) kb.push(await once());
kb.sort((a, b) => a - b);
const mib = (k: number): string => (k / 1024).toFixed(1);
process.stdout.write(`idle RSS ${method}: ${kb.map(mib).join(', ')} MiB (median ${mib(kb[Math.floor(kb.length / 2)] ?? 0)})\n`);
