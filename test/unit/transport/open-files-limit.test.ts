import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseOpenFilesLimit, readOpenFilesLimit } from '../../../lib/transport/open-files-limit.js';

// A /proc/self/limits from Linux 6.x, as written by a shell after `ulimit -n 1024`.
const SAMPLE = `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max file size             unlimited            unlimited            bytes     
Max data size             unlimited            unlimited            bytes     
Max stack size            8388608              unlimited            bytes     
Max core file size        0                    unlimited            bytes     
Max resident set          unlimited            unlimited            bytes     
Max processes             96364                96364                processes 
Max open files            1024                 524288               files     
Max locked memory         8388608              8388608              bytes     
Max address space         unlimited            unlimited            bytes     
Max file locks            unlimited            unlimited            locks     
Max pending signals       96364                96364                signals   
Max msgqueue size         819200               819200               bytes     
Max nice priority         0                    0                    
Max realtime priority     0                    0                    
Max realtime timeout      unlimited            unlimited            us        
`;

t.test('reads the soft limit of open files from a limits file', async (t) => {
  t.equal(parseOpenFilesLimit(SAMPLE), 1024);
});

t.test('reads unlimited as Infinity, and a missing or odd line as unknown', async (t) => {
  t.equal(parseOpenFilesLimit(SAMPLE.replace(/Max open files {12}1024/, 'Max open files            unlimited')), Infinity);
  t.equal(parseOpenFilesLimit(SAMPLE.replace(/^Max open files.*$/m, '')), undefined);
  t.equal(parseOpenFilesLimit('Max open files            0                    0                    files'), undefined);
  t.equal(parseOpenFilesLimit('Max open files            lots                 lots                 files'), undefined);
  t.equal(parseOpenFilesLimit(''), undefined);
});

t.test('reads a limits file from disk; a missing file is unknown', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'limits-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'limits'), SAMPLE);
  t.equal(readOpenFilesLimit(join(dir, 'limits')), 1024);
  t.equal(readOpenFilesLimit(join(dir, 'absent')), undefined);
});

t.test('on Linux, reads this process\'s own limit', { skip: process.platform !== 'linux' && 'no /proc/self/limits here' }, async (t) => {
  const n = readOpenFilesLimit();
  t.ok(n !== undefined && n > 0, `got ${n}`);
});
