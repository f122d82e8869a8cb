import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parse as parseYaml } from 'yaml';

import { parseConfigFile } from '../lib/index.js';

import { systemdAnalyze, systemdAnalyzeMissing } from './fixtures/systemd.js';

const UNIT = 'examples/systemd/ss-stream-server.service';
const unit = readFileSync(UNIT, 'utf8');
const BIN = fileURLToPath(new URL('../dist/bin/ss-stream-server.js', import.meta.url));

// Every `Key=value` of the [Service] section (a key given twice keeps both values).
function serviceSettings(text: string): Map<string, string[]> {
  const section = text.split(/^\[Service\]$/m)[1]!.split(/^\[/m)[0]!;
  const out = new Map<string, string[]>();
  for (const m of section.matchAll(/^([A-Za-z]+)=(.*)$/gm)) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  return out;
}

t.test('the systemd unit runs the server from /etc/ss-stream-server/config.json, hardened, reloading on SIGHUP', async (t) => {
  const s = serviceSettings(unit);
  t.match(s.get('ExecStart')?.[0], /^\/usr\/local\/bin\/ss-stream-server -c \/etc\/ss-stream-server\/config\.json$/);
  t.same(s.get('ExecReload'), ['/bin/kill -HUP $MAINPID']);
  t.same(s.get('Restart'), ['on-failure']);
  t.ok(s.has('User') || s.get('DynamicUser')?.[0] === 'yes', 'runs as its own user');
  t.ok(Number(s.get('LimitNOFILE')?.[0]) >= 65536, 'raises the open files limit');
  for (const [key, value] of [['ProtectSystem', 'strict'], ['NoNewPrivileges', 'yes'], ['PrivateTmp', 'yes'], ['ProtectHome', 'yes']]) {
    t.same(s.get(key!), [value], `${key}=${value}`);
  }
});

t.test('the systemd unit passes systemd-analyze verify, and its exposure score stays low', { skip: systemdAnalyzeMissing() }, async (t) => {
  // verify refuses an ExecStart binary that does not exist here, so a copy
  // runs this checkout's own dist/bin/ss-stream-server.js in its place.
  const dir = mkdtempSync(join(tmpdir(), 'ss-unit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const copy = join(dir, 'ss-stream-server.service');
  writeFileSync(copy, unit.replace(/^ExecStart=\/usr\/local\/bin\/ss-stream-server /m, `ExecStart=${BIN} `));
  const verify = systemdAnalyze(['verify', copy]);
  t.equal(verify.status, 0, 'verify exits 0');
  // verify exits 0 after a bad or unknown key: what it says about the file is what matters.
  t.same(verify.stderr.split('\n').filter((line) => line.includes('ss-stream-server.service')), []);

  const security = systemdAnalyze(['security', '--offline=yes', copy]);
  const score = /Overall exposure level for ss-stream-server\.service: (\d+(?:\.\d+)?)/.exec(security.stdout);
  t.ok(score, 'systemd-analyze security prints the overall exposure');
  t.ok(Number(score?.[1]) <= 2.5, `exposure ${score?.[1]} (0 = locked down, 10 = unprotected)`);
});

// The Dockerfile's instructions, continuation lines joined, comments dropped.
function dockerInstructions(text: string): { op: string; args: string }[] {
  return text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => { const [op, ...rest] = l.split(/\s+/); return { op: op!.toUpperCase(), args: rest.join(' ') }; });
}

t.test('the Dockerfile builds from the packed tarball on a node base and runs as the node user', async (t) => {
  const steps = dockerInstructions(readFileSync('Dockerfile', 'utf8'));
  const from = steps.filter((s) => s.op === 'FROM');
  t.ok(from.length >= 1 && from.every((s) => /^node:20(-slim|-alpine)?\b/.test(s.args)), 'every stage is node:20 (slim or alpine)');
  const last = steps.slice(steps.lastIndexOf(from.at(-1)!));
  t.match(last.find((s) => s.op === 'RUN')?.args, /npm install --global .*ss-stream-server-\*\.tgz/, 'the image installs the tarball npm pack made');
  const user = [...last].reverse().find((s) => s.op === 'USER');
  t.equal(user?.args, 'node', 'runs as the non-root node user');
  t.ok(last.indexOf(user!) < last.findIndex((s) => s.op === 'ENTRYPOINT'), 'USER comes before the entry point');
  t.same(last.filter((s) => s.op === 'EXPOSE').flatMap((s) => s.args.split(/\s+/)).sort(), ['8388/tcp', '8388/udp'], 'exposes the port over TCP and UDP');
  t.same(steps.filter((s) => s.op === 'HEALTHCHECK'), [], 'no HEALTHCHECK (a bare connect counts as a failed handshake; the Dockerfile says why)');
  t.same(JSON.parse(last.find((s) => s.op === 'ENTRYPOINT')!.args), ['ss-stream-server']);
  t.same(JSON.parse(last.find((s) => s.op === 'CMD')!.args), ['-c', '/etc/ss-stream-server/config.json']);
});

t.test('every file the Dockerfile copies exists and is let through by .dockerignore', async (t) => {
  const allowed = readFileSync('.dockerignore', 'utf8').split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
  const copies = dockerInstructions(readFileSync('Dockerfile', 'utf8')).filter((s) => s.op === 'COPY' && !s.args.startsWith('--from'));
  t.ok(copies.length > 0);
  for (const copy of copies) {
    for (const source of copy.args.split(/\s+/).slice(0, -1)) {
      t.ok(existsSync(source), `${source} exists`);
      t.ok(allowed.some((a) => source.replace(/\/$/, '') === a || source.startsWith(`${a}/`)), `${source} is in the build context`);
    }
  }
});

t.test('the compose example publishes TCP and UDP, mounts the config read-only and raises the file limit', async (t) => {
  const compose = parseYaml(readFileSync('examples/docker-compose.yml', 'utf8')) as { services: Record<string, { ports: string[]; volumes: string[]; ulimits: { nofile: { soft: number } }; build: { context: string }; user?: string }> };
  const service = compose.services['ss-stream-server']!;
  t.same(service.ports.filter((p) => !p.startsWith('#')), ['8388:8388/tcp', '8388:8388/udp']);
  t.ok(service.volumes.includes('../config.json:/etc/ss-stream-server/config.json:ro'));
  t.ok(service.ulimits.nofile.soft >= 65536);
  t.ok(existsSync(join('examples', service.build.context, 'Dockerfile')), 'build context is the repository root');
});

t.test('the example config file is one the server accepts', async (t) => {
  const file = parseConfigFile(JSON.parse(readFileSync('examples/config.example.json', 'utf8')));
  t.match(file.servers, [{ port: 8388, method: 'chacha20-ietf-poly1305', mode: 'tcp_and_udp', idleTimeoutMs: 300_000 }]);
  t.same(file.warnings, []);
});

t.test('the unit, the container and the benchmark run node with the same flags', async (t) => {
  const { SERVER_NODE_FLAGS } = await import('../bench/args.js');
  t.same(serviceSettings(unit).get('Environment')?.filter((e) => e.startsWith('NODE_OPTIONS=')), [`NODE_OPTIONS=${SERVER_NODE_FLAGS}`], 'the unit sets NODE_OPTIONS');
  const env = dockerInstructions(readFileSync('Dockerfile', 'utf8')).filter((s) => s.op === 'ENV' && s.args.startsWith('NODE_OPTIONS='));
  t.same(env.map((s) => s.args), [`NODE_OPTIONS=${SERVER_NODE_FLAGS}`], 'the image sets NODE_OPTIONS');
  t.match(SERVER_NODE_FLAGS, /^--max-semi-space-size=\d+$/, 'a young-generation cap, and nothing that changes behaviour');
});

t.test('the flag the unit sets is one node accepts in NODE_OPTIONS', async (t) => {
  const { SERVER_NODE_FLAGS } = await import('../bench/args.js');
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync(process.execPath, ['-p', "require('v8').getHeapStatistics().total_available_size > 0"], { env: { ...process.env, NODE_OPTIONS: SERVER_NODE_FLAGS }, encoding: 'utf8' });
  t.equal(out.trim(), 'true');
});
