/**
 * summarizeProfile: the functions with the most self time in a V8
 * `.cpuprofile` (from `node --cpu-prof`), as % of the busy (non-idle) samples.
 *
 *   node dist/bench/profile-summary.js FILE.cpuprofile [TOP]
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
}

const IDLE = new Set(['(idle)', '(program)']);
// libuv stream/TCP wrap methods: their self time is mostly the system call.
const SOCKET_NATIVES = new Set(['writeBuffer', 'writev', 'writeLatin1String', 'writeUtf8String', 'close', 'connect', 'shutdown', 'readStart', 'readStop', 'setNoDelay', 'setKeepAlive', 'getpeername', 'getsockname']);

export function summarizeProfile(file: string, top = 15): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<number, number>();
  if (profile.samples) for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  else for (const n of profile.nodes) hits.set(n.id, n.hitCount ?? 0);
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, count] of hits) {
    const f = byId.get(id)?.callFrame;
    if (!f) continue;
    const name = f.functionName || '(anonymous)';
    if (IDLE.has(name)) {
      idle += count;
      continue;
    }
    busy += count;
    const key = f.url ? `${name}  ${shortUrl(f.url)}:${f.lineNumber + 1}` : name;
    self.set(key, (self.get(key) ?? 0) + count);
    const area = areaOf(name, f.url);
    areas.set(area, (areas.get(area) ?? 0) + count);
  }
  const lines = [...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, c]) => `${((100 * c) / Math.max(busy, 1)).toFixed(1).padStart(5)}%  ${k}`);
  const total = busy + idle;
  const pct = (c: number): string => `${((100 * c) / Math.max(busy, 1)).toFixed(0)}%`;
  const byArea = [...areas].sort((a, b) => b[1] - a[1]).map(([a, c]) => `${a} ${pct(c)}`).join(', ');
  return [`${basename(file)}: ${total} samples, ${((100 * busy) / Math.max(total, 1)).toFixed(0)}% busy`, `by area: ${byArea}`, 'self time, % of busy:', ...lines].join('\n');
}

// Rough buckets: where the busy time goes.
function areaOf(name: string, url: string): string {
  if (name === '(garbage collector)') return 'gc';
  if (url.includes('/dist/lib/')) return 'ss-stream-server';
  if (url.includes('internal/crypto')) return 'node crypto';
  if (/internal\/streams|node:stream|node:events/.test(url)) return 'streams+events';
  if (url === 'node:net' || (url === '' && SOCKET_NATIVES.has(name))) return 'net + socket syscalls';
  if (url === '') return 'other native';
  return 'other node';
}

function shortUrl(url: string): string {
  const m = url.match(/(?:dist|node_modules)\/.*$/);
  return m ? m[0] : url.replace(/^file:\/\//, '');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-summary.js FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  process.stdout.write(`${summarizeProfile(file, top ? Number(top) : 15)}\n`);
}
